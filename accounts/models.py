"""API tokens and second-factor enrolment invitations.

Neither secret is stored: a token's key and an invitation's link are shown once, and only their
SHA-256 is kept (with a short prefix to find the row). Their history (django-simple-history)
is the journal of who issued, used and revoked them, and why.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A key for the REST API (``Authorization: Token <clé>``), owned by one user, with an
    expiry; revoked by its owner (« Jetons d'API ») or an admin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="titulaire",
    )
    name = models.CharField(
        "nom",
        max_length=100,
        help_text="À quoi sert ce jeton (par exemple « ERP comptable »).",
    )
    prefix = models.CharField("début de la clé", max_length=16, unique=True, editable=False)
    digest = models.CharField("empreinte SHA-256", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    expires_at = models.DateTimeField("expire le")
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="révoqué par",
    )

    objects = ApiTokenQuerySet.as_manager()
    # The journal of issuance and revocation; the last use is a mere timestamp, not an event.
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def state_label(self) -> str:
        if self.is_revoked:
            return "Révoqué"
        if self.is_expired:
            return "Expiré"
        return "Actif"


class EnrolmentInvitation(models.Model):
    """An admin's single-use, expiring link that lets one user enrol their first second-factor
    device: the password alone never does (someone holding only the password of an account
    that never enrolled would otherwise bind their own phone to it).

    A *reset* link (« Réinitialisation ») is the way back for a forgotten password or a lost
    phone: opened without logging in, it sets a new password and enrols a new device, the old
    devices removed (``accounts.tokens.access_reset``)."""

    class Purpose(models.TextChoices):
        ENROLMENT = "enrolment", "Premier enrôlement (après connexion avec le mot de passe)"
        RESET = "reset", "Réinitialisation : mot de passe oublié ou téléphone perdu"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolment_invitations",
        verbose_name="utilisateur",
    )
    purpose = models.CharField(
        "objet", max_length=10, choices=Purpose.choices, default=Purpose.ENROLMENT
    )
    prefix = models.CharField("début du lien", max_length=16, unique=True, editable=False)
    digest = models.CharField("empreinte SHA-256", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("émise le", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="émise par",
    )
    expires_at = models.DateTimeField("expire le")
    used_at = models.DateTimeField("utilisée le", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "invitation à la double authentification"
        verbose_name_plural = "invitations à la double authentification"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Invitation de {self.user} ({self.prefix}…)"

    @property
    def state_label(self) -> str:
        if self.used_at:
            return "Utilisée"
        if self.expires_at <= timezone.now():
            return "Expirée"
        return "En attente"
