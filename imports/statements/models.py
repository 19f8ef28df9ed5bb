"""Bank statements and their lines, with the match each line got, and the IBANs learned.

Registered under the ``imports`` app (imported by ``imports/models.py``). A statement is kept
once per file content (SHA-256, unique); a line once per bank transaction, whatever the file it
came in (``key``: account, booking date, direction, amount and the bank's reference), so the
same statement or the same transaction twice creates nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dossiers.models import Creditor, Debtor, Dossier, Payment


class StatementFormat(models.TextChoices):
    CAMT053 = "camt.053", "ISO 20022 camt.053 (relevé)"
    CAMT054 = "camt.054", "ISO 20022 camt.054 (avis)"
    CFONB120 = "cfonb120", "CFONB 120"
    MT940 = "mt940", "SWIFT MT940"


def statement_upload_to(instance: BankStatement, filename: str) -> str:
    return f"releves/{instance.sha256[:2]}/{filename}"


class BankStatement(models.Model):
    """One bank statement file, as received (upload, drop folder or API)."""

    format = models.CharField("format", max_length=20, choices=StatementFormat.choices)
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créancier",
    )
    account = models.CharField("compte", max_length=34)
    statement_id = models.CharField("identifiant du relevé", max_length=100, blank=True)
    start = models.DateField("du", null=True, blank=True)
    end = models.DateField("au", null=True, blank=True)
    opening_balance = models.DecimalField(
        "solde initial", max_digits=14, decimal_places=2, null=True, blank=True
    )
    closing_balance = models.DecimalField(
        "solde final", max_digits=14, decimal_places=2, null=True, blank=True
    )
    file = models.FileField("fichier", upload_to=statement_upload_to)
    original_name = models.CharField("nom d'origine", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    source = models.CharField("source", max_length=20, default="upload")
    # {"lines": n, "new": n, "known": n, "posted": n, "proposed": n, "unmatched": n, ...}
    summary = models.JSONField("bilan", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposé par",
    )
    created_at = models.DateTimeField("reçu le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "relevé bancaire"
        verbose_name_plural = "relevés bancaires"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} — {self.original_name}"

    @property
    def waiting_count(self) -> int:
        """Lines the matching left for a person, as counted at import."""
        summary = self.summary or {}
        return sum(summary.get(key, 0) for key in ("proposed", "unmatched", "to_review"))


class BankTransaction(models.Model):
    """One line of a statement: money in or out, and what became of it."""

    class Direction(models.TextChoices):
        CREDIT = "credit", "Crédit"
        DEBIT = "debit", "Débit"

    class Kind(models.TextChoices):
        TRANSFER = "transfer", "Virement"
        DIRECT_DEBIT = "direct_debit", "Prélèvement"
        CHEQUE = "cheque", "Chèque"
        CARD = "card", "Carte bancaire"
        RETURN = "return", "Rejet ou retour"
        FEES = "fees", "Frais bancaires"
        OTHER = "other", "Autre"

    class Status(models.TextChoices):
        POSTED = "posted", "Paiement enregistré"
        PROPOSED = "proposed", "Rapprochement proposé"
        UNMATCHED = "unmatched", "Non rapproché"
        TO_REVIEW = "to_review", "À examiner"
        SPLIT = "split", "Réparti entre plusieurs dossiers"
        RETURNED = "returned", "Rejet appliqué"
        IGNORED = "ignored", "Écarté"

    class Rule(models.TextChoices):
        RF = "rf", "Référence RF"
        INVOICE = "invoice", "Numéro de facture"
        IBAN = "iban", "IBAN connu et montant"
        MANUAL = "manual", "Rapprochement manuel"
        NONE = "", "Aucune"

    statement = models.ForeignKey(
        BankStatement,
        on_delete=models.PROTECT,
        related_name="transactions",
        verbose_name="relevé",
    )
    line = models.PositiveIntegerField("ligne du fichier")
    key = models.CharField("clé de l'opération", max_length=64, unique=True)
    # A line split by a person between several dossiers: one share per dossier, each with its
    # payment; the line itself is then « Réparti ».
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shares",
        verbose_name="opération répartie",
    )
    account = models.CharField("compte", max_length=34)
    booked_on = models.DateField("date de comptabilisation")
    value_on = models.DateField("date de valeur", null=True, blank=True)
    amount = models.DecimalField("montant", max_digits=14, decimal_places=2)
    direction = models.CharField("sens", max_length=10, choices=Direction.choices)
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    bank_code = models.CharField("code opération", max_length=40, blank=True)
    bank_reference = models.CharField("référence bancaire", max_length=100, blank=True)
    end_to_end_id = models.CharField("référence de bout en bout", max_length=100, blank=True)
    counterparty_name = models.CharField("donneur d'ordre", max_length=140, blank=True)
    counterparty_iban = models.CharField("IBAN du donneur d'ordre", max_length=34, blank=True)
    remittance = models.CharField("libellé", max_length=500, blank=True)
    structured_reference = models.CharField("référence structurée", max_length=35, blank=True)

    status = models.CharField("statut", max_length=20, choices=Status.choices)
    rule = models.CharField("règle", max_length=20, choices=Rule.choices, blank=True)
    confidence = models.PositiveSmallIntegerField("confiance (%)", default=0)
    reason = models.CharField("motif du rapprochement", max_length=500, blank=True)
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_transactions",
        verbose_name="dossier",
    )
    # The invoice numbers the rule pointed at (shown in the queue).
    invoices = models.JSONField("factures visées", default=list, blank=True)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="paiement",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="traité par",
    )
    handled_at = models.DateTimeField("traité le", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "opération bancaire"
        verbose_name_plural = "opérations bancaires"
        ordering = ["booked_on", "pk"]
        indexes = [models.Index(fields=["status", "booked_on"], name="banktx_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="banktx_amount_positive",
                violation_error_message="Le montant d'une opération est strictement positif.",
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(payment__isnull=False, dossier__isnull=False),
                name="banktx_posted_has_payment",
                violation_error_message="Une opération rapprochée porte son paiement.",
            ),
            models.CheckConstraint(
                condition=Q(confidence__lte=100),
                name="banktx_confidence_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.amount} € du {self.booked_on:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        """Still to be handled by a person (the « Rapprochement » queue)."""
        return self.status in (self.Status.PROPOSED, self.Status.UNMATCHED, self.Status.TO_REVIEW)


class KnownIban(models.Model):
    """An account a debtor paid from, learned from a certain or confirmed match.

    Minimised: only a keyed hash of the IBAN (enough to recognise it) and its last four
    characters (to show it) are kept; both are purged with the debtor."""

    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="known_ibans", verbose_name="débiteur"
    )
    iban_hash = models.CharField("empreinte de l'IBAN", max_length=64, db_index=True)
    iban_hint = models.CharField("fin de l'IBAN", max_length=12, blank=True)
    learned_on = models.DateField("appris le")
    learned_from = models.ForeignKey(
        BankTransaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="appris de",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "IBAN connu d'un débiteur"
        verbose_name_plural = "IBAN connus des débiteurs"

    def __str__(self) -> str:
        return f"{self.debtor} — {self.iban_hint}"
