"""What pauses the cadence: promises, payment plans, disputes; and the tasks left to a person."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from dossiers.models.claims import Claim
from dossiers.models.dossier import Dossier


class Promise(models.Model):
    """A promise to pay (promesse de paiement) obtained from the debtor."""

    class Status(models.TextChoices):
        PENDING = "pending", "En cours"
        KEPT = "kept", "Tenue"
        BROKEN = "broken", "Non tenue"
        CANCELLED = "cancelled", "Annulée"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="promises", verbose_name="dossier"
    )
    amount = models.DecimalField("montant promis", max_digits=12, decimal_places=2)
    made_on = models.DateField("obtenue le")
    due_on = models.DateField("paiement promis pour le")
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.PENDING
    )
    settled_on = models.DateField("constatée le", null=True, blank=True)
    note = models.CharField("commentaire", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "promesse de paiement"
        verbose_name_plural = "promesses de paiement"
        ordering = ["-made_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="promise_amount_positive",
                violation_error_message="Le montant promis doit être strictement positif.",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("made_on")),
                name="promise_due_after_made",
                violation_error_message="La date promise ne peut pas précéder la promesse.",
            ),
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status="pending"),
                name="promise_one_pending_per_dossier",
                violation_error_message="Ce dossier a déjà une promesse en cours.",
            ),
        ]

    def __str__(self) -> str:
        return f"Promesse de {self.amount} € pour le {self.due_on:%d/%m/%Y}"


class PaymentPlan(models.Model):
    """A payment plan (échéancier) accepted by the debtor: an acknowledgment of the debt."""

    class Status(models.TextChoices):
        ACTIVE = "active", "En cours"
        COMPLETED = "completed", "Soldé"
        BROKEN = "broken", "Rompu"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="payment_plans", verbose_name="dossier"
    )
    accepted_on = models.DateField("accepté le")
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    ended_on = models.DateField("terminé le", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "échéancier"
        verbose_name_plural = "échéanciers"
        ordering = ["-accepted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status="active"),
                name="plan_one_active_per_dossier",
                violation_error_message="Ce dossier a déjà un échéancier en cours.",
            ),
        ]

    def __str__(self) -> str:
        return f"Échéancier du {self.accepted_on:%d/%m/%Y}"


class Installment(models.Model):
    """One due date of a payment plan. Payments received count towards installments in order."""

    plan = models.ForeignKey(
        PaymentPlan,
        on_delete=models.CASCADE,
        related_name="installments",
        verbose_name="échéancier",
    )
    due_on = models.DateField("échéance")
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2)
    missed_on = models.DateField("constatée impayée le", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "échéance"
        verbose_name_plural = "échéances"
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="installment_amount_positive",
                violation_error_message="Une échéance est strictement positive.",
            ),
            models.UniqueConstraint(
                fields=["plan", "due_on"],
                name="installment_one_per_date",
                violation_error_message="Deux échéances ne peuvent pas tomber le même jour.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} € le {self.due_on:%d/%m/%Y}"


class Dispute(models.Model):
    """A contestation by the debtor, which stops reminders until it is resolved."""

    class Reason(models.TextChoices):
        INVOICE_ERROR = "invoice_error", "Erreur de facturation"
        NOT_RECEIVED = "not_received", "Facture non reçue"
        QUALITY = "quality", "Qualité de la prestation ou du produit"
        OTHER = "other", "Autre"

    class Status(models.TextChoices):
        OPEN = "open", "En cours"
        RESOLVED = "resolved", "Résolue (créance maintenue)"
        UPHELD = "upheld", "Fondée (créance annulée)"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="disputes", verbose_name="dossier"
    )
    claim = models.ForeignKey(
        Claim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name="facture contestée",
    )
    reason = models.CharField("motif", max_length=20, choices=Reason.choices)
    description = models.TextField("description", blank=True)
    opened_on = models.DateField("ouverte le")
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.OPEN)
    resolved_on = models.DateField("close le", null=True, blank=True)
    resolution = models.TextField("issue", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "contestation"
        verbose_name_plural = "contestations"
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", resolved_on__isnull=True)
                | (~Q(status="open") & Q(resolved_on__isnull=False)),
                name="dispute_resolution_dated",
                violation_error_message="Une contestation close porte sa date de clôture.",
            ),
        ]

    def __str__(self) -> str:
        return f"Contestation ({self.get_reason_display()})"


class Task(models.Model):
    """Work left to a person: a call, a broken promise to chase, a claim to declare..."""

    class Kind(models.TextChoices):
        CALL = "call", "Appel"
        PROMISE_BROKEN = "promise_broken", "Promesse non tenue"
        INSTALLMENT_MISSED = "installment_missed", "Échéance impayée"
        CLAIM_DECLARATION = "claim_declaration", "Déclaration de créance"
        GO_NO_GO = "go_no_go", "Décision Go/No-Go"
        PRESCRIBED = "prescribed", "Créance prescrite"
        # A deadline of the court route after Go (escalade.court), with its article.
        COURT_DEADLINE = "court_deadline", "Échéance de la procédure judiciaire"
        # The debtor says on their page that they paid (portail): find the payment.
        PAYMENT_CLAIMED = "payment_claimed", "Paiement déclaré à vérifier"

    class Status(models.TextChoices):
        OPEN = "open", "À faire"
        DONE = "done", "Faite"
        CANCELLED = "cancelled", "Annulée"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="tasks", verbose_name="dossier"
    )
    kind = models.CharField("nature", max_length=30, choices=Kind.choices)
    due_on = models.DateField("à faire pour le")
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.OPEN)
    note = models.CharField("détail", max_length=300, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name="attribuée à",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "tâche"
        verbose_name_plural = "tâches"
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="task_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.due_on:%d/%m/%Y}"
