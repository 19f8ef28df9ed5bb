"""The letter's context: what a template and the layout know of one dossier at one date.

This is where the legal figures enter a letter: the claims still enforceable at its date, with
their figures from ``dossiers.selectors.claim_legal_figures`` (penalties and the 40 EUR
indemnity for a professional from the firm reminder on, legal interest for a consumer), the
deadline, the payment link, the collection agency's mentions and the accepted payment plan. It
stays apart from the rendering: what a letter states is decided here, how it is laid out and
printed is not.

- ``build_context``: (variables for the template, data for the layout) at one date.
- ``messaging_for``: a creditor's sending settings, the defaults when none were saved.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

from django.utils import timezone

from courriers import mentions
from courriers.models import KINDS_WITH_PENALTIES, CreditorMessaging, SentMessage, TemplateKind
from courriers.templatetags.francais import pourcent
from dossiers.models import Dispute, Dossier, Payment
from dossiers.selectors import (
    claim_legal_figures,
    dossier_accessories,
    dossier_claims_for_figures,
    rate_table,
)
from legal import calendar, rules
from legal.formatting import euros, french_date
from legal.references import dossier_rf_reference, epc_qr_payload, qr_modules_png, rf_printed
from portail.services import portal_link
from relances.planning import notice_deadline, policy_for
from rgpd.notice import information_notice


def messaging_for(creditor) -> CreditorMessaging:
    try:
        return creditor.messaging
    except CreditorMessaging.DoesNotExist:
        return CreditorMessaging(creditor=creditor)


def _plural_invoices(count: int) -> str:
    return "la facture" if count == 1 else f"les {count} factures"


def _deadline(dossier: Dossier, *, on: date, kind: str) -> date:
    postal_code = dossier.debtor.postal_code
    if kind == TemplateKind.FORMAL_NOTICE:
        # From the notice's expected delivery, plus the policy's period (relances.planning:
        # the Go/No-Go counts from the same day the letter states).
        return notice_deadline(policy_for(dossier), on, postal_code=postal_code)
    # CPC 641-642: a deadline ending on a closed day moves to the next working day.
    return calendar.roll_forward(
        on + timedelta(days=rules.DEFAULT_FORMAL_NOTICE_DEADLINE_DAYS), postal_code=postal_code
    )


# The letters that demand payment: they name only the invoices due on their date.
DEMAND_KINDS = {
    TemplateKind.INFORMAL,
    TemplateKind.AMICABLE,
    TemplateKind.FIRM,
    TemplateKind.FORMAL_NOTICE,
}


def _disputed_claims(dossier: Dossier) -> set[int]:
    return set(
        Dispute.objects.filter(
            dossier=dossier, status=Dispute.Status.OPEN, claim__isnull=False
        ).values_list("claim_id", flat=True)
    )


def _payment_link(pattern: str, *, invoices: list[str], amount: Decimal, reference: str) -> str:
    if not pattern:
        return ""
    values = {
        "invoice": quote(",".join(invoices), safe=","),
        "amount": f"{amount:.2f}",
        "reference": quote(reference),
    }
    try:
        return pattern.format(**values)
    except (KeyError, IndexError, ValueError):
        return ""


def _rf_reference(dossier: Dossier) -> str:
    """The dossier's RF reference, compact; empty where its reference cannot carry one."""
    try:
        return dossier_rf_reference(dossier.reference)
    except ValueError:
        return ""


def transfer_qr_payload(creditor, *, amount: Decimal, rf_reference: str) -> str:
    """The EPC QR code's text for a SEPA transfer of ``amount`` to the creditor, quoting the
    dossier's RF reference; empty when the creditor has no IBAN or nothing is to be paid."""
    if not creditor.iban or not rf_reference or amount <= 0:
        return ""
    try:
        return epc_qr_payload(
            name=creditor.legal_name,
            iban=creditor.iban,
            bic=creditor.bic,
            amount=amount,
            reference=rf_reference,
        )
    except ValueError:
        return ""


def _first_agency_letter(dossier: Dossier) -> SentMessage | None:
    return dossier.sent_messages.order_by("sent_at", "pk").first()


def build_context(
    dossier: Dossier,
    *,
    kind: str,
    on: date,
    extra: dict | None = None,
    include_not_due: bool = False,
) -> tuple[dict, dict]:
    """(variables for the template, data for the layout). Figures at ``on`` from the legal
    engine; penalties and indemnity only for a professional from the firm reminder on.

    A letter that demands payment names only the invoices due (past their due date), unpaid,
    undisputed and enforceable at ``on``; ``include_not_due`` (a courtesy reminder before the
    due date) lifts the first condition. ``layout["nothing_due"]``: a demand with nothing to
    demand, which is never sent (``courriers.delivery.deliver``)."""
    creditor, debtor = dossier.creditor, dossier.debtor
    messaging = messaging_for(creditor)
    rates = rate_table()
    accessories_letter = kind == TemplateKind.ACCESSORIES
    # The accessories' letter names the invoices paid late (nothing is left of their principal).
    chosen = dossier.claims.open()
    if accessories_letter:
        chosen = dossier.claims.filter(cancelled_on__isnull=True)
    claims = dossier_claims_for_figures(dossier, chosen.oldest_first())
    professional = debtor.kind == "professional"
    show_penalties = professional and kind in KINDS_WITH_PENALTIES
    rows = []
    unpaid = penalties = indemnity = interest = Decimal("0.00")
    penalties_known = True
    # A prescribed claim is never reminded as if it could be enforced (C. civ. 2219; docs/legal.md
    # §3): the letter names and totals only the claims still enforceable at ``on``. A demand
    # names neither an invoice not yet due on its date nor one the debtor disputes.
    demands = kind in DEMAND_KINDS
    if demands:
        disputed = _disputed_claims(dossier)
        claims = [
            claim
            for claim in claims
            if claim.pk not in disputed and (include_not_due or claim.due_date < on)
        ]
    figured = [
        (claim, figures)
        for claim in claims
        if not (figures := claim_legal_figures(claim, on=on, rates=rates)).is_prescribed(on)
    ]
    if accessories_letter:
        figured = [
            (claim, figures)
            for claim, figures in figured
            if professional and (figures.recovery_indemnity or figures.late_penalties)
        ]
    claims = [claim for claim, _figures in figured]
    for claim, figures in figured:
        unpaid += figures.unpaid
        if show_penalties:
            if figures.late_penalties is None:
                penalties_known = False
            else:
                penalties += figures.late_penalties
            indemnity += figures.recovery_indemnity
        if not professional and figures.legal_interest:
            interest += figures.legal_interest
        rows.append(
            {
                "invoice_number": claim.invoice_number,
                "issue_date": french_date(claim.issue_date),
                "due_date": french_date(claim.due_date),
                "amount": euros(claim.amount),
                "unpaid": euros(figures.unpaid),
                "days_overdue": str(figures.days_overdue),
                "penalties": euros(figures.late_penalties)
                if figures.late_penalties is not None
                else "à calculer",
                "indemnity": euros(figures.recovery_indemnity),
            }
        )
    total = unpaid + interest + ((penalties + indemnity) if show_penalties else Decimal("0"))
    accessories_paid = Decimal("0.00")
    if accessories_letter:
        # What was already paid beyond the principal goes to the accessories (legal.accessories).
        left = dossier_accessories(dossier, on=on, rates=rates)
        accessories_paid = left.paid
        total = left.remaining if professional else Decimal("0.00")
    invoice_numbers = [claim.invoice_number for claim in claims]
    deadline = _deadline(dossier, on=on, kind=kind)
    contact = debtor.reminder_contact
    thank_you = kind == TemplateKind.THANK_YOU
    received = _payments_received(dossier) if thank_you else []
    link = (
        ""
        if thank_you
        else _payment_link(
            messaging.payment_link_pattern,
            invoices=invoice_numbers,
            amount=total,
            reference=dossier.reference,
        )
    )
    rf_reference = _rf_reference(dossier)
    # The debtor's own page (portail): the personal link of this contact, on every message
    # that asks something of them; "" when the creditor switched it off or the dossier is closed.
    portal = "" if thank_you else portal_link(dossier, contact)
    variables = {
        "greeting": "Madame, Monsieur,",
        "salutation": "Madame, Monsieur",
        "creditor_name": creditor.legal_name,
        "debtor_name": debtor.name,
        "reference": dossier.reference,
        "rf_reference": rf_printed(rf_reference),
        "today": french_date(on),
        "invoices_count_text": _plural_invoices(len(claims) or 1),
        "invoice_numbers": ", ".join(invoice_numbers),
        "invoices_phrase": (
            "vos factures"
            if not invoice_numbers
            else f"la facture n° {invoice_numbers[0]}"
            if len(invoice_numbers) == 1
            else f"les factures n° {', '.join(invoice_numbers)}"
        ),
        "oldest_due_date": french_date(claims[0].due_date) if claims else "",
        "max_days_overdue": rows[0]["days_overdue"] if rows else "0",
        "unpaid_total": euros(unpaid),
        "total_due": euros(total),
        "deadline": french_date(deadline),
        "payment_link": link,
        "contact_email": creditor.contact_email,
        "contact_phone": creditor.contact_phone,
        "plan_accepted_on": "",
        "plan_installments": [],
        "call_date": "",
        "call_contact": "",
        "commitment_amount": "",
        "commitment_date": "",
        "dispute_opened_on": "",
        "dispute_reason": "",
        # « Malgré nos relances » only when reminders did go out before this letter.
        "reminded": "oui" if dossier.reminders.filter(status="sent").exists() else "",
        "payments_received": " ; ".join(
            f"{euros(amount)} le {french_date(day)}" for day, amount in received
        ),
        "payments_total": euros(sum((amount for _day, amount in received), Decimal("0.00"))),
        "balance": euros(unpaid),
    }
    variables.update(extra or {})
    agency = None
    if creditor.is_collection_agency:
        first = _first_agency_letter(dossier)
        agency = {
            "principal_name": messaging.principal_name or "le créancier mandant",
            "principal_address": messaging.principal_address,
            "principal": euros(unpaid),
            "interest": euros(interest + (penalties if show_penalties else 0)),
            "other": euros(indemnity if show_penalties else 0),
            "l111_8": mentions.CPCE_L111_8,
            "first_letter": (
                f"{first.subject} du {timezone.localtime(first.sent_at):%d/%m/%Y}" if first else ""
            ),
        }
    rate = (
        f"de {pourcent(creditor.contractual_penalty_rate)} l'an (conditions générales)"
        if creditor.contractual_penalty_rate is not None
        else "de la BCE majoré de 10 points"
    )
    layout = {
        "creditor": {
            "name": creditor.legal_name,
            "siren": creditor.siren,
            "address": [creditor.address_line1, creditor.address_line2],
            "city": f"{creditor.postal_code} {creditor.city}",
            "email": creditor.contact_email,
            "phone": creditor.contact_phone,
            "iban": creditor.iban,
            "bic": creditor.bic,
            "reply_to": messaging.reply_to or creditor.contact_email,
        },
        "debtor": {
            "name": debtor.name,
            "contact": contact.name if contact else "",
            "address": [debtor.address_line1, debtor.address_line2],
            "city": f"{debtor.postal_code} {debtor.city}",
            "siren": debtor.siren,
        },
        "reference": dossier.reference,
        "rf_reference": rf_printed(rf_reference),
        # The EPC QR code (SEPA transfer: IBAN, amount, RF reference) on what asks for payment.
        "transfer_qr": (
            ""
            if thank_you
            else transfer_qr_payload(creditor, amount=total, rf_reference=rf_reference)
        ),
        "date": french_date(on),
        "place": creditor.city,
        "rows": rows,
        "show_penalties": show_penalties,
        "penalty_mention": mentions.PENALTY_MENTION.format(rate=rate) if show_penalties else "",
        "indemnity_mention": mentions.INDEMNITY_MENTION.format(
            amount=euros(rules.RECOVERY_INDEMNITY)
        )
        if show_penalties
        else "",
        "unpaid_total": euros(unpaid),
        "penalties_total": euros(penalties) if penalties_known else "à calculer",
        "indemnity_total": euros(indemnity),
        "interest_total": euros(interest),
        "has_interest": interest > 0,
        "total_due": euros(total),
        "formal_notice": kind == TemplateKind.FORMAL_NOTICE,
        "deadline": french_date(deadline),
        # What runs after the notice is what the engine computes: the L441-10 penalties between
        # professionals (no legal interest), legal interest for a consumer (C. civ. 1231-6).
        "interest_mention": (
            mentions.PENALTIES_RUN_MENTION if professional else mentions.INTEREST_MENTION
        ),
        "remedies_mention": mentions.REMEDIES_MENTION,
        # The claims' dossier carries the payment plans already read for their figures.
        "plan": _accepted_plan(claims[0].dossier if claims else dossier),
        "payment_link": link,
        "portal_link": portal,
        "portal_qr": qr_data_uri(portal) if portal else "",
        "agency": agency,
        "notice": information_notice(creditor, debtor),
        "test_mode": messaging.test_mode,
        "kind": kind,
        "lists_invoices": kind not in (TemplateKind.THANK_YOU,),
        "nothing_due": (demands and not claims) or (accessories_letter and not total),
        "accessories": accessories_letter,
        "accessories_paid": euros(accessories_paid) if accessories_paid else "",
        # The thank-you thanks and confirms; it asks for nothing (no payment means, no link,
        # no invitation to contest).
        "asks_payment": not thank_you,
    }
    return variables, layout


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as a PNG data URI of one pixel per module, for the printed letter
    (WeasyPrint draws it sharp: ``legal.references.qr_modules_png``, the project's one QR
    maker)."""
    import base64

    return "data:image/png;base64," + base64.b64encode(qr_modules_png(text)).decode()


def payment_link_for(dossier: Dossier, *, amount: Decimal) -> str:
    """The creditor's payment link for a dossier's open invoices ("" when none configured)."""
    invoices = list(dossier.claims.open().oldest_first().values_list("invoice_number", flat=True))
    return _payment_link(
        messaging_for(dossier.creditor).payment_link_pattern,
        invoices=invoices,
        amount=amount,
        reference=dossier.reference,
    )


def _payments_received(dossier: Dossier) -> list[tuple[date, Decimal]]:
    """The payments received on the dossier (credit notes aside), oldest first."""
    return list(
        dossier.payments.filter(kind=Payment.Kind.PAYMENT, reversed_on__isnull=True)
        .order_by("received_on", "pk")
        .values_list("received_on", "amount")
    )


def _accepted_plan(dossier: Dossier) -> list[dict]:
    active = [plan for plan in dossier.payment_plans.all() if plan.status == "active"]
    plan = max(active, key=lambda plan: plan.pk, default=None)
    if plan is None:
        return []
    return [
        {"number": str(n), "due_on": french_date(i.due_on), "amount": euros(i.amount)}
        for n, i in enumerate(plan.installments.order_by("due_on", "pk"), start=1)
    ]
