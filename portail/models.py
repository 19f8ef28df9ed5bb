"""The debtor's self-service page, its low part: the creditor's portal settings, the personal
links (stored hashed), the visits and actions journaled, and the attempts that rate-limit
guessing. The pages themselves live in ``portail_web`` (above the letters, which print the
links made here)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from dossiers.models import Creditor, DebtorContact, Dossier, Evidence
from legal.grammar import de


class PortalSettings(models.Model):
    """What a creditor lets its debtors do on their page (docs/portail.md)."""

    creditor = models.OneToOneField(
        Creditor,
        on_delete=models.CASCADE,
        related_name="portal_settings",
        verbose_name="créancier",
    )
    enabled = models.BooleanField(
        "espace débiteur ouvert",
        default=True,
        help_text="Décoché : les messages ne portent plus de lien et les liens déjà envoyés "
        "ne montrent plus rien.",
    )
    allow_promise = models.BooleanField("promesse de paiement", default=True)
    allow_plan = models.BooleanField("proposition d'échéancier", default=True)
    allow_dispute = models.BooleanField("contestation", default=True)
    allow_already_paid = models.BooleanField("« déjà payé »", default=True)
    allow_contact_update = models.BooleanField("mise à jour des coordonnées", default=True)
    allow_rights = models.BooleanField("exercice des droits RGPD", default=True)
    promise_max_days = models.PositiveSmallIntegerField(
        "délai maximal d'une promesse (jours)", default=30
    )
    plan_max_installments = models.PositiveSmallIntegerField(
        "nombre maximal de mensualités", default=6
    )
    plan_min_installment = models.DecimalField(
        "mensualité minimale (€)", max_digits=10, decimal_places=2, default=Decimal("50.00")
    )
    link_days = models.PositiveSmallIntegerField(
        "validité d'un lien (jours)", default=90, help_text="Un lien expiré ne montre plus rien."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "paramètres de l'espace débiteur"
        verbose_name_plural = "paramètres de l'espace débiteur"
        constraints = [
            models.CheckConstraint(
                condition=Q(promise_max_days__gte=1),
                name="portal_promise_days_positive",
                violation_error_message="Le délai d'une promesse est d'au moins un jour.",
            ),
            models.CheckConstraint(
                condition=Q(plan_max_installments__gte=1),
                name="portal_plan_installments_positive",
                violation_error_message="Un échéancier compte au moins une mensualité.",
            ),
            models.CheckConstraint(
                condition=Q(link_days__gte=7),
                name="portal_link_days_at_least_a_week",
                violation_error_message="Un lien vaut au moins 7 jours.",
            ),
        ]

    def __str__(self) -> str:
        return f"Espace débiteur {de(str(self.creditor))}"


class PortalAccess(models.Model):
    """One personal link: a dossier and the contact it was sent to.

    The link carries an HMAC of ``public_id`` under the server's key (``portail.tokens``); the
    database keeps only the SHA-256 of that token, to find the row, so that someone reading
    the database cannot rebuild a link."""

    public_id = models.UUIDField("identifiant", default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="portal_accesses", verbose_name="dossier"
    )
    contact = models.ForeignKey(
        DebtorContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="contact",
    )
    key_hash = models.CharField("empreinte du lien", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_reason = models.CharField("motif de la révocation", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "lien de l'espace débiteur"
        verbose_name_plural = "liens de l'espace débiteur"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="portal_access_expires_after_creation",
                violation_error_message="Un lien expire après sa création.",
            ),
        ]

    def __str__(self) -> str:
        return f"Lien n° {self.pk} du dossier {self.dossier_id}"

    def is_valid(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class PortalEvent(models.Model):
    """What happened on the debtor's page: a visit (what was seen) or an action (with its
    evidence). Every row is journaled in the dossier's hash chain; an action waits for a
    controller's look in « Ma journée » until it is marked as checked."""

    class Kind(models.TextChoices):
        VERIFIED = "verified", "Accès vérifié (second facteur)"
        FACTOR_FAILED = "factor_failed", "Second facteur refusé"
        VIEW = "view", "Consultation du dossier"
        DOCUMENT = "document", "Document téléchargé"
        PROMISE = "promise", "Promesse de paiement"
        PLAN = "plan", "Échéancier accepté"
        PLAN_PROPOSED = "plan_proposed", "Échéancier proposé (hors règles)"
        DISPUTE = "dispute", "Contestation"
        ALREADY_PAID = "already_paid", "« Déjà payé » déclaré"
        CONTACT = "contact", "Coordonnées à vérifier"
        RIGHTS = "rights", "Demande RGPD"
        PAY = "pay", "Page de paiement consultée"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="portal_events", verbose_name="dossier"
    )
    access = models.ForeignKey(
        PortalAccess,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name="lien",
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    at = models.DateTimeField("le", default=timezone.now)
    # What was seen or done, in words of the trade, without personal data (ids and amounts).
    summary = models.CharField("détail", max_length=300, blank=True)
    # The debtor's own words and the data they sent (personal: purged with the debtor).
    details = models.TextField("message et données transmises", blank=True)
    evidence = models.ForeignKey(
        Evidence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="pièce",
    )
    checked_at = models.DateTimeField("vérifiée le", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="vérifiée par",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "événement de l'espace débiteur"
        verbose_name_plural = "événements de l'espace débiteur"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(
                fields=["dossier", "at"],
                name="portal_event_dossier_idx",
            ),
            models.Index(
                fields=["kind"],
                condition=Q(checked_at__isnull=True),
                name="portal_event_unchecked_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {timezone.localtime(self.at):%d/%m/%Y %H:%M}"

    @property
    def is_action(self) -> bool:
        return self.kind in self.ACTIONS


# The events that wait for a controller's look (the others are visits).
PortalEvent.ACTIONS = tuple(
    PortalEvent.Kind(kind)
    for kind in ("promise", "plan", "plan_proposed", "dispute", "already_paid", "contact", "rights")
)


class PortalAttempt(models.Model):
    """One try at a link or at its second factor, for the rate limits: the address is kept
    only as a keyed digest, and every row goes after RGPD_TRANSIENT_RETENTION_DAYS."""

    at = models.DateTimeField("le", default=timezone.now, db_index=True)
    address_key = models.CharField("adresse (empreinte)", max_length=64, db_index=True)
    access = models.ForeignKey(
        PortalAccess,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attempts",
        verbose_name="lien",
    )
    succeeded = models.BooleanField("réussie", default=False)

    class Meta:
        verbose_name = "tentative d'accès à l'espace débiteur"
        verbose_name_plural = "tentatives d'accès à l'espace débiteur"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Tentative du {timezone.localtime(self.at):%d/%m/%Y %H:%M}"
