"""The dossier's timeline, read from the journal: who / what / when / how / result, with the
evidence, merged from every history table."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import CharField, Value
from django.urls import reverse
from django.utils import timezone

from accounts.text import safe_row
from dossiers.models import Dossier, DossierState
from journal.chain import dossier_filter, history_models
from legal.formatting import euros
from relances.models import CallLog, Channel, Reminder

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


def _who(user) -> str:
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
    elif label == "dossiers.installment":
        result = f"Échéance de {euros(row.amount)} au {row.due_on:%d/%m/%Y}"
        if row.missed_on:
            result += f", impayée (constatée le {row.missed_on:%d/%m/%Y})"
    elif label in (
        "dossiers.promise",
        "dossiers.paymentplan",
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
            url = reverse("escalade:evidence", args=[dossier.pk, row.id])
    elif label == "relances.reminder":
        how = Channel(row.channel).label
        status = Reminder.Status(row.status).label
        result = "Appel passé" if row.channel == Channel.PHONE and status == "Envoyée" else status
        if row.status == Reminder.Status.SENT and row.content:
            url = reverse("escalade:message", args=[dossier.pk, row.id])
    elif label == "relances.calllog":
        how = "Téléphone"
        result = CallLog.Outcome(row.outcome).label
    elif label == "escalade.escalationdecision":
        how = "Décision du responsable"
        result = row.get_route_display()
    elif label == "escalade.solvencyanalysis":
        result = _display(row, "conclusion")
    return what, how, result, url


def _sources(dossier: Dossier):
    """(label, history model, filter) for every history table linked to the dossier."""
    for label, model, history_model in history_models():
        condition = dossier_filter(model, dossier.pk)
        if condition is not None:
            yield label, history_model, condition


def timeline(dossier: Dossier, *, limit: int | None = None) -> list[Entry]:
    """The history of the dossier and of everything attached to it, newest first.

    One UNION query over every linked history table gives the page's rows in order; then one
    query per table present fetches those rows whole, and one the users.
    """
    sources = list(_sources(dossier))
    skeletons = [
        history_model._default_manager.filter(condition)
        .annotate(_journal_source=Value(label, output_field=CharField()))
        .values_list("history_date", "history_id", "_journal_source")
        .order_by()
        for label, history_model, condition in sources
    ]
    if not skeletons:
        return []
    union = skeletons[0].union(*skeletons[1:], all=True).order_by("-history_date", "-history_id")
    keys = list(union[:limit] if limit else union)
    wanted: dict[str, list[int]] = {}
    for _at, history_id, label in keys:
        wanted.setdefault(label, []).append(history_id)
    models_by_label = {label: history_model for label, history_model, _c in sources}
    rows = {}
    user_ids = set()
    for label, ids in wanted.items():
        for row in models_by_label[label]._default_manager.filter(history_id__in=ids):
            rows[(label, row.history_id)] = row
            user_ids.add(row.history_user_id)
    users = get_user_model()._default_manager.in_bulk(user_ids - {None})
    entries = []
    for at, history_id, label in keys:
        row = rows[(label, history_id)]
        what, how, result, url = _describe(label, row, dossier)
        entries.append(
            Entry(
                at=at,
                who=_who(users.get(row.history_user_id)),
                what=what,
                how=how,
                result=result,
                why=row.history_change_reason or "",
                evidence_url=url,
                evidence_label="Pièce" if label == "dossiers.evidence" else "Message envoyé",
            )
        )
    return entries


def timeline_csv(dossier: Dossier) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Date", "Qui", "Quoi", "Comment", "Résultat", "Motif", "Preuve"])
    for entry in timeline(dossier):
        local = timezone.localtime(entry.at)
        cells = [entry.who, entry.what, entry.how, entry.result, entry.why, entry.evidence_url]
        writer.writerow([local.strftime("%d/%m/%Y %H:%M:%S"), *safe_row(cells)])
    return buffer.getvalue()
