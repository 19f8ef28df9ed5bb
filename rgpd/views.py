"""The DPO's pages: dashboard, processing register, a debtor's rights, purge certificates.

Managers read the dashboard and the register; the data subjects' requests, decisions,
restriction and rectification are the DPO's. The DPO never changes a claim nor sends anything.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from dossiers import roles, scoping
from dossiers.models import Debtor, DebtorContact

from . import register, selectors, services
from .forms import (
    ContactRectifyForm,
    DebtorRectifyForm,
    DecisionForm,
    RequestForm,
    RestrictionForm,
)
from .models import PurgeCertificate, RightsRequest

READERS = (roles.DPO, roles.MANAGER)


def rgpd_view(*allowed: str):
    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles.has_role(request.user, *allowed):
                return render(request, "rgpd/forbidden.html", status=403)
            return func(request, *args, **kwargs)

        return wrapper

    return decorate


def _apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errs in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, error.messages)


def _pdf(html: str, filename: str) -> HttpResponse:
    from weasyprint import HTML

    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Dashboard, register, certificates --------------------------------------------------------


@rgpd_view(*READERS)
def dashboard(request):
    data = selectors.dashboard(today=timezone.localdate(), user=request.user)
    return render(request, "rgpd/dashboard.html", {"d": data, "is_dpo": _is_dpo(request)})


def _is_dpo(request) -> bool:
    return roles.has_role(request.user, roles.DPO)


@rgpd_view(*READERS)
def register_page(request):
    return render(request, "rgpd/register.html", {"entries": register.entries()})


@rgpd_view(*READERS)
def register_pdf(request):
    html = render_to_string(
        "rgpd/register_print.html",
        {"entries": register.entries(), "today": timezone.localdate()},
        request=request,
    )
    return _pdf(html, "registre-des-traitements.pdf")


@rgpd_view(*READERS)
def certificate(request, pk: int):
    cert = get_object_or_404(PurgeCertificate.objects.select_related("operator"), pk=pk)
    return render(request, "rgpd/certificate.html", {"cert": cert})


# --- Debtors ----------------------------------------------------------------------------------


@rgpd_view(*READERS)
def debtors(request):
    query = (request.GET.get("q") or "").strip()
    found = []
    if len(query) >= 2:
        # A manager finds only the debtors of their portfolio (the DPO: every debtor).
        found = list(
            scoping.visible_debtors(request.user, Debtor.objects.filter(name__icontains=query))
            .select_related("purge")
            .order_by("name", "pk")[:50]
        )
    return render(request, "rgpd/debtors.html", {"q": query, "found": found})


def _debtor_page(request, debtor, **forms):
    context = {
        "debtor": debtor,
        "contacts": list(debtor.contacts.all()),
        "dossiers": list(
            scoping.visible_dossiers(
                request.user, debtor.dossiers.select_related("creditor")
            ).order_by("-opened_on")
        ),
        "requests": list(debtor.rights_requests.select_related("decided_by")),
        "is_dpo": _is_dpo(request),
        "request_form": forms.get("request_form") or RequestForm(),
        "restriction_form": forms.get("restriction_form")
        or RestrictionForm(initial={"restricted": "0" if debtor.processing_restricted else "1"}),
    }
    return render(request, "rgpd/debtor.html", context, status=400 if forms else 200)


@rgpd_view(*READERS)
def debtor(request, pk: int):
    # Out of a manager's portfolio, the debtor is not found (``dossiers.scoping``).
    return _debtor_page(request, get_object_or_404(scoping.visible_debtors(request.user), pk=pk))


@rgpd_view(roles.DPO)
def request_new(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_record(debtor=debtor, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, "Demande enregistrée : réponse due sous un mois.")
            return redirect("rgpd:debtor", pk=debtor.pk)
    if request.method != "POST":
        return redirect("rgpd:debtor", pk=debtor.pk)
    return _debtor_page(request, debtor, request_form=form)


@rgpd_view(roles.DPO)
def request_decide(request, pk: int):
    rights = get_object_or_404(RightsRequest.objects.select_related("debtor"), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_decide(request=rights, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, "Décision enregistrée.")
            return redirect("rgpd:debtor", pk=rights.debtor_id)
    return render(
        request,
        "rgpd/form.html",
        {
            "form": form,
            "title": f"Décision : {rights}",
            "debtor": rights.debtor,
            "intro": rights.details,
        },
    )


@rgpd_view(roles.DPO)
def restriction(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    form = RestrictionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_change(debtor=debtor, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply(form, error)
        else:
            state = "limité" if form.cleaned_data["restricted"] else "rétabli"
            messages.success(request, f"Traitement {state} : la cadence en tient compte.")
            return redirect("rgpd:debtor", pk=debtor.pk)
    if request.method != "POST":
        return redirect("rgpd:debtor", pk=debtor.pk)
    return _debtor_page(request, debtor, restriction_form=form)


@rgpd_view(roles.DPO)
def rectify(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    form = DebtorRectifyForm(request.POST or None, instance=Debtor.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        try:
            services.debtor_rectify(
                debtor=debtor, actor=request.user, reason=form.cleaned_data["reason"], **fields
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, "Données rectifiées (l'ancienne version reste au journal).")
            return redirect("rgpd:debtor", pk=debtor.pk)
    return render(
        request,
        "rgpd/form.html",
        {
            "form": form,
            "title": "Rectifier l'identité et l'adresse",
            "debtor": debtor,
        },
    )


@rgpd_view(roles.DPO)
def rectify_contact(request, pk: int, contact_pk: int):
    contact = get_object_or_404(DebtorContact, pk=contact_pk, debtor_id=pk)
    form = ContactRectifyForm(
        request.POST or None, instance=DebtorContact.objects.get(pk=contact.pk)
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        try:
            services.contact_rectify(
                contact=contact, actor=request.user, reason=form.cleaned_data["reason"], **fields
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, "Contact rectifié (l'ancienne version reste au journal).")
            return redirect("rgpd:debtor", pk=pk)
    return render(
        request,
        "rgpd/form.html",
        {
            "form": form,
            "title": "Rectifier un contact",
            "debtor": contact.debtor,
        },
    )


# --- Subject-access export (art. 15) ----------------------------------------------------------


@rgpd_view(roles.DPO)
def export_json(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    body = json.dumps(
        selectors.subject_access_json(debtor), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="acces-debiteur-{debtor.pk}.json"'
    return response


@rgpd_view(roles.DPO)
def export_pdf(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    html = render_to_string(
        "rgpd/access_print.html",
        {
            "debtor": debtor,
            "sections": selectors.subject_access(debtor),
            "today": timezone.localdate(),
        },
        request=request,
    )
    return _pdf(html, f"acces-debiteur-{debtor.pk}.pdf")
