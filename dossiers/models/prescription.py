"""Facts that act on a claim's prescription and that no other record holds.

An accepted payment plan (``PaymentPlan.accepted_on``) and a partial payment (``Payment``) are
acknowledgments already recorded elsewhere. The rest is recorded here, through
``services.prescription_event_record`` (who and why in the history): a written acknowledgment
or a request for time (C. civ. 2240: interruption), the start and end of a mediation or
conciliation agreed in writing (2238: suspension). Reminders and formal notices have no effect
on prescription and cannot be recorded here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dossiers.models.claims import Claim
from dossiers.models.dossier import Dossier
from legal.prescription import EventKind


class PrescriptionEvent(models.Model):
    class Kind(models.TextChoices):
        WRITTEN_ACKNOWLEDGMENT = "written_acknowledgment", "Reconnaissance écrite de la dette"
        TIME_REQUEST = "time_request", "Demande de délai de paiement"
        MEDIATION_START = "mediation_start", "Début de médiation ou de conciliation"
        MEDIATION_END = "mediation_end", "Fin de médiation ou de conciliation"

    EFFECTS = {
        Kind.WRITTEN_ACKNOWLEDGMENT: EventKind.INTERRUPTION,
        Kind.TIME_REQUEST: EventKind.INTERRUPTION,
        Kind.MEDIATION_START: EventKind.SUSPENSION_START,
        Kind.MEDIATION_END: EventKind.SUSPENSION_END,
    }

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="prescription_events",
        verbose_name="dossier",
    )
    claim = models.ForeignKey(
        Claim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prescription_events",
        verbose_name="facture",
        help_text="Vide : toutes les factures du dossier émises à cette date.",
    )
    kind = models.CharField("nature", max_length=30, choices=Kind.choices)
    occurred_on = models.DateField("date de l'acte")
    description = models.CharField(
        "pièce ou détail", max_length=300, blank=True, help_text="Courrier, courriel, référence…"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisi par",
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "acte interruptif ou suspensif de prescription"
        verbose_name_plural = "actes interruptifs ou suspensifs de prescription"
        ordering = ["occurred_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "written_acknowledgment",
                        "time_request",
                        "mediation_start",
                        "mediation_end",
                    ]
                ),
                name="prescription_event_known_kind",
                violation_error_message="Nature d'acte inconnue.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.occurred_on:%d/%m/%Y}"

    @property
    def effect(self) -> str:
        return self.EFFECTS[self.kind]

    def applies_to(self, claim: Claim) -> bool:
        """A dossier-wide act covers the invoices issued by its date."""
        if self.claim_id is not None:
            return self.claim_id == claim.pk
        return claim.issue_date <= self.occurred_on
