"""The journal's own record: the hash chain over every history row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ChainLink(models.Model):
    """One sealed history row: its place in its chain and the hash that binds it to the
    previous one. Append-only (a PostgreSQL trigger refuses UPDATE and DELETE)."""

    chain = models.CharField("chaîne", max_length=24)
    seq = models.PositiveBigIntegerField("rang")
    model = models.CharField("table d'historique", max_length=100)
    history_id = models.BigIntegerField("ligne d'historique")
    dossier = models.ForeignKey(
        settings.JOURNAL_DOSSIER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="dossier",
    )
    history_date = models.DateTimeField("date de l'événement")
    salt = models.CharField("sel", max_length=32)
    personal = models.JSONField("empreintes des données personnelles", default=dict)
    prev_hash = models.CharField("empreinte précédente", max_length=64)
    hash = models.CharField("empreinte", max_length=64)
    sealed_at = models.DateTimeField("scellé le", auto_now_add=True)

    class Meta:
        verbose_name = "maillon du journal"
        verbose_name_plural = "maillons du journal"
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="chainlink_seq_unique"),
            models.UniqueConstraint(fields=["model", "history_id"], name="chainlink_row_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.model}:{self.history_id}"


class PurgeEvent(models.Model):
    """A GDPR purge as an event of one chain: which history rows of that chain it anonymised,
    which of their personal fields, and under which certificate.

    Sealed in the chain like a history row (its columns mimic one: ``history_id``,
    ``history_date``), after the rows it names; ``mac`` is an HMAC with the journal's key, so
    that someone holding the database but not the key cannot write one. ``verify`` accepts an
    anonymised personal value only in a row an authentic event of the same chain names.
    Append-only (the same trigger as the history tables)."""

    history_id = models.BigAutoField("événement", primary_key=True)
    history_date = models.DateTimeField("date de la purge", default=timezone.now)
    chain = models.CharField("chaîne", max_length=24)
    dossier = models.ForeignKey(
        settings.JOURNAL_DOSSIER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="dossier",
    )
    certificate = models.CharField("certificat de purge", max_length=100)
    # {"relances.calllog": {"fields": ["debtor_said", ...], "ids": [history ids]}, ...}
    rows = models.JSONField("lignes anonymisées", default=dict)
    mac = models.CharField("authentifiant (HMAC)", max_length=64)

    class Meta:
        verbose_name = "purge enregistrée au journal"
        verbose_name_plural = "purges enregistrées au journal"
        indexes = [models.Index(fields=["chain"], name="purgeevent_chain")]

    def __str__(self) -> str:
        return f"{self.chain} purge {self.certificate}"
