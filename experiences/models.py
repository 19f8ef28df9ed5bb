"""A cadence experiment: variants of a creditor's cadence, drawn at random for new dossiers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dossiers.models import Creditor, Dossier
from relances.models import CadencePolicy


class Measure(models.TextChoices):
    """The primary measure, the one the verdict reads (docs/experiences.md)."""

    PAID_15 = "paid_15", "Dossiers payés dans les 15 jours suivant la première relance"
    PAID_30 = "paid_30", "Dossiers payés dans les 30 jours suivant la première relance"
    AMOUNT = "amount", "Montant recouvré par dossier (60 jours après la première relance)"
    COST = "cost", "Coût par euro recouvré (60 jours après la première relance)"


class Experiment(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "En cours"
        ENDED = "ended", "Terminée"

    name = models.CharField("nom", max_length=120)
    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="experiments", verbose_name="créancier"
    )
    debtor_kind = models.CharField(
        "débiteurs visés", max_length=20, choices=CadencePolicy.DebtorKind.choices
    )
    measure = models.CharField("mesure principale", max_length=20, choices=Measure.choices)
    planned_size = models.PositiveIntegerField(
        "taille prévue (dossiers)",
        null=True,
        blank=True,
        help_text="Les inclusions s'arrêtent à ce nombre de dossiers.",
    )
    end_on = models.DateField(
        "fin des inclusions",
        null=True,
        blank=True,
        help_text="Dernier jour où un nouveau dossier entre dans l'expérience.",
    )
    seed = models.BigIntegerField("graine du tirage")
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    started_on = models.DateField("début")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lancée par",
    )
    ended_on = models.DateField("terminée le", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="terminée par",
    )
    winner = models.ForeignKey(
        "Variant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="variante retenue",
    )
    verdict = models.TextField("verdict à la fin", blank=True)
    decision = models.TextField("motif de la décision", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "expérience de cadence"
        verbose_name_plural = "expériences de cadence"
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_size__isnull=False) | Q(end_on__isnull=False),
                name="experiment_has_a_planned_end",
                violation_error_message="Indiquez une taille prévue ou une date de fin.",
            ),
            models.UniqueConstraint(
                fields=["creditor", "debtor_kind"],
                condition=Q(status="running"),
                name="experiment_one_running_per_cadence",
                violation_error_message=(
                    "Une expérience est déjà en cours sur cette cadence du créancier."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING


class Variant(models.Model):
    """One arm: a cadence and the share of new dossiers drawn for it. A is the control."""

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="variants", verbose_name="expérience"
    )
    label = models.CharField("variante", max_length=1)
    policy = models.ForeignKey(CadencePolicy, on_delete=models.PROTECT, verbose_name="cadence")
    share = models.PositiveSmallIntegerField("part des nouveaux dossiers (%)")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "variante"
        verbose_name_plural = "variantes"
        ordering = ["experiment", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "label"], name="variant_label_unique_per_experiment"
            ),
            models.UniqueConstraint(
                fields=["experiment", "policy"],
                name="variant_policy_unique_per_experiment",
                violation_error_message="Une même cadence figure deux fois dans l'expérience.",
            ),
            models.CheckConstraint(
                condition=Q(share__gte=1, share__lte=99),
                name="variant_share_between_1_and_99",
                violation_error_message="La part d'une variante va de 1 à 99 %.",
            ),
        ]

    def __str__(self) -> str:
        return f"Variante {self.label} — {self.policy}"

    @property
    def is_control(self) -> bool:
        return self.label == "A"


class Assignment(models.Model):
    """The draw that put a new dossier in a variant: kept for good (a dossier keeps its
    variant), journaled in the dossier's chain."""

    experiment = models.ForeignKey(
        Experiment, on_delete=models.PROTECT, related_name="assignments", verbose_name="expérience"
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="assignments", verbose_name="variante"
    )
    dossier = models.OneToOneField(
        Dossier,
        on_delete=models.PROTECT,
        related_name="experiment_assignment",
        verbose_name="dossier",
    )
    draw = models.DecimalField("tirage", max_digits=13, decimal_places=12)
    assigned_on = models.DateField("tiré le")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "tirage d'un dossier"
        verbose_name_plural = "tirages des dossiers"
        ordering = ["experiment", "dossier"]
        indexes = [models.Index(fields=["experiment", "variant"], name="assignment_variant_idx")]

    def __str__(self) -> str:
        return f"{self.dossier} — variante {self.variant.label}"
