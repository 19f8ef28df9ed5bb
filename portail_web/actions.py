"""The debtor's actions: one page each, a form that works without JavaScript, a French
message for what is refused (nothing changes then), and the dossier page after success."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.network import client_ip
from dossiers import services as dossier_services
from dossiers.models import Dispute
from portail import services as portal
from portail_web import forms, services
from portail_web.gate import portal_page
from rgpd.models import RightsRequest


def _apply(form, exc: ValidationError) -> None:
    """A service's refusal onto the form: field errors on their field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _page(request, access, template, form, **context):
    dossier = access.dossier
    return render(
        request,
        template,
        {
            "form": form,
            "creditor": dossier.creditor,
            "dossier": dossier,
            "token": request.portal_token,
            "balance": dossier_services.dossier_balance(dossier),
            "settings": portal.settings_for(dossier.creditor),
            **context,
        },
        status=400 if form.errors else 200,
    )


def _done(request, text: str):
    messages.success(request, text)
    return redirect("portail_web:dossier", token=request.portal_token)


def _allowed(access, flag: str):
    return getattr(portal.settings_for(access.dossier.creditor), flag)


@portal_page()
@require_http_methods(["GET", "POST"])
def promise(request, access):
    if not _allowed(access, "allow_promise"):
        return redirect("portail_web:dossier", token=request.portal_token)
    form = forms.PromiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.promise_make(
                access=access,
                amount=form.cleaned_data["amount"],
                due_on=form.cleaned_data["due_on"],
                address=client_ip(request),
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _done(
                request,
                "Votre promesse de paiement est enregistrée : aucun rappel ne vous sera adressé "
                "d'ici la date promise.",
            )
    return _page(request, access, "portail_web/promise.html", form)


@portal_page()
@require_http_methods(["GET", "POST"])
def plan(request, access):
    if not _allowed(access, "allow_plan"):
        return redirect("portail_web:dossier", token=request.portal_token)
    form = forms.PlanForm(request.POST or None)
    offer_review = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.plan_submit(
                access=access,
                count=data["installments"],
                first_due_on=data["first_due_on"],
                for_review=bool(request.POST.get("pour_examen")),
                address=client_ip(request),
            )
        except ValidationError as exc:
            _apply(form, exc)
            offer_review = "pour examen" in " ".join(exc.messages)
        else:
            if event.kind == event.Kind.PLAN:
                return _done(
                    request,
                    "Votre échéancier est accepté : aucun rappel ne vous sera adressé tant que "
                    "les échéances sont respectées. Il figure dans vos documents.",
                )
            return _done(
                request,
                "Votre proposition d'échéancier est transmise au service recouvrement, qui vous "
                "répondra. D'ici là, rien ne change sur votre dossier.",
            )
    return _page(request, access, "portail_web/plan.html", form, offer_review=offer_review)


@portal_page()
@require_http_methods(["GET", "POST"])
def dispute(request, access):
    if not _allowed(access, "allow_dispute"):
        return redirect("portail_web:dossier", token=request.portal_token)
    claims = list(access.dossier.claims.open().oldest_first())
    form = forms.DisputeForm(
        request.POST or None,
        request.FILES or None,
        claims=claims,
        reasons=Dispute.Reason.choices,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dispute_submit(
                access=access,
                reason_code=data["reason"],
                description=data["description"],
                claim_id=int(data["claim"]) if data["claim"] else None,
                attachment=data["attachment"],
            )
        except ValidationError as exc:
            _apply(form, _on_file(exc, "attachment"))
        else:
            return _done(
                request,
                "Votre contestation est enregistrée : le créancier l'examine, et aucun rappel ne "
                "vous sera adressé d'ici sa réponse.",
            )
    return _page(request, access, "portail_web/dispute.html", form)


def _on_file(exc: ValidationError, field: str) -> ValidationError:
    """The evidence validator speaks of « file »: its message belongs to the form's field."""
    if hasattr(exc, "error_dict") and "file" in exc.error_dict:
        return ValidationError({field: exc.error_dict["file"]})
    return exc


@portal_page()
@require_http_methods(["GET", "POST"])
def already_paid(request, access):
    if not _allowed(access, "allow_already_paid"):
        return redirect("portail_web:dossier", token=request.portal_token)
    form = forms.AlreadyPaidForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.already_paid_submit(
                access=access,
                paid_on=data["paid_on"],
                amount=data["amount"],
                method=dict(form.fields["method"].choices)[data["method"]].lower(),
                proof=data["proof"],
            )
        except ValidationError as exc:
            _apply(form, _on_file(exc, "proof"))
        else:
            return _done(
                request,
                "Merci : votre paiement va être vérifié. Aucun rappel ne vous sera adressé "
                f"pendant {services.ALREADY_PAID_HOLD_DAYS} jours.",
            )
    return _page(request, access, "portail_web/already_paid.html", form)


@portal_page()
@require_http_methods(["GET", "POST"])
def contact(request, access):
    if not _allowed(access, "allow_contact_update"):
        return redirect("portail_web:dossier", token=request.portal_token)
    form = forms.ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_update_submit(access=access, **form.cleaned_data)
        return _done(
            request,
            "Vos nouvelles coordonnées sont transmises : elles seront prises en compte après "
            "vérification.",
        )
    return _page(request, access, "portail_web/contact.html", form)


@portal_page()
@require_http_methods(["GET", "POST"])
def rights(request, access):
    if not _allowed(access, "allow_rights"):
        return redirect("portail_web:dossier", token=request.portal_token)
    kinds = [(k, v) for k, v in RightsRequest.Kind.choices if k in services.RIGHTS_KINDS]
    form = forms.RightsForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            services.rights_submit(access=access, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _done(
                request,
                "Votre demande est transmise au délégué à la protection des données, qui vous "
                f"répondra dans un délai d'un mois (jusqu'au {_in_a_month()}).",
            )
    return _page(request, access, "portail_web/rights.html", form)


def _in_a_month() -> str:
    from legal.calendar import add_months

    return f"{add_months(timezone.localdate(), 1):%d/%m/%Y}"
