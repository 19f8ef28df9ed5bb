"""Invoices, the money that settles them, and the documents that prove them."""

import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from simple_history.models import HistoricalRecords

from dossiers.models.dossier import Dossier
from dossiers.models.parties import Creditor
from dossiers.validators import validate_evidence_file


class ClaimQuerySet(models.QuerySet):
    def open(self):
        return self.filter(outstanding__gt=0, cancelled_on__isnull=True)

    def oldest_first(self):
        return self.order_by("due_date", "issue_date", "pk")


class Claim(models.Model):
    """An unpaid invoice (créance). Its amount is never rewritten once issued."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="claims", verbose_name="dossier"
    )
    # Denormalised from the dossier so that the database can enforce one invoice number per
    # creditor; services always set it from the dossier.
    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="claims", verbose_name="créancier"
    )
    invoice_number = models.CharField("numéro de facture", max_length=50)
    issue_date = models.DateField("date d'émission")
    due_date = models.DateField("date d'échéance")
    amount = models.DecimalField("montant TTC", max_digits=12, decimal_places=2)
    outstanding = models.DecimalField("reste dû", max_digits=12, decimal_places=2)
    currency = models.CharField("devise", max_length=3, default="EUR", editable=False)
    contract_ref = models.CharField("référence du contrat", max_length=100, blank=True)
    purchase_order_ref = models.CharField(
        "référence du bon de commande", max_length=100, blank=True
    )
    delivery_note_ref = models.CharField(
        "référence du bon de livraison", max_length=100, blank=True
    )
    cancelled_on = models.DateField("annulée le", null=True, blank=True)
    cancellation_reason = models.CharField("motif d'annulation", max_length=300, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = "créance"
        verbose_name_plural = "créances"
        ordering = ["due_date", "invoice_number"]
        indexes = [
            models.Index(fields=["dossier", "due_date"], name="claim_dossier_due_idx"),
            # The open claims by due date: those near prescription (« Ma journée »'s warnings,
            # ``journee.selectors.prescription_flags``), a few among a million, found without
            # reading every dossier in scope.
            models.Index(
                fields=["due_date"],
                condition=Q(outstanding__gt=0, cancelled_on__isnull=True),
                name="claim_open_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "invoice_number"],
                name="claim_invoice_unique_per_creditor",
                violation_error_message="Ce numéro de facture existe déjà pour ce créancier.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="claim_amount_positive",
                violation_error_message="Le montant de la facture doit être strictement positif.",
            ),
            models.CheckConstraint(
                condition=Q(outstanding__gte=0) & Q(outstanding__lte=F("amount")),
                name="claim_outstanding_within_amount",
                violation_error_message="Le reste dû doit être compris entre 0 et le montant.",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")),
                name="claim_due_not_before_issue",
                violation_error_message=(
                    "La date d'échéance ne peut pas précéder la date d'émission."
                ),
            ),
            models.CheckConstraint(
                condition=Q(currency="EUR"),
                name="claim_currency_eur",
                violation_error_message="Seules les créances en euros sont gérées.",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_on__isnull=True) | Q(outstanding=0),
                name="claim_cancelled_has_nothing_outstanding",
                violation_error_message="Une facture annulée n'a plus de reste dû.",
            ),
        ]

    def __str__(self) -> str:
        return self.invoice_number

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_on is not None

    @property
    def paid_amount(self) -> Decimal:
        return self.amount - self.outstanding


class Payment(models.Model):
    """Money received, or a credit note (avoir), allocated to the dossier's claims."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Paiement"
        CREDIT_NOTE = "credit_note", "Avoir"

    class Method(models.TextChoices):
        TRANSFER = "transfer", "Virement"
        DIRECT_DEBIT = "direct_debit", "Prélèvement"
        CARD = "card", "Carte bancaire"
        CHEQUE = "cheque", "Chèque"
        CASH = "cash", "Espèces"
        CREDIT_NOTE = "credit_note", "Avoir"
        OTHER = "other", "Autre"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="payments", verbose_name="dossier"
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices, default=Kind.PAYMENT)
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2)
    received_on = models.DateField("date")
    method = models.CharField("moyen", max_length=20, choices=Method.choices)
    reference = models.CharField("référence", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisi par",
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)
    # A payment the bank took back (returned direct debit, recalled transfer): its allocations
    # stay as evidence, the invoices are owed again (``dossiers.services.payment_reverse``).
    reversed_on = models.DateField("rejeté le", null=True, blank=True)
    reversal_reason = models.CharField("motif du rejet", max_length=300, blank=True)
    claims = models.ManyToManyField(
        Claim, through="PaymentAllocation", related_name="payments", verbose_name="factures"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "paiement ou avoir"
        verbose_name_plural = "paiements et avoirs"
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message="Le montant doit être strictement positif.",
            ),
            models.CheckConstraint(
                condition=(Q(kind="credit_note") & Q(method="credit_note"))
                | (Q(kind="payment") & ~Q(method="credit_note")),
                name="payment_method_matches_kind",
                violation_error_message="Un avoir n'a pas d'autre moyen que « Avoir ».",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} € du {self.received_on:%d/%m/%Y}"


class PaymentAllocation(models.Model):
    """The part of a payment or credit note applied to one claim."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", verbose_name="paiement"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="allocations", verbose_name="facture"
    )
    amount = models.DecimalField("montant imputé", max_digits=12, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "imputation"
        verbose_name_plural = "imputations"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="allocation_amount_positive",
                violation_error_message="Une imputation est strictement positive.",
            ),
            models.UniqueConstraint(fields=["payment", "claim"], name="allocation_once_per_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} € → {self.claim}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    return f"pieces/{instance.dossier_id}/{filename}"


class Evidence(models.Model):
    """A stored document with its SHA-256, so that any later change to the file shows."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", "Contrat"
        ORDER = "order", "Bon de commande"
        DELIVERY_NOTE = "delivery_note", "Bon de livraison"
        INVOICE = "invoice", "Facture"
        ACKNOWLEDGMENT = "acknowledgment", "Accusé de réception"
        EMAIL_RECEIPT = "email_receipt", "Accusé de lecture / réception d'e-mail"
        OTHER = "other", "Autre"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="evidence", verbose_name="dossier"
    )
    claim = models.ForeignKey(
        Claim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name="facture concernée",
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    file = models.FileField(
        "fichier", upload_to=evidence_upload_to, validators=[validate_evidence_file]
    )
    original_name = models.CharField("nom d'origine", max_length=255, blank=True)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, editable=False)
    description = models.CharField("description", max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposé par",
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "pièce justificative"
        verbose_name_plural = "pièces justificatives"
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(Exact(Length("sha256"), 64)),
                name="evidence_sha256_present",
                violation_error_message="L'empreinte SHA-256 de la pièce est manquante.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name or self.file.name}"

    def save(self, *args, **kwargs):
        """Hash the file's bytes on every save, so the stored digest is the file's own."""
        if self.file:
            digest = hashlib.sha256()
            self.file.open("rb")
            self.file.seek(0)
            for chunk in self.file.chunks():
                digest.update(chunk)
            self.file.seek(0)
            self.sha256 = digest.hexdigest()
            if not self.original_name:
                self.original_name = self.file.name.rsplit("/", 1)[-1]
        super().save(*args, **kwargs)
