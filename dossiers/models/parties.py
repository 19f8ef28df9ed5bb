"""Who is owed and who owes: creditors, debtors and the debtors' contacts."""

import re
import unicodedata

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dossiers.constraints import iban_is_well_formed, siren_is_valid
from dossiers.validators import (
    validate_bic,
    validate_iban,
    validate_siren,
    validate_vat_number,
)
from journal.personal_data import ANONYMISED


class LegalBasis(models.TextChoices):
    """GDPR art. 6 bases for "gestion des impayés" (docs/legal.md §9)."""

    CONTRACT = "contract", "Exécution du contrat (art. 6-1-b RGPD)"
    LEGITIMATE_INTEREST = "legitimate_interest", "Intérêt légitime (art. 6-1-f RGPD)"
    BOTH = "both", "Exécution du contrat et intérêt légitime (art. 6-1-b et 6-1-f)"


# Words a creditor's code skips: legal forms and the small words of a French name.
_CODE_SKIPPED = {
    "SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCI", "SCOP", "SCS", "SCA", "SE", "GIE",
    "ET", "DE", "DU", "DES", "LA", "LE", "LES", "AU", "AUX", "EN", "SUR", "POUR", "CIE",
}  # fmt: skip
CODE_MAX_LENGTH = 12
validate_naf_code = RegexValidator(
    r"^\d{2}\.\d{2}[A-Z]$",
    "Le code NAF : deux chiffres, un point, deux chiffres et une lettre (43.22A).",
)
validate_creditor_code = RegexValidator(
    r"^[A-Z0-9]{2,12}$",
    "Le code du créancier : 2 à 12 lettres majuscules ou chiffres, sans accent.",
)


def creditor_code_from_name(name: str) -> str:
    """A short code read from the legal name, for the dossier references (« DOS-FIR-2026-… »):
    the initials of its first three words (legal forms and small words left out), or the first
    three letters of a shorter name."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    # Elided articles go with their apostrophe (L'Atelier, d'Orfèvrerie).
    words = [
        word
        for word in re.split(r"[^A-Z0-9]+", re.sub(r"\b[LD]'", " ", plain.replace("’", "'")))
        if word and word not in _CODE_SKIPPED and any(c.isalpha() for c in word)
    ]
    if len(words) >= 3:
        return "".join(word[0] for word in words[:3])
    code = "".join(words)[:3]
    return code if len(code) >= 2 else "CR"


class Creditor(models.Model):
    """A company whose invoices are recovered (créancier)."""

    legal_name = models.CharField("raison sociale", max_length=200)
    code = models.CharField(
        "code",
        max_length=CODE_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        validators=[validate_creditor_code],
        help_text=(
            "Dans les références de ses dossiers (DOS-<code>-<année>-<numéro>). "
            "Laissé vide : tiré de la raison sociale."
        ),
    )
    siren = models.CharField(
        "SIREN", max_length=9, unique=True, validators=[validate_siren], help_text="9 chiffres."
    )
    vat_number = models.CharField(
        "numéro de TVA intracommunautaire",
        max_length=16,
        blank=True,
        default="",
        db_default="",
        validators=[validate_vat_number],
        help_text="FR et 11 chiffres ; retrouve le créancier dans une facture Factur-X.",
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
    waives_accessories = models.BooleanField(
        "renonce aux accessoires après paiement du principal",
        default=False,
        help_text=(
            "Coché : un dossier professionnel réglé en retard est clos dès le paiement du "
            "principal. Décoché : les pénalités de retard et l'indemnité forfaitaire de 40 € "
            "restent réclamées (C. com. L441-10 II, D441-5)."
        ),
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    # Who sees what (dossiers.scoping): the managers in charge of this creditor's portfolio, and
    # whether its unassigned dossiers form a pool that any controller may see and take up.
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_creditors",
        verbose_name="responsables du portefeuille",
        help_text="Les responsables recouvrement qui voient les dossiers de ce créancier.",
    )
    unassigned_pool_open = models.BooleanField(
        "dossiers non attribués visibles des chargés",
        default=False,
        help_text="Les chargés de recouvrement voient et traitent les dossiers non attribués.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "créancier"
        verbose_name_plural = "créanciers"
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="creditor_code_unique",
                violation_error_message="Ce code est déjà celui d'un autre créancier.",
            ),
            models.UniqueConstraint(
                fields=["vat_number"],
                condition=~Q(vat_number=""),
                name="creditor_vat_number_unique",
                violation_error_message="Ce numéro de TVA est déjà celui d'un autre créancier.",
            ),
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

    def save(self, *args, **kwargs):
        # Every way in (services, admin, API, fixtures) gets a code, so that every dossier
        # reference names its creditor; a code chosen by hand is kept, in capitals.
        self.code = (self.code if isinstance(self.code, str) else "").strip().upper()
        if not self.code:
            self.code = self.free_code(creditor_code_from_name(self.legal_name))
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "code"}
        super().save(*args, **kwargs)

    def free_code(self, base: str) -> str:
        """``base``, or ``base`` followed by the first number that no other creditor uses."""
        taken = set(
            Creditor.objects.exclude(pk=self.pk)
            .filter(code__startswith=base)
            .values_list("code", flat=True)
        )
        code, number = base, 1
        while code in taken:
            number += 1
            code = f"{base[: CODE_MAX_LENGTH - len(str(number))]}{number}"
        return code


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
    # The debtor's activity (code APE of the SIRENE register, NAF rév. 2): its sector, read by
    # the payment-probability score (scoring.sectors); a company's public fact, not a person's.
    naf_code = models.CharField(
        "code NAF (APE)",
        max_length=6,
        blank=True,
        default="",
        db_default="",
        validators=[validate_naf_code],
        help_text="Activité principale de l'entreprise (ex. 43.22A) ; vide pour un consommateur.",
    )
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
                # A purged contact (GDPR) keeps neither: its name carries the marker.
                condition=~Q(email="") | ~Q(phone="") | Q(name=ANONYMISED),
                name="debtor_contact_reachable",
                violation_error_message="Un contact doit avoir un e-mail ou un téléphone.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email or self.phone} ({self.get_role_display()})"
