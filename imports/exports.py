"""Dossiers and claims as CSV (``;``, UTF-8 with BOM for Excel) or XLSX, with the legal figures
of each claim at a date (``legal``: penalties, indemnity, interest, prescription)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import tablib
from django.db.models import QuerySet

from accounts.text import safe_cell, safe_row
from dossiers import scoping, selectors
from dossiers.models import Claim, Dossier, Payment, PaymentAllocation

ZERO = Decimal("0.00")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def visible_dossiers(user) -> QuerySet[Dossier]:
    """What the user reads (``dossiers.scoping``, the one authority): a manager exports their
    portfolio, a controller the dossiers they see, an admin everything."""
    return scoping.visible_dossiers(user)


def _d(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _n(amount: Decimal | None):
    return "" if amount is None else amount


def _figures(claims, on: date):
    rates = selectors.rate_table()
    for claim in claims:
        yield claim, selectors.claim_legal_figures(claim, on=on, rates=rates)


CLAIM_HEADERS = (
    "Créancier",
    "Dossier",
    "État du dossier",
    "Débiteur",
    "SIREN",
    "Type de débiteur",
    "Facture",
    "Date d'émission",
    "Date d'échéance",
    "Montant TTC",
    "Reste dû",
    "Jours de retard",
    "Pénalités de retard",
    "Indemnité forfaitaire",
    "Intérêts légaux",
    "Total dû",
    "Date de prescription",
    "Annulée le",
    "Calculé au",
)


def claims_dataset(user, *, on: date, creditor_id: int | None = None) -> tablib.Dataset:
    claims = Claim.objects.filter(dossier__in=visible_dossiers(user)).order_by(
        "creditor__legal_name", "due_date", "pk"
    )
    if creditor_id:
        claims = claims.filter(creditor_id=creditor_id)
    data = tablib.Dataset(headers=CLAIM_HEADERS, title="Créances")
    for claim, f in _figures(selectors.claims_for_figures(claims), on):
        dossier, debtor = claim.dossier, claim.dossier.debtor
        data.append(
            (
                claim.creditor.legal_name,
                dossier.reference,
                dossier.get_state_display(),
                debtor.name,
                debtor.siren,
                debtor.get_kind_display(),
                claim.invoice_number,
                _d(claim.issue_date),
                _d(claim.due_date),
                claim.amount,
                claim.outstanding,
                f.days_overdue,
                _n(f.late_penalties),
                _n(f.recovery_indemnity),
                _n(f.legal_interest),
                _n(f.total_due),
                _d(f.prescription_date),
                _d(claim.cancelled_on),
                # A rate not published: the figures are lower bounds computed to that day.
                _d(f.computed_until or on),
            )
        )
    return data


DOSSIER_HEADERS = (
    "Dossier",
    "Créancier",
    "Débiteur",
    "SIREN",
    "État",
    "Ouvert le",
    "Clos le",
    "Factures",
    "Montant facturé",
    "Reste dû",
    "Pénalités de retard",
    "Indemnités forfaitaires",
    "Intérêts légaux",
    "Total dû",
    "Prescription la plus proche",
    "Calculé au",
)


def dossiers_dataset(user, *, on: date, creditor_id: int | None = None) -> tablib.Dataset:
    dossiers = (
        visible_dossiers(user)
        .select_related("creditor", "debtor")
        .order_by("creditor__legal_name", "reference")
    )
    if creditor_id:
        dossiers = dossiers.filter(creditor_id=creditor_id)
    totals: dict[int, dict] = defaultdict(
        lambda: {
            "count": 0,
            "amount": ZERO,
            "outstanding": ZERO,
            "penalties": ZERO,
            "indemnity": ZERO,
            "interest": ZERO,
            "total": ZERO,
            "complete": True,
            "prescription": None,
            "computed_until": on,
        }
    )
    claims = selectors.claims_for_figures(Claim.objects.filter(dossier__in=dossiers))
    for claim, f in _figures(claims, on):
        t = totals[claim.dossier_id]
        t["count"] += 1
        t["amount"] += claim.amount
        t["outstanding"] += claim.outstanding
        t["penalties"] += f.late_penalties or ZERO
        t["indemnity"] += f.recovery_indemnity or ZERO
        t["interest"] += f.legal_interest or ZERO
        if f.total_due is None:
            t["complete"] = False
        else:
            t["total"] += f.total_due
        if f.computed_until is not None:  # lower bounds (a rate not published)
            t["computed_until"] = min(t["computed_until"], f.computed_until)
        if f.prescription_date and claim.outstanding > 0:
            t["prescription"] = min(filter(None, (t["prescription"], f.prescription_date)))
    data = tablib.Dataset(headers=DOSSIER_HEADERS, title="Dossiers")
    for dossier in dossiers:
        t = totals[dossier.pk]
        data.append(
            (
                dossier.reference,
                dossier.creditor.legal_name,
                dossier.debtor.name,
                dossier.debtor.siren,
                dossier.get_state_display(),
                _d(dossier.opened_on),
                _d(dossier.closed_on),
                t["count"],
                t["amount"],
                t["outstanding"],
                t["penalties"],
                t["indemnity"],
                t["interest"],
                t["total"] if t["complete"] else "",
                _d(t["prescription"]),
                _d(t["computed_until"]),
            )
        )
    return data


def render(data: tablib.Dataset, fmt: str) -> bytes:
    """Every text cell through ``accounts.text.safe_cell``: no formula, no control character."""
    if fmt == "xlsx":
        safe = tablib.Dataset(headers=data.headers, title=data.title)
        for row in data:
            safe.append(safe_row(row))
        return safe.export("xlsx")
    french = tablib.Dataset(headers=data.headers)
    for row in data:
        # Text through the helper first; an amount (a negative one too) stays an amount.
        french.append(
            [str(v).replace(".", ",") if isinstance(v, Decimal) else safe_cell(v) for v in row]
        )
    return ("\ufeff" + french.export("csv", delimiter=";")).encode("utf-8")


# --- Status 212 « Encaissée » for the creditor's e-invoicing platform ---------------------------

COLLECTED_STATUS_CODE = "212"  # e-invoicing lifecycle: « Encaissée » (docs/legal.md §10)
COLLECTED_HEADERS = (
    "SIREN du vendeur",
    "Créancier",
    "Numéro de facture",
    "Date d'émission",
    "Code statut",
    "Statut",
    "Date d'encaissement",
    "Montant encaissé",
    "Reste dû",
    "Facture soldée",
    "Dossier",
    "Référence du paiement",
)


def collected_dataset(user, *, since: date, creditor_id: int | None = None) -> tablib.Dataset:
    """One row per invoice and payment collected since ``since`` (money received, credit notes
    aside), status 212 « Encaissée » with the amount and the date, for the creditor to hand to
    its e-invoicing platform. Payments that came *from* the platform (a status « Encaissée »
    received, reference « Encaissée … ») are left out: the platform knows them. One query."""
    rows = (
        PaymentAllocation.objects.filter(
            claim__dossier__in=visible_dossiers(user),
            payment__kind=Payment.Kind.PAYMENT,
            payment__reversed_on__isnull=True,
            payment__received_on__gte=since,
        )
        .exclude(payment__reference__startswith="Encaissée ")
        .select_related("payment", "claim__creditor", "claim__dossier")
        .order_by(
            "payment__received_on", "claim__creditor__legal_name", "claim__invoice_number", "pk"
        )
    )
    if creditor_id:
        rows = rows.filter(claim__creditor_id=creditor_id)
    data = tablib.Dataset(headers=COLLECTED_HEADERS, title="Encaissées 212")
    for allocation in rows:
        claim, payment = allocation.claim, allocation.payment
        data.append(
            (
                claim.creditor.siren,
                claim.creditor.legal_name,
                claim.invoice_number,
                _d(claim.issue_date),
                COLLECTED_STATUS_CODE,
                "Encaissée",
                _d(payment.received_on),
                allocation.amount,
                claim.outstanding,
                "oui" if claim.outstanding == 0 else "non",
                claim.dossier.reference,
                payment.reference,
            )
        )
    return data
