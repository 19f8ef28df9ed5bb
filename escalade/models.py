"""The Go/No-Go file of a dossier: the lawful solvency analysis, the prior amicable-resolution
attempt (CPC 750-1) and the manager's reasoned decision, each kept with its history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from dossiers.models import Dossier
from escalade.routes import Route
from legal import court


class SolvencyAnalysis(models.Model):
    """A solvency analysis from lawful sources only (public registers, the creditor's own
    payment history, a credit insurer's rating): never a private investigation."""

    class Source(models.TextChoices):
        BODACC = "bodacc", "BODACC (annonces légales, procédures collectives)"
        REGISTRY = "registry", "Registre du commerce / comptes annuels publiés (INPI, Infogreffe)"
        PAYMENT_HISTORY = "payment_history", "Historique de paiement chez le créancier"
        CREDIT_INSURER = "credit_insurer", "Notation de l'assureur-crédit du créancier"
        DEBTOR_STATEMENT = "debtor_statement", "Déclarations du débiteur lui-même"

    class Conclusion(models.TextChoices):
        SOLVENT = "solvent", "Solvable"
        DOUBTFUL = "doubtful", "Solvabilité douteuse"
        INSOLVENT = "insolvent", "Insolvable"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="solvency_analyses", verbose_name="dossier"
    )
    analysed_on = models.DateField("analysée le")
    sources = models.JSONField("sources consultées", default=list)
    conclusion = models.CharField("conclusion", max_length=20, choices=Conclusion.choices)
    note = models.TextField("commentaire", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisie par",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "analyse de solvabilité"
        verbose_name_plural = "analyses de solvabilité"
        ordering = ["-analysed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_conclusion_display()} ({self.analysed_on:%d/%m/%Y})"

    def source_labels(self) -> list[str]:
        return [self.Source(code).label for code in self.sources if code in self.Source.values]


class AmicableResolutionAttempt(models.Model):
    """The prior attempt at amicable resolution that CPC 750-1 requires before the tribunal
    judiciaire for claims up to 5 000 € (conciliation, mediation or participatory procedure)."""

    class Method(models.TextChoices):
        CONCILIATION = "conciliation", "Conciliation (conciliateur de justice)"
        MEDIATION = "mediation", "Médiation"
        PARTICIPATORY = "participatory", "Procédure participative"

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="amicable_attempts",
        verbose_name="dossier",
    )
    method = models.CharField("mode", max_length=20, choices=Method.choices)
    attempted_on = models.DateField("tentée le")
    outcome = models.TextField("issue", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisie par",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tentative de résolution amiable"
        verbose_name_plural = "tentatives de résolution amiable"
        ordering = ["-attempted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} ({self.attempted_on:%d/%m/%Y})"


class EscalationDecision(models.Model):
    """The manager's Go/No-Go decision: the route, its mandatory reasoning, the route the
    rules suggested, and the checklist and summary as they stood when deciding."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="decisions", verbose_name="dossier"
    )
    route = models.CharField("voie retenue", max_length=30, choices=Route.choices)
    suggested_route = models.CharField(
        "voie suggérée", max_length=30, choices=Route.choices, blank=True
    )
    reasoning = models.TextField("motivation")
    checklist = models.JSONField("check-list au moment de la décision", default=list)
    summary = models.JSONField("synthèse préparée", default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )
    decided_at = models.DateTimeField("décidée le", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "décision Go/No-Go"
        verbose_name_plural = "décisions Go/No-Go"
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reasoning=""),
                name="decision_reasoning_required",
                violation_error_message="La motivation de la décision est obligatoire.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_route_display()} ({self.decided_at:%d/%m/%Y})"


class CourtProceeding(models.Model):
    """The court route followed after a Go decision (docs/legal.md §8): its stage, the dates of
    its acts, and the deadlines they open as tasks on the dossier (``escalade.court``)."""

    class Stage(models.TextChoices):
        # Simplified procedure for small claims (CPCE L125-1, R125-1 et s.)
        TO_INVITE = "to_invite", "Dossier à transmettre au commissaire de justice"
        INVITED = "invited", "Débiteur invité : réponse attendue sous un mois"
        TITLE = "title", "Accord : titre exécutoire délivré"
        FAILED = "failed", "Échec (refus ou silence) : autres voies ouvertes"
        # Injonction de payer (CPC 1405 et s.)
        TO_FILE = "to_file", "Requête à déposer"
        ORDERED = "ordered", "Ordonnance rendue : à signifier"
        SERVED = "served", "Ordonnance signifiée : délai d'opposition en cours"
        OPPOSED = "opposed", "Opposition formée : instance contentieuse"
        ENFORCEABLE = "enforceable", "Formule exécutoire apposée"
        VOID = "void", "Ordonnance non avenue (non signifiée à temps)"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="proceedings", verbose_name="dossier"
    )
    route = models.CharField("voie", max_length=30, choices=Route.choices)
    stage = models.CharField("étape", max_length=20, choices=Stage.choices)
    started_on = models.DateField("engagée le")
    invited_on = models.DateField("invitation du débiteur le", null=True, blank=True)
    answered_on = models.DateField("réponse du débiteur le", null=True, blank=True)
    order_on = models.DateField("ordonnance du", null=True, blank=True)
    served_on = models.DateField("signifiée le", null=True, blank=True)
    # CPC 1416 al. 2: a service not made to the person keeps the opposition open until one
    # month after the first act served to the person or the first enforcement measure.
    served_in_person = models.BooleanField("signifiée à personne", null=True, blank=True)
    first_personal_act_on = models.DateField(
        "premier acte à personne ou première mesure d'exécution le", null=True, blank=True
    )
    opposed_on = models.DateField("opposition le", null=True, blank=True)
    enforceable_on = models.DateField("titre exécutoire le", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "procédure judiciaire"
        verbose_name_plural = "procédures judiciaires"
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_route_display()} — {self.get_stage_display()}"

    @property
    def opposition_open_until_personal_act(self) -> bool:
        """Served elsewhere than to the person, no act to the person recorded yet: the
        opposition stays open (CPC 1416 al. 2)."""
        return self.served_in_person is False and self.first_personal_act_on is None

    @property
    def is_over(self) -> bool:
        if self.stage == self.Stage.ENFORCEABLE and self.served_in_person is False:
            # An opposition may still come (CPC 1416 al. 2).
            if self.first_personal_act_on is None:
                return False
            late = court.injunction_late_opposition(self.first_personal_act_on)
            return timezone.localdate() > late.last_day
        return self.stage in (
            self.Stage.TITLE,
            self.Stage.FAILED,
            self.Stage.OPPOSED,
            self.Stage.ENFORCEABLE,
            self.Stage.VOID,
        )
