"""The payment-probability score's records: each trained model (versioned, with its validation),
each open dossier's current score with its reasons, and each creditor's choice of letting the
priority of « Ma journée » use it (journaled)."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from dossiers.models import Creditor, Dossier

BASE_HISTORY = "historique de la base"


class ScoreModel(models.Model):
    """One training of the model: what it learned from, when, and how well it did on a later
    period it never saw (the time split). Its parameters are plain numbers (JSON), never a
    pickled object: the logic can be read, printed in the register and checked by hand."""

    class Status(models.TextChoices):
        TRAINED = "trained", "Entraîné"
        INSUFFICIENT = "insufficient", "Historique insuffisant"

    class Trigger(models.TextChoices):
        BEAT = "beat", "Tâche planifiée"
        COMMAND = "command", "Commande"
        USER = "user", "Utilisateur"
        SCRIPT = "script", "Script (démonstration, mesure)"

    version = models.PositiveIntegerField("version", unique=True)
    trained_at = models.DateTimeField("entraîné le")
    as_of = models.DateField("historique arrêté au")
    trigger = models.CharField("lancé par", max_length=20, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lancé par (utilisateur)",
    )
    status = models.CharField("statut", max_length=20, choices=Status.choices)
    source = models.CharField("historique appris", max_length=200, default=BASE_HISTORY)
    horizon_days = models.PositiveSmallIntegerField("horizon (jours)", default=30)
    algorithm = models.CharField("méthode", max_length=100)
    features = models.JSONField("variables", default=list)
    parameters = models.JSONField("paramètres", default=dict)
    training_size = models.PositiveIntegerField("exemples d'entraînement", default=0)
    training_from = models.DateField("entraînement du", null=True, blank=True)
    training_to = models.DateField("entraînement au", null=True, blank=True)
    training_rate = models.FloatField("part payée sous 30 jours (entraînement)", null=True)
    validation_size = models.PositiveIntegerField("exemples de validation", default=0)
    validation_from = models.DateField("validation du", null=True, blank=True)
    validation_to = models.DateField("validation au", null=True, blank=True)
    validation_rate = models.FloatField("part payée sous 30 jours (validation)", null=True)
    auc = models.FloatField("AUC (validation)", null=True)
    auc_low = models.FloatField("AUC, borne basse à 95 %", null=True)
    auc_high = models.FloatField("AUC, borne haute à 95 %", null=True)
    brier = models.FloatField("score de Brier (validation)", null=True)
    calibration = models.JSONField("calibration (validation)", default=list)
    calibration_error = models.FloatField("écart moyen prévu / observé (validation)", null=True)
    better_than_chance = models.BooleanField("fait mieux que le hasard", default=False)
    verdict = models.TextField("verdict")
    seconds = models.FloatField("durée (s)", default=0)

    class Meta:
        verbose_name = "modèle de probabilité de paiement"
        verbose_name_plural = "modèles de probabilité de paiement"
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Modèle v{self.version} du {self.trained_at:%d/%m/%Y}"

    @property
    def usable(self) -> bool:
        return self.status == self.Status.TRAINED and self.better_than_chance


class DossierScore(models.Model):
    """An open dossier's probability of being paid within 30 days, by the model that computed
    it, with its main reasons in words (one a line, « + » raises the chance, « − » lowers it).
    Rewritten by each scoring run; deleted when the dossier closes. It orders work, it decides
    nothing (GDPR art. 22): no rule of the product reads it but the priority, when allowed."""

    dossier = models.OneToOneField(
        Dossier,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="payment_score",
        verbose_name="dossier",
    )
    model = models.ForeignKey(
        ScoreModel, on_delete=models.PROTECT, related_name="+", verbose_name="modèle"
    )
    probability = models.FloatField("probabilité de paiement sous 30 jours")
    points = models.PositiveSmallIntegerField(
        "points de priorité", default=0, help_text="Comptés seulement si le créancier l'a permis."
    )
    reasons = models.TextField("raisons principales", blank=True)
    scored_on = models.DateField("calculée le")

    class Meta:
        verbose_name = "probabilité de paiement"
        verbose_name_plural = "probabilités de paiement (aide à la priorisation)"

    def __str__(self) -> str:
        return f"{self.probability:.0%}"

    @property
    def percent(self) -> int:
        return round(self.probability * 100)

    @property
    def reason_lines(self) -> list[tuple[str, str]]:
        """[(sign, text)]: « + » raises the chance, « − » lowers it."""
        lines = []
        for line in self.reasons.splitlines():
            if line[:2] in ("+ ", "− "):
                lines.append((line[0], line[2:]))
        return lines


class PriorityScoring(models.Model):
    """Whether the priority of a creditor's dossiers counts the payment probability: off until a
    manager turns it on, every change journaled with who and why."""

    creditor = models.OneToOneField(
        Creditor,
        on_delete=models.CASCADE,
        related_name="priority_scoring",
        verbose_name="créancier",
    )
    enabled = models.BooleanField("la priorité utilise la probabilité de paiement", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "usage de la probabilité dans la priorité"
        verbose_name_plural = "usages de la probabilité dans la priorité"

    def __str__(self) -> str:
        return f"{self.creditor} : {'oui' if self.enabled else 'non'}"
