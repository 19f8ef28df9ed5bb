"""The only door through which history rows may be rewritten: the GDPR purge.

On PostgreSQL the history tables refuse UPDATE and DELETE (a trigger installed after every
``migrate``, ``journal.triggers``), and the application's role has no UPDATE on them anyway
(``journal.roles``). The purge rewrites them through ``journal_anonymise(certificate, table,
columns, ids)``, a ``SECURITY DEFINER`` function that refuses without a purge record and writes
only the registered anonymised values into personal columns. No session setting opens the door.
Elsewhere (SQLite: no triggers, no roles) the rows are updated directly.

Going through the door is not enough to keep the chain verifiable: ``erasure(certificate)`` is
how the purge rewrites history. It seals what is pending, rewrites the rows through the door,
then records, for each chain touched, a ``PurgeEvent`` naming the rows, the fields and the
certificate, authenticated with the journal's key and sealed in that chain. ``verify`` accepts
an anonymised personal value only in a row such an event names: the same anonymisation made by
hand (or through the door without an event) is reported, naming the row.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

from django.db import connection, models, transaction
from django.utils import timezone

from recouvrement.lookups import AnyOf

BATCH = 5000
_MISSING = object()


class Erasure:
    """One purge's rewrite of history rows, and the record of what it rewrote."""

    def __init__(self, certificate: str):
        self.certificate = certificate
        # live model label -> (fields, history ids)
        self.rewritten: dict[str, tuple[set[str], list[int]]] = {}

    def update(self, rows: models.QuerySet, values: dict) -> int:
        """Set ``values`` (personal fields -> anonymised values) on the history rows ``rows``
        (a queryset of one history model) and remember which rows and fields."""
        history_model = rows.model
        label = history_model.instance_type._meta.label_lower
        ids = list(rows.order_by().values_list("history_id", flat=True))
        if not ids:
            return 0
        fields = [history_model._meta.get_field(name) for name in values]
        count = 0
        if connection.vendor == "postgresql":
            table = history_model._meta.db_table
            registered = self._registered()
            for field in fields:
                expected = registered.get((table, field.column), _MISSING)
                given = values[field.name] if field.name in values else values[field.attname]
                if expected is _MISSING or (expected != given and (expected, given) != ("", None)):
                    raise ValueError(
                        f"{table}.{field.column} : seule la valeur anonymisée enregistrée "
                        f"({expected!r}) peut y être écrite."
                    )
            columns = [field.column for field in fields]
            with connection.cursor() as cursor:
                for start in range(0, len(ids), BATCH):
                    part = ids[start : start + BATCH]
                    cursor.execute(
                        "SELECT journal_anonymise(%s, %s, %s, %s)",
                        [self.certificate, table, columns, part],
                    )
                    count += cursor.fetchone()[0]
        else:
            for start in range(0, len(ids), BATCH):
                part = ids[start : start + BATCH]
                count += history_model._base_manager.filter(history_id__in=part).update(**values)
        fields, known = self.rewritten.setdefault(label, (set(), []))
        fields.update(history_model._meta.get_field(name).name for name in values)
        known.extend(ids)
        return count

    def _registered(self) -> dict:
        if not hasattr(self, "_columns"):
            from journal.triggers import personal_columns

            self._columns = personal_columns()
        return self._columns

    def record(self) -> list:
        """One authenticated ``PurgeEvent`` per chain touched, then sealed in that chain."""
        from journal import chain
        from journal.models import ChainLink, PurgeEvent

        per_chain: dict[tuple[str, int | None], dict[str, dict]] = {}
        for label, (fields, ids) in sorted(self.rewritten.items()):
            for start in range(0, len(ids), BATCH):
                part = ids[start : start + BATCH]
                links = ChainLink.objects.filter(
                    AnyOf("history_id", part), model=label
                ).values_list("chain", "dossier_id", "history_id")
                for name, dossier_id, history_id in links:
                    spec = per_chain.setdefault((name, dossier_id), {}).setdefault(
                        label, {"fields": sorted(fields), "ids": []}
                    )
                    spec["ids"].append(history_id)
        events = []
        now = timezone.now()
        for (name, dossier_id), rows in sorted(per_chain.items(), key=lambda item: item[0][0]):
            for spec in rows.values():
                spec["ids"].sort()
            event = PurgeEvent(
                history_date=now,
                chain=name,
                dossier_id=dossier_id,
                certificate=self.certificate,
                rows=rows,
            )
            event.mac = chain.event_mac(event)
            events.append(event)
        _insert_events(events)
        chain.seal()
        return events


def _insert_events(events: list) -> None:
    """Write the purge's events (one per chain touched: 100,000 for as many debtors). On
    PostgreSQL through ``COPY``: ``bulk_create`` spent 22 s preparing and quoting 100,000."""
    from journal import chain
    from journal.models import PurgeEvent

    if connection.vendor != "postgresql":
        PurgeEvent.objects.bulk_create(events)
        return
    chain.copy_rows(
        PurgeEvent,
        ("history_date", "chain", "dossier_id", "certificate", "rows", "mac"),
        (
            (e.history_date, e.chain, e.dossier_id, e.certificate, json.dumps(e.rows), e.mac)
            for e in events
        ),
    )


@contextmanager
def erasure(certificate: str):
    """The purge's rewrite of history: ``with erasure("rgpd.purgecertificate:12") as e:
    e.update(history_rows, values)``. One transaction; the rows are sealed first (so that each
    belongs to a chain), the events recorded and sealed last."""
    from journal import chain

    with transaction.atomic():
        chain.seal()
        current = Erasure(certificate)
        yield current
        current.record()
