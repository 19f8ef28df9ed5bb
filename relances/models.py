"""Cadence policies (data an admin edits) and the reminders the daily run creates."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dossiers.legal import rules
from dossiers.models import Creditor, Debtor, Dossier


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Courrier simple"
    REGISTERED_LETTER = "registered_letter", "Lettre recommandée avec AR"
    PHONE = "phone", "Appel téléphonique"
    SMS = "sms", "SMS"


class Stage(models.TextChoices):
    """Which dossier state a step brings the dossier to (courtesy: none, before the due date)."""

    COURTESY = "courtesy", "Rappel de courtoisie"
    REMINDER_1 = "reminder_1", "Relance 1"
    REMINDER_2 = "reminder_2", "Relance 2"
    REMINDER_3 = "reminder_3", "Relance 3"
    FORMAL_NOTICE = "formal_notice", "Mise en demeure"


STAGE_RANK = {stage: rank for rank, stage in enumerate(Stage.values)}


class CadencePolicy(models.Model):
    """A cadence: ordered steps, the spacing between contacts, the formal notice's deadline."""

    class DebtorKind(models.TextChoices):
        PROFESSIONAL = "professional", "Professionnels"
        CONSUMER = "consumer", "Consommateurs"

    name = models.CharField("nom", max_length=100, unique=True)
    debtor_kind = models.CharField("débiteurs visés", max_length=20, choices=DebtorKind.choices)
    is_default = models.BooleanField(
        "cadence par défaut", default=False, help_text="Pour ce type de débiteur."
    )
    min_spacing_days = models.PositiveSmallIntegerField(
        "espacement minimal entre deux contacts (jours)",
        default=rules.DEFAULT_CONTACT_SPACING_DAYS,
    )
    formal_notice_deadline_days = models.PositiveSmallIntegerField(
        "délai laissé par la mise en demeure (jours)",
        default=rules.DEFAULT_FORMAL_NOTICE_DEADLINE_DAYS,
    )
    tolerance = models.DecimalField(
        "seuil de relance (€)",
        max_digits=8,
        decimal_places=2,
        default=rules.DEFAULT_REMINDER_TOLERANCE,
        help_text="Aucune relance pour un solde inférieur.",
    )
    grace_days = models.PositiveSmallIntegerField(
        "délai de grâce d'une promesse ou d'une échéance (jours)", default=3
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cadence de relance"
        verbose_name_plural = "cadences de relance"
        ordering = ["debtor_kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor_kind"],
                condition=Q(is_default=True),
                name="policy_one_default_per_kind",
                violation_error_message="Il existe déjà une cadence par défaut pour ces débiteurs.",
            ),
            models.CheckConstraint(
                condition=Q(formal_notice_deadline_days__gte=8),
                name="policy_notice_deadline_reasonable",
                violation_error_message="La mise en demeure laisse au moins 8 jours.",
            ),
            models.CheckConstraint(
                condition=Q(tolerance__gte=0),
                name="policy_tolerance_not_negative",
                violation_error_message="Le seuil de relance ne peut pas être négatif.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CadenceStep(models.Model):
    """One step: so many days after the reference due date, on a channel, with a template."""

    policy = models.ForeignKey(
        CadencePolicy, on_delete=models.CASCADE, related_name="steps", verbose_name="cadence"
    )
    code = models.SlugField("code", max_length=30)
    label = models.CharField("libellé", max_length=100)
    offset_days = models.SmallIntegerField(
        "décalage (jours après l'échéance)", help_text="Négatif : rappel avant l'échéance."
    )
    stage = models.CharField("niveau", max_length=20, choices=Stage.choices)
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    template_code = models.SlugField("modèle", max_length=50)
    needs_approval = models.BooleanField("validation humaine avant envoi", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "étape de cadence"
        verbose_name_plural = "étapes de cadence"
        ordering = ["policy", "offset_days", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "code"],
                name="step_code_unique_per_policy",
                violation_error_message="Ce code d'étape existe déjà dans cette cadence.",
            ),
            models.CheckConstraint(
                condition=Q(stage="courtesy", offset_days__lt=0)
                | (~Q(stage="courtesy") & Q(offset_days__gte=0)),
                name="step_courtesy_before_due_date",
                violation_error_message=(
                    "Seul un rappel de courtoisie précède l'échéance (décalage négatif)."
                ),
            ),
        ]

    def __str__(self) -> str:
        sign = "+" if self.offset_days >= 0 else ""
        return f"J{sign}{self.offset_days} — {self.label} ({self.get_channel_display()})"


class CreditorCadence(models.Model):
    """The policy a creditor picks for one kind of debtor (else the default for that kind)."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="cadences", verbose_name="créancier"
    )
    debtor_kind = models.CharField(
        "débiteurs visés", max_length=20, choices=CadencePolicy.DebtorKind.choices
    )
    policy = models.ForeignKey(CadencePolicy, on_delete=models.PROTECT, verbose_name="cadence")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cadence d'un créancier"
        verbose_name_plural = "cadences des créanciers"
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "debtor_kind"], name="creditor_cadence_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.creditor} — {self.policy}"


class DebtorCadenceOverride(models.Model):
    """A debtor-specific policy that wins over the creditor's choice."""

    debtor = models.OneToOneField(
        Debtor, on_delete=models.CASCADE, related_name="cadence_override", verbose_name="débiteur"
    )
    policy = models.ForeignKey(CadencePolicy, on_delete=models.PROTECT, verbose_name="cadence")
    reason = models.CharField("motif", max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cadence propre à un débiteur"
        verbose_name_plural = "cadences propres à des débiteurs"

    def __str__(self) -> str:
        return f"{self.debtor} — {self.policy}"


class Reminder(models.Model):
    """One contact the cadence planned: a message, a letter or a call to make."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planifiée"
        SENT = "sent", "Envoyée"
        FAILED = "failed", "Échec"
        CANCELLED = "cancelled", "Annulée"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="reminders", verbose_name="dossier"
    )
    step = models.ForeignKey(
        CadenceStep, on_delete=models.PROTECT, related_name="reminders", verbose_name="étape"
    )
    cycle = models.PositiveSmallIntegerField("cycle")
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    scheduled_for = models.DateField("prévue le")
    caught_up = models.BooleanField(
        "rattrapage", default=False, help_text="Émise en retard après des étapes non faites."
    )
    note = models.CharField("remarque", max_length=300, blank=True)
    content = models.TextField("contenu envoyé", blank=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "relance"
        verbose_name_plural = "relances"
        ordering = ["-scheduled_for", "-pk"]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="reminder_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "step", "cycle"],
                name="reminder_once_per_step_and_cycle",
                violation_error_message="Cette étape a déjà été émise pour ce cycle.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step.label} — {self.dossier} ({self.get_status_display()})"
