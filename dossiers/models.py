"""The recovery domain: who is owed, who owes, the dossier that pairs them, and its claims.

Models hold data and invariants only. Every write goes through ``dossiers.services``, which
records who and why in the history (django-simple-history on every model here). Invariants are
database constraints so that no code path can break them.
"""

import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import Exact
from django_fsm import FSMField
from simple_history.models import HistoricalRecords

from .constraints import iban_is_well_formed, siren_is_valid
from .validators import validate_bic, validate_iban, validate_siren

ZERO = Decimal("0.00")


class LegalBasis(models.TextChoices):
    """GDPR art. 6 bases for "gestion des impayés" (LEGAL_FR.md §9)."""

    CONTRACT = "contract", "Exécution du contrat (art. 6-1-b RGPD)"
    LEGITIMATE_INTEREST = "legitimate_interest", "Intérêt légitime (art. 6-1-f RGPD)"
    BOTH = "both", "Exécution du contrat et intérêt légitime (art. 6-1-b et 6-1-f)"


class Creditor(models.Model):
    """A company whose invoices are recovered (créancier)."""

    legal_name = models.CharField("raison sociale", max_length=200)
    siren = models.CharField(
        "SIREN", max_length=9, unique=True, validators=[validate_siren], help_text="9 chiffres."
    )
    address_line1 = models.CharField("adresse", max_length=200)
    address_line2 = models.CharField("complément d'adresse", max_length=200, blank=True)
    postal_code = models.CharField("code postal", max_length=10)
    city = models.CharField("ville", max_length=100)
    country = models.CharField("pays", max_length=2, default="FR")
    iban = models.CharField("IBAN", max_length=34, validators=[validate_iban])
    bic = models.CharField("BIC", max_length=11, validators=[validate_bic])
    contact_email = models.EmailField("e-mail du service recouvrement")
    contact_phone = models.CharField("téléphone du service recouvrement", max_length=30)
    dpo_contact = models.CharField(
        "contact du DPO", max_length=200, help_text="Adresse e-mail ou postale du délégué."
    )
    privacy_policy_url = models.URLField("politique de confidentialité")
    legal_basis = models.CharField(
        "base légale du traitement",
        max_length=30,
        choices=LegalBasis.choices,
        default=LegalBasis.CONTRACT,
    )
    balancing_test = models.TextField(
        "mise en balance des intérêts",
        blank=True,
        help_text="Obligatoire lorsque la base légale inclut l'intérêt légitime.",
    )
    is_collection_agency = models.BooleanField(
        "société de recouvrement pour compte de tiers",
        default=False,
        help_text="Ajoute les mentions de l'article R124-4 du CPCE aux courriers.",
    )
    contractual_penalty_rate = models.DecimalField(
        "taux contractuel des pénalités de retard (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Taux annuel prévu aux CGV ; vide : taux BCE + 10 points (C. com. L441-10).",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "créancier"
        verbose_name_plural = "créanciers"
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=siren_is_valid("siren"),
                name="creditor_siren_valid",
                violation_error_message="Le SIREN du créancier n'est pas valide.",
            ),
            models.CheckConstraint(
                condition=iban_is_well_formed("iban"),
                name="creditor_iban_well_formed",
                violation_error_message="L'IBAN du créancier n'est pas valide.",
            ),
            models.CheckConstraint(
                condition=Q(contractual_penalty_rate__isnull=True)
                | Q(contractual_penalty_rate__gte=0),
                name="creditor_penalty_rate_not_negative",
                violation_error_message="Le taux contractuel ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(legal_basis=LegalBasis.CONTRACT) | ~Q(balancing_test=""),
                name="creditor_legitimate_interest_has_balancing_test",
                violation_error_message=(
                    "L'intérêt légitime suppose une mise en balance des intérêts documentée."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name


class Debtor(models.Model):
    """Someone who owes (débiteur): a professional or a consumer, shared across creditors."""

    class Kind(models.TextChoices):
        PROFESSIONAL = "professional", "Professionnel"
        CONSUMER = "consumer", "Consommateur"
        UNKNOWN = "unknown", "Inconnu"

    class Insolvency(models.TextChoices):
        NONE = "", "Aucune"
        SAFEGUARD = "safeguard", "Sauvegarde"
        RECEIVERSHIP = "receivership", "Redressement judiciaire"
        LIQUIDATION = "liquidation", "Liquidation judiciaire"

    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    name = models.CharField("nom ou raison sociale", max_length=200)
    siren = models.CharField(
        "SIREN",
        max_length=9,
        blank=True,
        validators=[validate_siren],
        help_text="Pour les professionnels immatriculés en France.",
    )
    address_line1 = models.CharField("adresse", max_length=200)
    address_line2 = models.CharField("complément d'adresse", max_length=200, blank=True)
    postal_code = models.CharField("code postal", max_length=10)
    city = models.CharField("ville", max_length=100)
    country = models.CharField("pays", max_length=2, default="FR")
    insolvency_status = models.CharField(
        "procédure collective", max_length=20, choices=Insolvency.choices, blank=True, default=""
    )
    insolvency_opened_on = models.DateField("date du jugement d'ouverture", null=True, blank=True)
    processing_restricted = models.BooleanField(
        "traitement limité (RGPD art. 18)",
        default=False,
        help_text="Suspend toute relance tant que la limitation est active.",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "débiteur"
        verbose_name_plural = "débiteurs"
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="debtor_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(siren="") | siren_is_valid("siren"),
                name="debtor_siren_valid",
                violation_error_message="Le SIREN du débiteur n'est pas valide.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="consumer") | Q(siren=""),
                name="debtor_consumer_has_no_siren",
                violation_error_message="Un consommateur n'a pas de SIREN.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["professional", "consumer", "unknown"]),
                name="debtor_kind_known_value",
                violation_error_message="Type de débiteur inconnu.",
            ),
            models.CheckConstraint(
                condition=(Q(insolvency_status="") & Q(insolvency_opened_on__isnull=True))
                | (~Q(insolvency_status="") & Q(insolvency_opened_on__isnull=False)),
                name="debtor_insolvency_has_date",
                violation_error_message=(
                    "Une procédure collective doit avoir la date de son jugement d'ouverture."
                ),
            ),
            models.UniqueConstraint(
                fields=["siren"],
                condition=~Q(siren=""),
                name="debtor_siren_unique",
                violation_error_message="Un débiteur avec ce SIREN existe déjà.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reminder_contact(self) -> "DebtorContact | None":
        """Reminders go to the collection contact first, the billing one only as a fallback."""
        contacts = sorted(self.contacts.all(), key=lambda c: DebtorContact.ROLE_PRIORITY[c.role])
        return contacts[0] if contacts and contacts[0].role != DebtorContact.Role.COPY else None


class DebtorContact(models.Model):
    class Role(models.TextChoices):
        COLLECTION = "collection", "Recouvrement"
        BILLING = "billing", "Facturation"
        COPY = "copy", "Copie"

    ROLE_PRIORITY = {Role.COLLECTION: 0, Role.BILLING: 1, Role.COPY: 2}

    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="contacts", verbose_name="débiteur"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    name = models.CharField("nom", max_length=200, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "contact du débiteur"
        verbose_name_plural = "contacts du débiteur"
        ordering = ["debtor", "role"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone=""),
                name="debtor_contact_reachable",
                violation_error_message="Un contact doit avoir un e-mail ou un téléphone.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email or self.phone} ({self.get_role_display()})"


class DossierState(models.TextChoices):
    """The states of ARCHITECTURE.md; the transitions arrive with the cadence engine."""

    OPEN = "open", "Ouvert"
    REMINDER_1 = "reminder_1", "Relance 1"
    REMINDER_2 = "reminder_2", "Relance 2"
    REMINDER_3 = "reminder_3", "Relance 3"
    FORMAL_NOTICE = "formal_notice", "Mise en demeure"
    GO_NO_GO = "go_no_go", "Go/No-Go"
    PROMISE = "promise", "Promesse de paiement"
    PAYMENT_PLAN = "payment_plan", "Échéancier"
    DISPUTED = "disputed", "Contestation"
    INSOLVENCY = "insolvency", "Procédure collective"
    RESTRICTED = "restricted", "Traitement limité"
    PAID = "paid", "Payé"
    LITIGATION = "litigation", "Contentieux"
    WRITTEN_OFF = "written_off", "Passé en perte"


CLOSED_STATES = (DossierState.PAID, DossierState.LITIGATION, DossierState.WRITTEN_OFF)


class DossierQuerySet(models.QuerySet):
    def active(self):
        return self.filter(closed_on__isnull=True)

    def with_balance(self):
        return self.annotate(
            balance=Coalesce(Sum("claims__outstanding"), ZERO, output_field=models.DecimalField())
        )


class Dossier(models.Model):
    """A creditor-debtor pair's recovery file: its claims, payments and state."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="dossiers", verbose_name="créancier"
    )
    debtor = models.ForeignKey(
        Debtor, on_delete=models.PROTECT, related_name="dossiers", verbose_name="débiteur"
    )
    reference = models.CharField("référence", max_length=40)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name="chargé(e) de recouvrement",
    )
    state = FSMField(
        "état",
        max_length=20,
        choices=DossierState.choices,
        default=DossierState.OPEN,
        protected=True,
    )
    opened_on = models.DateField("ouvert le")
    closed_on = models.DateField("clos le", null=True, blank=True)

    history = HistoricalRecords()
    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = "dossier"
        verbose_name_plural = "dossiers"
        ordering = ["-opened_on", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "reference"],
                name="dossier_reference_unique_per_creditor",
                violation_error_message="Cette référence de dossier existe déjà pour ce créancier.",
            ),
            models.UniqueConstraint(
                fields=["creditor", "debtor"],
                condition=Q(closed_on__isnull=True),
                name="dossier_one_active_per_pair",
                violation_error_message=(
                    "Un dossier actif existe déjà pour ce créancier et ce débiteur."
                ),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="dossier_closed_after_opened",
                violation_error_message="Un dossier ne peut pas être clos avant son ouverture.",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


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
        indexes = [models.Index(fields=["dossier", "due_date"], name="claim_dossier_due_idx")]
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
    file = models.FileField("fichier", upload_to=evidence_upload_to)
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
