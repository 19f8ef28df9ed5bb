"""The debtor's pages: the door (second factor), their dossier, and the copies of what they
were sent. Actions are in ``portail_web.actions``."""

from __future__ import annotations

from pathlib import PurePath

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe

from accounts.network import client_ip
from courriers.context import messaging_for, payment_link_for
from courriers.models import SentMessage
from dossiers.models import Evidence
from legal.references import dossier_rf_reference, epc_qr_payload, epc_qr_svg, rf_printed
from portail import services
from portail.models import PortalEvent
from portail_web import selectors
from portail_web.forms import FactorForm
from portail_web.gate import is_verified, mark_verified, portal_page


@portal_page(verified=False)
@require_http_methods(["GET", "POST"])
def entry(request, access):
    """The door: the second factor before any personal detail."""
    token = request.portal_token
    if is_verified(request, access):
        return redirect("portail_web:dossier", token=token)
    creditor = access.dossier.creditor
    address = client_ip(request)
    locked = services.access_throttled(access)
    form = FactorForm(request.POST or None)
    if request.method == "POST" and not locked and form.is_valid():
        if services.factor_matches(access, form.cleaned_data["answer"]):
            services.attempt_record(address=address, access=access, succeeded=True)
            services.event_record(access=access, kind=PortalEvent.Kind.VERIFIED)
            mark_verified(request, access)
            return redirect("portail_web:dossier", token=token)
        services.attempt_record(address=address, access=access, succeeded=False)
        services.event_record(access=access, kind=PortalEvent.Kind.FACTOR_FAILED)
        locked = services.access_throttled(access)
        if not locked:
            form.add_error(
                "answer",
                "Ces informations ne correspondent pas à ce dossier. Vérifiez le numéro de "
                "facture ou le code postal indiqué sur le courrier reçu.",
            )
    status = 429 if locked else (400 if form.errors else 200)
    return render(
        request,
        "portail_web/entry.html",
        {"form": form, "creditor": creditor, "locked": locked, "token": token},
        status=status,
    )


@portal_page()
@require_safe
def dossier(request, access):
    view = selectors.debtor_view(access.dossier, on=timezone.localdate())
    services.event_record(
        access=access,
        kind=PortalEvent.Kind.VIEW,
        summary=(
            f"{len(view.invoices)} facture(s), {len(view.payments)} paiement(s), "
            f"{len(view.letters)} courrier(s) affichés"
            + (f", accessoires dus ({view.accessories.remaining})" if view.accessories else "")
        ),
    )
    return render(
        request,
        "portail_web/dossier.html",
        {
            "v": view,
            "creditor": access.dossier.creditor,
            "token": request.portal_token,
            "allowed": services.settings_for(access.dossier.creditor),
        },
    )


def _download(handle, name: str, content_type: str | None = None):
    response = FileResponse(handle, as_attachment=True, filename=PurePath(name).name)
    if content_type:
        response["Content-Type"] = content_type
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@portal_page()
@require_safe
def letter_copy(request, access, sent_pk: int):
    """A copy of a message sent about this dossier: the PDF of a letter, the text of an
    e-mail."""
    sent = get_object_or_404(
        SentMessage.objects.exclude(channel="sms"),
        pk=sent_pk,
        dossier=access.dossier,
        is_test=False,
    )
    services.event_record(
        access=access, kind=PortalEvent.Kind.DOCUMENT, summary=f"copie de l'envoi n° {sent.pk}"
    )
    if sent.pdf:
        try:
            handle = sent.pdf.open("rb")
        except FileNotFoundError as exc:
            raise Http404("Document introuvable.") from exc
        return _download(handle, f"courrier-{sent.pk}.pdf", "application/pdf")
    response = HttpResponse(sent.body_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="message-{sent.pk}.txt"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@portal_page()
@require_safe
def invoice_copy(request, access, evidence_pk: int):
    evidence = get_object_or_404(
        Evidence, pk=evidence_pk, dossier=access.dossier, kind=Evidence.Kind.INVOICE
    )
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("Document introuvable.") from exc
    services.event_record(
        access=access, kind=PortalEvent.Kind.DOCUMENT, summary=f"copie de la pièce n° {evidence.pk}"
    )
    return _download(handle, evidence.original_name or PurePath(evidence.file.name).name)


@portal_page()
@require_safe
def pay(request, access):
    """How to pay: the creditor's payment link when it has one (its test mode said), and a SEPA
    transfer with the creditor's IBAN, the dossier's RF reference and the EPC « SCT » QR code
    that French banking apps read (``legal.references``)."""
    dossier = access.dossier
    creditor = dossier.creditor
    view = selectors.debtor_view(dossier, on=timezone.localdate())
    amount = view.payable  # « Accessoires dus »: the penalties and indemnities left
    reference = dossier_rf_reference(dossier.reference)
    qr_svg = ""
    if amount > 0:
        try:
            payload = epc_qr_payload(
                name=creditor.legal_name,
                iban=creditor.iban,
                bic=creditor.bic,
                amount=amount,
                reference=reference,
            )
        except ValueError:
            payload = ""
        qr_svg = epc_qr_svg(payload) if payload else ""
    messaging = messaging_for(creditor)
    services.event_record(
        access=access, kind=PortalEvent.Kind.PAY, summary=f"moyens de paiement affichés ({amount})"
    )
    return render(
        request,
        "portail_web/pay.html",
        {
            "v": view,
            "creditor": creditor,
            "dossier": dossier,
            "token": request.portal_token,
            "amount": amount,
            "reference": rf_printed(reference),
            "iban": " ".join(creditor.iban[i : i + 4] for i in range(0, len(creditor.iban), 4)),
            "qr_svg": mark_safe(qr_svg),  # noqa: S308  (our own SVG: paths only, no script)
            "payment_link": payment_link_for(dossier, amount=amount) if amount > 0 else "",
            "test_mode": messaging.test_mode,
        },
    )
