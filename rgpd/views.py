"""The DPO's pages: dashboard, processing register, a debtor's rights, purge certificates.

Managers read the dashboard and the register; the data subjects' requests, decisions,
restriction and rectification are the DPO's. The DPO never changes a claim nor sends anything.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import roles
from accounts.access import role_required
from accounts.forms import apply_errors
from dossiers import scoping
from dossiers.models import Debtor, DebtorContact
from rgpd import register, selectors, services
from rgpd.forms import (
    ContactRectifyForm,
    DebtorRectifyForm,
    DecisionForm,
    RequestForm,
    RestrictionForm,
)
from rgpd.models import PurgeCertificate, RightsRequest

READERS = (roles.DPO, roles.MANAGER)


def _pdf(html: str, filename: str) -> HttpResponse:
    from weasyprint import HTML

    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Dashboard, register, certificates --------------------------------------------------------


@role_required(*READERS)
def dashboard(request):
    data = selectors.dashboard(today=timezone.localdate(), user=request.user)
    return render(request, "rgpd/dashboard.html", {"d": data, "is_dpo": _is_dpo(request)})


def _is_dpo(request) -> bool:
    return roles.has_role(request.user, roles.DPO)


@role_required(*READERS)
def register_page(request):
    return render(request, "rgpd/register.html", {"entries": register.entries()})


@role_required(*READERS)
def register_pdf(request):
    html = render_to_string(
        "rgpd/register_print.html",
        {"entries": register.entries(), "today": timezone.localdate()},
        request=request,
    )
    return _pdf(html, "registre-des-traitements.pdf")


@role_required(*READERS)
def certificate(request, pk: int):
    cert = get_object_or_404(PurgeCertificate.objects.select_related("operator"), pk=pk)
    return render(request, "rgpd/certificate.html", {"cert": cert})


# --- Debtors ----------------------------------------------------------------------------------


@role_required(*READERS)
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


@role_required(*READERS)
def debtor(request, pk: int):
    # Out of a manager's portfolio, the debtor is not found (``dossiers.scoping``).
    return _debtor_page(request, get_object_or_404(scoping.visible_debtors(request.user), pk=pk))


@role_required(roles.DPO)
def request_new(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_record(debtor=debtor, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Demande enregistrée : réponse due sous un mois.")
            return redirect("rgpd:debtor", pk=debtor.pk)
    if request.method != "POST":
        return redirect("rgpd:debtor", pk=debtor.pk)
    return _debtor_page(request, debtor, request_form=form)


@role_required(roles.DPO)
def request_decide(request, pk: int):
    rights = get_object_or_404(RightsRequest.objects.select_related("debtor"), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_decide(request=rights, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
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


@role_required(roles.DPO)
def restriction(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    form = RestrictionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_change(debtor=debtor, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            state = "limité" if form.cleaned_data["restricted"] else "rétabli"
            messages.success(request, f"Traitement {state} : la cadence en tient compte.")
            return redirect("rgpd:debtor", pk=debtor.pk)
    if request.method != "POST":
        return redirect("rgpd:debtor", pk=debtor.pk)
    return _debtor_page(request, debtor, restriction_form=form)


@role_required(roles.DPO)
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
            apply_errors(form, error)
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


@role_required(roles.DPO)
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
            apply_errors(form, error)
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


@role_required(roles.DPO)
def export_json(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    body = json.dumps(
        selectors.subject_access_json(debtor), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="acces-debiteur-{debtor.pk}.json"'
    return response


@role_required(roles.DPO)
def export_pdf(request, pk: int):
    debtor = get_object_or_404(Debtor, pk=pk)
    html = render_to_string(
        "rgpd/access_print.html",
        {
            "debtor": debtor,
            "sections": selectors.subject_access(debtor),
            "today": timezone.localdate(),
            "profiling": register.PROFILING,
        },
        request=request,
    )
    return _pdf(html, f"acces-debiteur-{debtor.pk}.pdf")
