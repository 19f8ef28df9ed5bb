"""The GDPR purge, driven by ``journal.personal_data``: for every model listed there, find its
way to the debtor, then blank the listed fields with set-based UPDATEs in the live table and in
its history table (simple-history), and delete the files they point to (the SHA-256 stays).

A model added by another app is covered as soon as its fields are listed in ``PERSONAL_FIELDS``
and it reaches ``Debtor`` through foreign keys (directly, or through a dossier, a claim...).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models
from simple_history.models import registered_models
from simple_history.utils import get_history_model_for_model

from dossiers.models import Debtor
from journal.personal_data import (
    ANONYMISED,
    HISTORY_PERSONAL,
    PERSONAL_FIELDS,
    TRANSIENT,
    anonymised_value,
)

MAX_DEPTH = 4


@dataclass(frozen=True)
class Target:
    """One table to rewrite: the model (live or historical), its way to the debtor, its fields."""

    label: str  # "dossiers.debtorcontact" or "dossiers.debtorcontact (historique)"
    model: type[models.Model]
    debtor_lookup: str  # "pk", "debtor", "dossier__debtor"...
    fields: tuple[models.Field, ...]  # the live model's fields, whose types set the values
    history: bool
    # The history table's own free-text columns (HISTORY_PERSONAL: the change reason).
    history_columns: tuple[str, ...] = ()

    def rows(self, debtor_ids) -> models.QuerySet:
        return self.model._base_manager.filter(**{f"{self.debtor_lookup}__in": debtor_ids})

    def values(self) -> dict:
        values = {field.attname: anonymised_value(field) for field in self.fields}
        values.update(dict.fromkeys(self.history_columns, ANONYMISED))
        return values

    def file_fields(self) -> list[models.FileField]:
        return [f for f in self.fields if isinstance(f, models.FileField)]


def _history_model(model) -> type[models.Model] | None:
    if model._meta.db_table not in registered_models:
        return None
    return get_history_model_for_model(model)


def debtor_lookup(model: type[models.Model]) -> str | None:
    """The shortest chain of foreign keys from ``model`` to ``Debtor`` ("pk" for the debtor,
    "id" for its history rows, whose ``id`` is the debtor's)."""
    if model is Debtor:
        return "pk"
    if getattr(model, "instance_type", None) is Debtor:
        return "id"
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    queue: deque[tuple[type[models.Model], str, int]] = deque([(model, "", 0)])
    while queue:
        current, prefix, depth = queue.popleft()
        if depth >= MAX_DEPTH:
            continue
        for field in current._meta.concrete_fields:
            if not field.is_relation or not (field.many_to_one or field.one_to_one):
                continue
            target = field.related_model
            if target is user_model or target is None or field.name == "history_relation":
                continue
            if target is Debtor:
                return f"{prefix}{field.name}"
            queue.append((target, f"{prefix}{field.name}__", depth + 1))
    return None


def _history_columns(history_model) -> tuple[str, ...]:
    present = {f.name for f in history_model._meta.concrete_fields}
    return tuple(name for name in HISTORY_PERSONAL if name in present)


def targets() -> list[Target]:
    """Every table holding personal data, live and history, from the registry; plus the history
    table of every other model reaching a debtor, for its change reasons (HISTORY_PERSONAL)."""
    result = []
    listed = set()
    for label, names in PERSONAL_FIELDS.items():
        if not names or label in TRANSIENT:
            continue
        listed.add(label)
        model = apps.get_model(label)
        fields = tuple(model._meta.get_field(name) for name in names)
        lookup = debtor_lookup(model)
        if lookup is None:
            raise LookupError(f"{label} n'est relié à aucun débiteur : purge impossible.")
        result.append(Target(label, model, lookup, fields, history=False))
        history = _history_model(model)
        if history is not None:
            hist_lookup = debtor_lookup(history)
            if hist_lookup is None:
                raise LookupError(f"Historique de {label} sans lien au débiteur.")
            result.append(
                Target(
                    f"{label} (historique)",
                    history,
                    hist_lookup,
                    fields,
                    history=True,
                    history_columns=_history_columns(history),
                )
            )
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in listed or label in TRANSIENT:
            continue
        history = _history_model(model)
        if history is None or not _history_columns(history):
            continue
        hist_lookup = debtor_lookup(history)
        if hist_lookup is None:
            continue  # creditors, templates, rates...: no debtor's object
        result.append(
            Target(
                f"{label} (historique)",
                history,
                hist_lookup,
                (),
                history=True,
                history_columns=_history_columns(history),
            )
        )
    return result


@dataclass(frozen=True)
class TransientTarget:
    """A table of working data cleared by age (``TRANSIENT``), live or historical."""

    label: str
    model: type[models.Model]
    date_field: str
    fields: tuple[models.Field, ...]
    history: bool

    def rows(self, cutoff) -> models.QuerySet:
        """Rows created before ``cutoff`` that still hold something to clear."""
        pending = models.Q()
        for field in self.fields:
            value = anonymised_value(field)
            pending |= (
                ~models.Q(**{f"{field.attname}__isnull": True})
                if value is None
                else (~models.Q(**{field.attname: value}))
            )
        return self.model._base_manager.filter(pending, **{f"{self.date_field}__lt": cutoff})

    def values(self) -> dict:
        return {field.attname: anonymised_value(field) for field in self.fields}

    def file_fields(self) -> list[models.FileField]:
        return [f for f in self.fields if isinstance(f, models.FileField)]


def transient_targets() -> list[TransientTarget]:
    """The working-data tables of ``TRANSIENT``, live and history (a history table keeps only
    the fields it has: an import's preview is not in its history)."""
    result = []
    for label, date_field in TRANSIENT.items():
        model = apps.get_model(label)
        fields = tuple(model._meta.get_field(name) for name in PERSONAL_FIELDS.get(label, ()))
        if not fields:
            continue
        result.append(TransientTarget(label, model, date_field, fields, history=False))
        history = _history_model(model)
        if history is not None:
            kept = {f.name for f in history._meta.concrete_fields}
            hist_fields = tuple(f for f in fields if f.name in kept)
            if hist_fields:
                result.append(
                    TransientTarget(f"{label} (historique)", history, date_field, hist_fields, True)
                )
    return result


# Bank-statement lines tied to no dossier name a payer nobody's purge reaches: cleared by age
# once handled (settings.RGPD_BANK_LINE_RETENTION_DAYS), their history rows with them.
BANK_LINE = "imports.banktransaction"
BANK_LINE_OPEN = ("proposed", "unmatched", "to_review")  # still in the « Rapprochement » queue


@dataclass(frozen=True)
class HandledBankLines:
    """Unattached bank lines handled before ``cutoff`` (live table, or its history)."""

    label: str
    model: type[models.Model]
    fields: tuple[models.Field, ...]
    history: bool
    history_columns: tuple[str, ...] = ()

    def _live(self, cutoff) -> models.QuerySet:
        live = apps.get_model(BANK_LINE)
        return (
            live._base_manager.filter(dossier__isnull=True)
            .exclude(status__in=BANK_LINE_OPEN)
            .filter(
                models.Q(handled_at__lt=cutoff)
                | models.Q(handled_at__isnull=True, statement__created_at__lt=cutoff)
            )
        )

    def rows(self, cutoff) -> models.QuerySet:
        live = self._live(cutoff)
        if self.history:
            return self.model._base_manager.filter(id__in=live.values("pk")).exclude(
                **dict.fromkeys(self.history_columns, ANONYMISED),
                **{f.attname: anonymised_value(f) for f in self.fields},
            )
        return live.exclude(**{f.attname: anonymised_value(f) for f in self.fields})

    def values(self) -> dict:
        values = {field.attname: anonymised_value(field) for field in self.fields}
        values.update(dict.fromkeys(self.history_columns, ANONYMISED))
        return values

    def file_fields(self) -> list[models.FileField]:
        return []


def bank_line_targets() -> list[HandledBankLines]:
    model = apps.get_model(BANK_LINE)
    fields = tuple(model._meta.get_field(name) for name in PERSONAL_FIELDS.get(BANK_LINE, ()))
    result = [HandledBankLines(f"{BANK_LINE} (non rattachées)", model, fields, history=False)]
    history = _history_model(model)
    if history is not None:
        result.append(
            HandledBankLines(
                f"{BANK_LINE} (non rattachées, historique)",
                history,
                fields,
                history=True,
                history_columns=_history_columns(history),
            )
        )
    return result
