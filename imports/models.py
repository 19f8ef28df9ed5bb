"""What an import leaves behind: the batch (file, preview, progress, outcome), the column
mapping remembered per creditor, the API's idempotency keys and the e-invoicing statuses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dossiers.models import Claim, Creditor


class ImportKind(models.TextChoices):
    CLAIMS = "claims", "Factures"
    PAYMENTS = "payments", "Paiements"
    LIFECYCLE = "lifecycle", "Statuts de facturation électronique"
    BODACC = "bodacc", "Jugements BODACC"


def import_upload_to(instance: "ImportBatch", filename: str) -> str:
    return f"imports/{instance.kind}/{filename}"


class ColumnMapping(models.Model):
    """Which column of a creditor's files holds which field, remembered for the next file."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name="créancier"
    )
    kind = models.CharField("nature", max_length=20, choices=ImportKind.choices)
    # {normalised column header: field code (or "ignorer")}
    columns = models.JSONField("correspondance des colonnes", default=dict)
    # {normalised column header: decimal mark, "virgule" or "point"} for the amount columns
    # whose format the user chose (imports.parsing.NUMBER_FORMATS)
    number_formats = models.JSONField("format des nombres", default=dict, blank=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)

    class Meta:
        verbose_name = "correspondance de colonnes"
        verbose_name_plural = "correspondances de colonnes"
        constraints = [
            models.UniqueConstraint(fields=["creditor", "kind"], name="mapping_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.creditor} — {self.get_kind_display()}"


class ImportBatch(models.Model):
    """One uploaded file, from its preview to its outcome. The file itself is kept."""

    class Status(models.TextChoices):
        VALIDATING = "validating", "Analyse en cours"
        INVALID = "invalid", "Erreurs à corriger"
        READY = "ready", "Prêt à importer"
        IMPORTING = "importing", "Import en cours"
        DONE = "done", "Importé"
        FAILED = "failed", "Échec, rien n'a été enregistré"

    kind = models.CharField("nature", max_length=20, choices=ImportKind.choices)
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créancier",
    )
    file = models.FileField("fichier", upload_to=import_upload_to)
    original_name = models.CharField("nom d'origine", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    columns = models.JSONField("correspondance des colonnes", default=dict, blank=True)
    number_formats = models.JSONField("format des nombres", default=dict, blank=True)
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.VALIDATING
    )
    total_rows = models.PositiveIntegerField("lignes", default=0)
    processed_rows = models.PositiveIntegerField("lignes traitées", default=0)
    error_count = models.PositiveIntegerField("lignes en erreur", default=0)
    # [{"row": 3, "errors": ["..."]}], the file's own problems under row 0.
    errors = models.JSONField("erreurs", default=list, null=True, blank=True)
    # One line per row for the preview: [row, reference, party, amount, date, action].
    preview = models.JSONField("aperçu", default=list, null=True, blank=True)
    summary = models.JSONField("bilan", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="déposé par",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    # The preview and the error list can be megabytes: the history keeps statuses and counts.
    history = HistoricalRecords(excluded_fields=["preview", "errors"])

    class Meta:
        verbose_name = "import"
        verbose_name_plural = "imports"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0 if self.status in (self.Status.VALIDATING, self.Status.IMPORTING) else 100
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.IMPORTING)


class CheckedRows(models.Model):
    """A file's rows as its check read them (cells parsed: dates, amounts, SIREN...), kept from
    the preview to the import so that the import does not read and parse the file again (it
    still compares every row with the database). Working data derived from the file, not a
    record: no history; deleted once the import ran, cleared with the file after
    ``RGPD_TRANSIENT_RETENTION_DAYS``."""

    batch = models.OneToOneField(
        ImportBatch, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    rows = models.JSONField("lignes lues", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "lignes contrôlées"
        verbose_name_plural = "lignes contrôlées"

    def __str__(self) -> str:
        return f"Lignes contrôlées de l'import n° {self.batch_id}"


class IdempotencyKey(models.Model):
    """A POST already answered: a retry with the same key gets the same answer, nothing twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="compte"
    )
    key = models.CharField("clé", max_length=255)
    method = models.CharField("méthode", max_length=10)
    path = models.CharField("adresse", max_length=500)
    request_hash = models.CharField("empreinte de la requête", max_length=64)
    status_code = models.PositiveSmallIntegerField("code de réponse", null=True, blank=True)
    response_body = models.JSONField("réponse", null=True, blank=True)
    created_at = models.DateTimeField("reçue le", auto_now_add=True)

    class Meta:
        verbose_name = "clé d'idempotence"
        verbose_name_plural = "clés d'idempotence"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return self.key


class InvoiceStatus(models.TextChoices):
    """The lifecycle statuses of the French e-invoicing reform (docs/legal.md §10)."""

    COLLECTED = "encaissee", "Encaissée"
    REFUSED = "refusee", "Refusée"
    REJECTED = "rejetee", "Rejetée"
    IN_DISPUTE = "en_litige", "En litige"
    APPROVED = "approuvee", "Approuvée"


class InvoiceStatusEvent(models.Model):
    """A lifecycle status received for an invoice, by the API or in a file; applied once."""

    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="status_events", verbose_name="facture"
    )
    status = models.CharField("statut", max_length=20, choices=InvoiceStatus.choices)
    occurred_on = models.DateField("date du statut")
    amount = models.DecimalField(
        "montant encaissé", max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.CharField("motif", max_length=300, blank=True)
    source = models.CharField("source", max_length=20, default="api")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="reçu par",
    )
    received_at = models.DateTimeField("reçu le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "statut de facture électronique"
        verbose_name_plural = "statuts de factures électroniques"
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "status", "occurred_on"],
                name="invoice_status_once",
                violation_error_message="Ce statut a déjà été reçu pour cette facture ce jour-là.",
            ),
            models.CheckConstraint(
                condition=~Q(status="encaissee") | Q(amount__gt=0),
                name="invoice_status_collected_has_amount",
                violation_error_message="Le statut « Encaissée » porte le montant encaissé.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} — {self.get_status_display()}"


# Bank statements live in their own package; their models are the imports app's.
from imports.statements.models import (  # noqa: E402
    BankStatement,
    BankTransaction,
    KnownIban,
    StatementFormat,
)

__all__ = [
    "BankStatement",
    "BankTransaction",
    "ColumnMapping",
    "IdempotencyKey",
    "ImportBatch",
    "ImportKind",
    "InvoiceStatus",
    "InvoiceStatusEvent",
    "KnownIban",
    "StatementFormat",
]
