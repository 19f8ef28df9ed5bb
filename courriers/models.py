"""Letters and messages: versioned templates, what went out (kept as evidence), the day's letter
batches, approval batches and each creditor's messaging settings."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dossiers.models import Creditor, Dossier, Evidence
from relances.models import CallLog, Channel, Reminder


class DebtorKind(models.TextChoices):
    ANY = "", "Tous"
    PROFESSIONAL = "professional", "Professionnels"
    CONSUMER = "consumer", "Consommateurs"


class TemplateKind(models.TextChoices):
    """What the message is; decides the legal blocks the layout adds (docs/legal.md §4)."""

    INFORMAL = "informal", "Relance informelle"
    AMICABLE = "amicable", "Relance amiable"
    FIRM = "firm", "Relance ferme"
    FORMAL_NOTICE = "formal_notice", "Mise en demeure"
    PLAN_CONFIRMATION = "plan_confirmation", "Confirmation d'échéancier"
    CALL_RECAP = "call_recap", "Récapitulatif d'appel"
    DISPUTE_ACK = "dispute_ack", "Accusé de réception d'une contestation"
    THANK_YOU = "thank_you", "Remerciement après paiement"
    # The principal is paid late: only the penalties and the 40 EUR indemnity are claimed
    # (C. com. L441-10 II, D441-5), professionals only.
    ACCESSORIES = "accessories", "Relance des accessoires (pénalités et indemnité)"


# "From the second level on" (docs/legal.md §4): the firm reminder and the formal notice state the
# penalties and the 40 EUR indemnity to a professional (C. com. L441-10 II, D441-5).
KINDS_WITH_PENALTIES = {TemplateKind.FIRM, TemplateKind.FORMAL_NOTICE, TemplateKind.ACCESSORIES}


class MessageTemplate(models.Model):
    """One version of a template. A version already used is never edited: saving makes a new
    version (``courriers.versions.template_save``); only the current version is used."""

    code = models.SlugField("code", max_length=60, help_text="Celui des étapes de cadence.")
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    debtor_kind = models.CharField(
        "débiteurs visés", max_length=20, choices=DebtorKind.choices, blank=True, default=""
    )
    kind = models.CharField("nature", max_length=20, choices=TemplateKind.choices)
    label = models.CharField("libellé", max_length=150)
    version = models.PositiveSmallIntegerField("version", default=1)
    subject = models.CharField("objet", max_length=300)
    body = models.TextField(
        "texte",
        help_text=(
            "Le corps du message. Les mentions obligatoires (factures, montants, paiement, "
            "RGPD…) sont ajoutées par la mise en page."
        ),
    )
    is_current = models.BooleanField("version en vigueur", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "modèle de message"
        verbose_name_plural = "modèles de message"
        ordering = ["code", "channel", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "channel", "version"], name="template_version_unique"
            ),
            models.UniqueConstraint(
                fields=["code", "channel"],
                condition=Q(is_current=True),
                name="template_one_current_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_channel_display()}, v{self.version})"

    @property
    def is_used(self) -> bool:
        return self.messages.exists()


class CreditorMessaging(models.Model):
    """How a creditor's messages go out: payment link, test mode, thank-you, reply-to."""

    creditor = models.OneToOneField(
        Creditor, on_delete=models.CASCADE, related_name="messaging", verbose_name="créancier"
    )
    payment_link_pattern = models.CharField(
        "modèle de lien de paiement",
        max_length=300,
        blank=True,
        help_text="Par ex. https://paiement.example.fr/?facture={invoice}&montant={amount} "
        "({invoice} : numéro de facture, {amount} : montant, {reference} : dossier).",
    )
    test_mode = models.BooleanField(
        "mode test", default=False, help_text="Tout message part vers l'adresse de test."
    )
    test_email = models.EmailField("adresse de test", blank=True)
    thank_you_enabled = models.BooleanField("remerciement après paiement complet", default=False)
    reply_to = models.EmailField(
        "adresse de réponse (contestations)",
        blank=True,
        help_text="Vide : l'e-mail du service recouvrement.",
    )
    principal_name = models.CharField(
        "créancier mandant (société de recouvrement)", max_length=200, blank=True
    )
    principal_address = models.CharField("adresse du mandant", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "paramètres d'envoi d'un créancier"
        verbose_name_plural = "paramètres d'envoi des créanciers"
        constraints = [
            models.CheckConstraint(
                condition=Q(test_mode=False) | ~Q(test_email=""),
                name="messaging_test_mode_has_address",
                violation_error_message="Le mode test demande une adresse de test.",
            )
        ]

    def __str__(self) -> str:
        return f"Envois — {self.creditor}"


def _sent_upload_to(instance: SentMessage, filename: str) -> str:
    return f"envois/{instance.dossier_id}/{filename}"


def _batch_upload_to(instance: LetterBatch, filename: str) -> str:
    return f"lots-courriers/{instance.day:%Y/%m}/{filename}"


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class LetterBatch(models.Model):
    """The day's letters gathered into one printable PDF with its manifest for the post office."""

    day = models.DateField("journée")
    pdf = models.FileField("PDF à imprimer", upload_to=_batch_upload_to, max_length=255)
    pdf_sha256 = models.CharField("SHA-256 du PDF", max_length=64)
    manifest = models.FileField("bordereau (CSV)", upload_to=_batch_upload_to, max_length=255)
    manifest_sha256 = models.CharField("SHA-256 du bordereau", max_length=64)
    letters_count = models.PositiveIntegerField("nombre de courriers")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="préparé par",
    )
    created_at = models.DateTimeField("préparé le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "lot de courriers"
        verbose_name_plural = "lots de courriers"
        ordering = ["-day", "-pk"]

    def __str__(self) -> str:
        return f"Lot du {self.day:%d/%m/%Y} ({self.letters_count} courriers)"


class SentMessage(models.Model):
    """What went out, exactly: subject, text, HTML and PDF with their SHA-256. The content is
    never edited after creation (``save`` refuses); only the delivery status moves."""

    class Status(models.TextChoices):
        SENT = "sent", "Envoyé"
        DELIVERED = "delivered", "Distribué"
        RETURNED = "returned", "Retourné (NPAI)"
        FAILED = "failed", "Échec de distribution"

    CONTENT_FIELDS = (
        "dossier_id",
        "reminder_id",
        "call_log_id",
        "template_id",
        "kind",
        "channel",
        "recipient",
        "is_test",
        "subject",
        "body_text",
        "body_html",
        "text_sha256",
        "html_sha256",
        "pdf_sha256",
        "message_id",
    )

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="sent_messages", verbose_name="dossier"
    )
    reminder = models.ForeignKey(
        Reminder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sent_messages",
        verbose_name="relance",
    )
    call_log = models.ForeignKey(
        CallLog,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sent_messages",
        verbose_name="appel",
    )
    template = models.ForeignKey(
        MessageTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name="modèle (version)",
    )
    kind = models.CharField("nature", max_length=20, choices=TemplateKind.choices)
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    recipient = models.CharField("destinataire", max_length=500)
    is_test = models.BooleanField("envoi de test", default=False)
    subject = models.CharField("objet", max_length=300, blank=True)
    body_text = models.TextField("texte envoyé", blank=True)
    body_html = models.TextField("HTML envoyé", blank=True)
    pdf = models.FileField("PDF envoyé", upload_to=_sent_upload_to, blank=True, max_length=255)
    text_sha256 = models.CharField("SHA-256 du texte", max_length=64)
    html_sha256 = models.CharField("SHA-256 du HTML", max_length=64, blank=True)
    pdf_sha256 = models.CharField("SHA-256 du PDF", max_length=64, blank=True)
    message_id = models.CharField("Message-ID", max_length=300, blank=True)
    sent_at = models.DateTimeField("envoyé le")
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.SENT)
    status_note = models.CharField("remarque", max_length=300, blank=True)
    status_changed_on = models.DateField("statut changé le", null=True, blank=True)
    registered_number = models.CharField(
        "numéro de recommandé", max_length=30, blank=True, db_index=True
    )
    receipt = models.ForeignKey(
        Evidence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="accusé de réception",
    )
    batch = models.ForeignKey(
        LetterBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name="lot de courriers",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "envoi"
        verbose_name_plural = "envois"
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["channel", "batch"], name="sentmessage_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_channel_display()} ({self.sent_at:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = (
                type(self).objects.filter(pk=self.pk).values(*self.CONTENT_FIELDS, "pdf").first()
            )
            if stored is not None:
                changed = [f for f in self.CONTENT_FIELDS if stored[f] != getattr(self, f)]
                if stored["pdf"] and stored["pdf"] != self.pdf.name:
                    changed.append("pdf")
                if changed:
                    raise ValueError(
                        "Une preuve d'envoi n'est jamais modifiée : " + ", ".join(changed)
                    )
        super().save(*args, **kwargs)

    @property
    def is_letter(self) -> bool:
        return self.channel in (Channel.LETTER, Channel.REGISTERED_LETTER)


class ApprovalBatch(models.Model):
    """Many letters approved at once: a Celery task approves them one by one, the page polls."""

    class Status(models.TextChoices):
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"

    reminder_ids = models.JSONField("relances", default=list)
    total = models.PositiveIntegerField("nombre")
    done = models.PositiveIntegerField("traitées", default=0)
    failed = models.PositiveIntegerField("refusées", default=0)
    errors = models.TextField("motifs de refus", blank=True)
    outcomes = models.JSONField(
        "résultat par courrier",
        default=list,
        blank=True,
        help_text="Pour chaque courrier : dossier, débiteur, canal, issue (envoyé, refusé…).",
    )
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="lancé par",
    )
    created_at = models.DateTimeField("lancé le", auto_now_add=True)

    class Meta:
        verbose_name = "validation groupée"
        verbose_name_plural = "validations groupées"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Validation groupée n° {self.pk}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * (self.done + self.failed) / self.total)


class DeliveryAttempt(models.Model):
    """One attempt at sending a message, on any channel: the outbox row committed **before**
    the send (or the hand-over to the SMS or postal provider), its result committed after
    (``courriers.delivery``). Its subject is a reminder, the recap of a call, or a one-off
    message of the dossier (thank-you, plan confirmation, dispute acknowledgment).

    Every attempt of one subject carries the same key (``message_id``: the e-mail's Message-ID,
    the SMS's and the letter's idempotency key given to the provider), the first one's: a task
    redelivered after a crash, finding an attempt of unknown outcome, sends again with that key,
    so that mail clients fold the two copies (and a provider keyed on it sends once), and both
    attempts stay here."""

    class Status(models.TextChoices):
        PENDING = "pending", "En cours"
        ACCEPTED = "accepted", "Accepté par le serveur"
        FAILED = "failed", "Échec"
        UNKNOWN = "unknown", "Issue inconnue (interrompu)"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="delivery_attempts", verbose_name="dossier"
    )
    reminder = models.ForeignKey(
        Reminder,
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name="relance",
        null=True,
        blank=True,
    )
    call_log = models.ForeignKey(
        CallLog,
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name="appel (récapitulatif)",
        null=True,
        blank=True,
    )
    # What is sent when it is not a reminder: the template's label (« Remerciement »...).
    label = models.CharField("envoi", max_length=200, blank=True)
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    recipient = models.CharField("destinataire", max_length=500)
    message_id = models.CharField("Message-ID ou clé d'envoi", max_length=300, db_index=True)
    provider_id = models.CharField("référence du prestataire", max_length=200, blank=True)
    content_sha256 = models.CharField("empreinte SHA-256 du contenu", max_length=64)
    status = models.CharField(
        "issue", max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # The server's answer may quote the address: personal data (journal.personal_data).
    error = models.CharField("erreur", max_length=300, blank=True)
    started_at = models.DateTimeField("commencé le")
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    retry_at = models.DateTimeField("nouvel essai à", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "essai d'envoi"
        verbose_name_plural = "essais d'envoi"
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["status", "started_at"], name="attempt_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=Q(status="pending"),
                name="one_pending_attempt_per_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id} — {self.get_status_display()}"

    @property
    def subject(self) -> str:
        if self.reminder_id:
            return self.reminder.step.label
        if self.call_log_id:
            return "Récapitulatif de l'appel"
        return self.label


class ChannelOutage(models.Model):
    """A channel failing (the SMTP server unreachable, the SMS provider refusing): opened at the
    first failed attempt, closed at the next accepted one. Once it has lasted
    ``CHANNEL_OUTAGE_ALERT_MINUTES`` the managers are alerted (on « Ma journée », the dashboard
    and once by e-mail: ``alerted_at``). ``last_error`` is the kind of error only (« serveur
    SMTP injoignable »), never the server's words, which may quote an address."""

    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    started_at = models.DateTimeField("depuis le")
    ended_at = models.DateTimeField("rétabli le", null=True, blank=True)
    failures = models.PositiveIntegerField("essais en échec", default=0)
    last_error = models.CharField("dernière erreur", max_length=200, blank=True)
    last_failure_at = models.DateTimeField("dernier échec le")
    alerted_at = models.DateTimeField("responsables alertés le", null=True, blank=True)

    class Meta:
        verbose_name = "panne d'un canal"
        verbose_name_plural = "pannes des canaux"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"], condition=Q(ended_at=None), name="one_open_outage_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} en panne depuis {self.started_at:%d/%m/%Y %H:%M}"
