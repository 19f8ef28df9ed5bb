"""The DPO's records: purge runs with their certificates, the debtors they purged, and the
requests of data subjects (access, rectification, restriction, objection)."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from dossiers.models import Debtor


class PurgeCertificate(models.Model):
    """What one purge run did: when, who ran it, and counts. Never a name (GDPR art. 5-1-c)."""

    ran_at = models.DateTimeField("exécutée le", auto_now_add=True)
    purge_date = models.DateField("date de référence de la purge")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="opérateur",
    )
    operator_label = models.CharField(
        "opérateur (libellé)", max_length=150, help_text="« tâche planifiée » sans opérateur."
    )
    debtors = models.PositiveIntegerField("débiteurs anonymisés", default=0)
    dossiers = models.PositiveIntegerField("dossiers concernés", default=0)
    live_rows = models.PositiveIntegerField("lignes courantes anonymisées", default=0)
    history_rows = models.PositiveIntegerField("lignes d'historique anonymisées", default=0)
    files_deleted = models.PositiveIntegerField("fichiers supprimés", default=0)
    counts = models.JSONField("détail par table", default=dict)

    class Meta:
        verbose_name = "certificat de purge"
        verbose_name_plural = "certificats de purge"
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"Purge du {self.purge_date:%d/%m/%Y} ({self.debtors} débiteurs)"


class DebtorPurge(models.Model):
    """A debtor already anonymised, and by which run (keeps the purge idempotent)."""

    debtor = models.OneToOneField(
        Debtor, on_delete=models.PROTECT, primary_key=True, related_name="purge"
    )
    certificate = models.ForeignKey(
        PurgeCertificate, on_delete=models.PROTECT, related_name="purged"
    )

    class Meta:
        verbose_name = "débiteur purgé"
        verbose_name_plural = "débiteurs purgés"

    def __str__(self) -> str:
        return f"Débiteur n° {self.debtor_id} (purge n° {self.certificate_id})"


class RightsRequest(models.Model):
    """A data subject's request (GDPR art. 15 to 21) and what became of it."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Droit d'accès (art. 15)"
        RECTIFICATION = "rectification", "Rectification (art. 16)"
        RESTRICTION = "restriction", "Limitation du traitement (art. 18)"
        OBJECTION = "objection", "Opposition (art. 21)"

    class Status(models.TextChoices):
        OPEN = "open", "À traiter"
        DONE = "done", "Traitée"
        ACCEPTED = "accepted", "Acceptée"
        REJECTED = "rejected", "Rejetée"

    debtor = models.ForeignKey(
        Debtor, on_delete=models.PROTECT, related_name="rights_requests", verbose_name="débiteur"
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    received_on = models.DateField("reçue le")
    details = models.TextField("demande", blank=True)
    status = models.CharField("état", max_length=20, choices=Status.choices, default=Status.OPEN)
    decision = models.TextField("décision motivée", blank=True)
    decided_on = models.DateField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "demande d'exercice de droits"
        verbose_name_plural = "demandes d'exercice de droits"
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(decided_on__isnull=False),
                name="rights_request_decided_has_date",
                violation_error_message="Une demande traitée a une date de décision.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.received_on:%d/%m/%Y}"

    @property
    def deadline(self):
        """One month to answer (GDPR art. 12-3)."""
        from legal.calendar import add_months

        return add_months(self.received_on, 1)
