"""What the journal reads: the dossier's timeline (who / what / when / how / result, with the
evidence), and the summary prepared for a Go/No-Go route."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from heapq import merge

from django.urls import reverse
from django.utils import timezone

from dossiers.formatting import euros
from dossiers.models import Dossier, DossierState
from relances.models import CallLog, Channel, Reminder

from .chain import dossier_filter, history_models
from .routes import ROUTE_BASIS, Route

CHANGE = {"+": "création", "~": "modification", "-": "suppression"}


@dataclass
class Entry:
    at: datetime
    who: str
    what: str
    how: str
    result: str
    why: str
    evidence_url: str = ""
    evidence_label: str = ""


def _who(row) -> str:
    user = row.history_user
    if user is None:
        return "Système"
    return user.get_full_name() or user.username


def _display(row, name: str) -> str:
    value = getattr(row, name, "")
    field = type(row)._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _describe(label: str, row, dossier: Dossier) -> tuple[str, str, str, str]:
    """(what, how, result, evidence_url) for one history row."""
    verbose = type(row).instance_type._meta.verbose_name
    what = f"{verbose.capitalize()} : {CHANGE.get(row.history_type, '')}"
    how, result, url = "Application", "", ""
    if label == "dossiers.dossier":
        result = DossierState(row.state).label
    elif label == "dossiers.claim":
        what = f"Facture {row.invoice_number} : {CHANGE.get(row.history_type, '')}"
        result = f"{euros(row.amount)}, reste dû {euros(row.outstanding)}"
    elif label == "dossiers.payment":
        how = _display(row, "method")
        result = (
            f"{_display(row, 'kind')} de {euros(row.amount)} reçu le {row.received_on:%d/%m/%Y}"
        )
    elif label == "dossiers.paymentallocation":
        result = f"{euros(row.amount)} imputés"
    elif label in (
        "dossiers.promise",
        "dossiers.paymentplan",
        "dossiers.installment",
        "dossiers.dispute",
        "dossiers.task",
    ):
        result = _display(row, "status")
        if label == "dossiers.promise":
            result += f" — {euros(row.amount)} pour le {row.due_on:%d/%m/%Y}"
        if label == "dossiers.dispute":
            result = f"{_display(row, 'reason')} — {result}"
        if label == "dossiers.task":
            result = f"{_display(row, 'kind')} — {result}"
    elif label == "dossiers.evidence":
        how = "Dépôt de pièce"
        result = f"{_display(row, 'kind')} (SHA-256 {row.sha256[:12]}…)"
        if row.history_type != "-":
            url = reverse("journal:evidence", args=[dossier.pk, row.id])
    elif label == "relances.reminder":
        how = Channel(row.channel).label
        status = Reminder.Status(row.status).label
        result = "Appel passé" if row.channel == Channel.PHONE and status == "Envoyée" else status
        if row.status == Reminder.Status.SENT and row.content:
            url = reverse("journal:message", args=[dossier.pk, row.id])
    elif label == "relances.calllog":
        how = "Téléphone"
        result = CallLog.Outcome(row.outcome).label
    elif label == "journal.escalationdecision":
        how = "Décision du responsable"
        result = Route(row.route).label
    elif label == "journal.solvencyanalysis":
        result = _display(row, "conclusion")
    return what, how, result, url


def timeline(dossier: Dossier, *, limit: int | None = None) -> list[Entry]:
    """The history of the dossier and of everything attached to it, newest first.

    One query per history table linked to the dossier, merged by date.
    """
    streams = []
    for label, model, history_model in history_models():
        condition = dossier_filter(model, dossier.pk)
        if condition is None:
            continue
        rows = (
            history_model._default_manager.filter(condition)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        if limit:
            rows = rows[:limit]
        streams.append([(row.history_date, row.history_id, label, row) for row in rows])
    entries = []
    for at, _id, label, row in merge(*streams, key=lambda item: (item[0], item[1]), reverse=True):
        what, how, result, url = _describe(label, row, dossier)
        entries.append(
            Entry(
                at=at,
                who=_who(row),
                what=what,
                how=how,
                result=result,
                why=row.history_change_reason or "",
                evidence_url=url,
                evidence_label="Pièce" if label == "dossiers.evidence" else "Message envoyé",
            )
        )
        if limit and len(entries) >= limit:
            break
    return entries


def timeline_csv(dossier: Dossier) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Date", "Qui", "Quoi", "Comment", "Résultat", "Motif", "Preuve"])
    for entry in timeline(dossier):
        local = timezone.localtime(entry.at)
        writer.writerow(
            [
                local.strftime("%d/%m/%Y %H:%M:%S"),
                entry.who,
                entry.what,
                entry.how,
                entry.result,
                entry.why,
                entry.evidence_url,
            ]
        )
    return buffer.getvalue()


# --- The prepared summary for a route ---------------------------------------------------------


@dataclass
class Summary:
    route: Route
    basis: str
    creditor: object
    debtor: object
    totals: object  # relances.selectors.Totals
    claims: list
    chronology: list[Entry]
    today: date


def prepared_summary(dossier: Dossier, *, route: str, today: date | None = None) -> Summary:
    """Parties, amounts split (principal, penalties, indemnity, interest), and the chronology
    of what was sent and decided, for the chosen route."""
    from relances.selectors import dossier_detail

    today = today or timezone.localdate()
    detail = dossier_detail(dossier, today=today)
    key_events = [
        e for e in timeline(dossier) if e.how not in ("Application",) or "Dossier" in e.what
    ]
    return Summary(
        route=Route(route),
        basis=ROUTE_BASIS[Route(route)],
        creditor=dossier.creditor,
        debtor=dossier.debtor,
        totals=detail.totals,
        claims=detail.claims,
        chronology=list(reversed(key_events)),
        today=today,
    )
