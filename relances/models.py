"""Cadence policies (data an admin edits) and the reminders the daily run creates."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dossiers.models import Creditor, Debtor, Dossier
from legal import rules


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Courrier simple"
    REGISTERED_LETTER = "registered_letter", "Lettre recommandée avec AR"
    PHONE = "phone", "Appel téléphonique"
    SMS = "sms", "SMS"


# Channels a machine delivers (``courriers``); a phone step is a call for a person to make.
DELIVERED_CHANNELS = (Channel.EMAIL, Channel.LETTER, Channel.REGISTERED_LETTER, Channel.SMS)


class Stage(models.TextChoices):
    """Which dossier state a step brings the dossier to (courtesy: none, before the due date)."""

    COURTESY = "courtesy", "Rappel de courtoisie"
    REMINDER_1 = "reminder_1", "Relance 1"
    REMINDER_2 = "reminder_2", "Relance 2"
    REMINDER_3 = "reminder_3", "Relance 3"
    FORMAL_NOTICE = "formal_notice", "Mise en demeure"
    # The accessories' own cadence, once the principal is paid late (C. com. L441-10 II,
    # D441-5): the dossier stays in « Accessoires dus » while these steps go out.
    ACCESSORIES_REMINDER = "accessories_reminder", "Rappel des accessoires"
    ACCESSORIES_LAST = "accessories_last", "Dernière relance des accessoires"


STAGE_RANK = {stage: rank for rank, stage in enumerate(Stage.values)}
# The stages that move the dossier to the state of the same name (``Dossier.advance``).
ADVANCING_STAGES = (Stage.REMINDER_1, Stage.REMINDER_2, Stage.REMINDER_3, Stage.FORMAL_NOTICE)
ACCESSORIES_STAGES = (Stage.ACCESSORIES_REMINDER, Stage.ACCESSORIES_LAST)


class CadencePolicy(models.Model):
    """A cadence: ordered steps, the spacing between contacts, the formal notice's deadline."""

    class DebtorKind(models.TextChoices):
        PROFESSIONAL = "professional", "Professionnels"
        CONSUMER = "consumer", "Consommateurs"

    name = models.CharField("nom", max_length=100, unique=True)
    debtor_kind = models.CharField("débiteurs visés", max_length=20, choices=DebtorKind.choices)
    is_default = models.BooleanField(
        "cadence par défaut", default=False, help_text="Pour ce type de débiteur."
    )
    for_accessories = models.BooleanField(
        "cadence des accessoires",
        default=False,
        help_text=(
            "La cadence courte d'un dossier professionnel dont le principal est réglé en "
            "retard : pénalités de retard et indemnité forfaitaire (C. com. L441-10 II, "
            "D441-5). Une seule par type de débiteur ; ses étapes comptent du paiement du "
            "principal."
        ),
    )
    min_spacing_days = models.PositiveSmallIntegerField(
        "espacement minimal entre deux contacts (jours)",
        default=rules.DEFAULT_CONTACT_SPACING_DAYS,
    )
    formal_notice_deadline_days = models.PositiveSmallIntegerField(
        "délai laissé par la mise en demeure (jours)",
        default=rules.DEFAULT_FORMAL_NOTICE_DEADLINE_DAYS,
    )
    notice_delivery_working_days = models.PositiveSmallIntegerField(
        "acheminement de la mise en demeure (jours ouvrés)",
        default=2,
        help_text=(
            "Le délai laissé par la mise en demeure court de sa réception présumée : le jour "
            "de l'envoi plus ce nombre de jours ouvrés (2 pour une lettre recommandée)."
        ),
    )
    tolerance = models.DecimalField(
        "seuil de relance (€)",
        max_digits=8,
        decimal_places=2,
        default=rules.DEFAULT_REMINDER_TOLERANCE,
        help_text="Aucune relance pour un solde inférieur.",
    )
    grace_days = models.PositiveSmallIntegerField(
        "délai de grâce d'une promesse ou d'une échéance (jours)", default=3
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cadence de relance"
        verbose_name_plural = "cadences de relance"
        ordering = ["debtor_kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor_kind"],
                condition=Q(is_default=True),
                name="policy_one_default_per_kind",
                violation_error_message="Il existe déjà une cadence par défaut pour ces débiteurs.",
            ),
            models.UniqueConstraint(
                fields=["debtor_kind"],
                condition=Q(for_accessories=True),
                name="policy_one_accessories_per_kind",
                violation_error_message=(
                    "Il existe déjà une cadence des accessoires pour ces débiteurs."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(for_accessories=True, is_default=True),
                name="policy_accessories_not_default",
                violation_error_message=(
                    "La cadence des accessoires n'est pas la cadence par défaut du principal."
                ),
            ),
            models.CheckConstraint(
                condition=Q(formal_notice_deadline_days__gte=8),
                name="policy_notice_deadline_reasonable",
                violation_error_message="La mise en demeure laisse au moins 8 jours.",
            ),
            models.CheckConstraint(
                condition=Q(tolerance__gte=0),
                name="policy_tolerance_not_negative",
                violation_error_message="Le seuil de relance ne peut pas être négatif.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CadenceStep(models.Model):
    """One step: so many days after the reference due date, on a channel, with a template."""

    policy = models.ForeignKey(
        CadencePolicy, on_delete=models.CASCADE, related_name="steps", verbose_name="cadence"
    )
    code = models.SlugField("code", max_length=30)
    label = models.CharField("libellé", max_length=100)
    offset_days = models.SmallIntegerField(
        "décalage (jours après l'échéance)", help_text="Négatif : rappel avant l'échéance."
    )
    stage = models.CharField("niveau", max_length=20, choices=Stage.choices)
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    template_code = models.SlugField("modèle", max_length=50)
    needs_approval = models.BooleanField("validation humaine avant envoi", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "étape de cadence"
        verbose_name_plural = "étapes de cadence"
        ordering = ["policy", "offset_days", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "code"],
                name="step_code_unique_per_policy",
                violation_error_message="Ce code d'étape existe déjà dans cette cadence.",
            ),
            models.CheckConstraint(
                condition=Q(stage="courtesy", offset_days__lt=0)
                | (~Q(stage="courtesy") & Q(offset_days__gte=0)),
                name="step_courtesy_before_due_date",
                violation_error_message=(
                    "Seul un rappel de courtoisie précède l'échéance (décalage négatif)."
                ),
            ),
        ]

    def __str__(self) -> str:
        sign = "+" if self.offset_days >= 0 else ""
        return f"J{sign}{self.offset_days} — {self.label} ({self.get_channel_display()})"


class CreditorCadence(models.Model):
    """The policy a creditor picks for one kind of debtor (else the default for that kind)."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="cadences", verbose_name="créancier"
    )
    debtor_kind = models.CharField(
        "débiteurs visés", max_length=20, choices=CadencePolicy.DebtorKind.choices
    )
    policy = models.ForeignKey(CadencePolicy, on_delete=models.PROTECT, verbose_name="cadence")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cadence d'un créancier"
        verbose_name_plural = "cadences des créanciers"
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "debtor_kind"], name="creditor_cadence_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.creditor} — {self.policy}"


class DebtorCadenceOverride(models.Model):
    """A debtor-specific policy that wins over the creditor's choice."""

    debtor = models.OneToOneField(
        Debtor, on_delete=models.CASCADE, related_name="cadence_override", verbose_name="débiteur"
    )
    policy = models.ForeignKey(CadencePolicy, on_delete=models.PROTECT, verbose_name="cadence")
    reason = models.CharField("motif", max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cadence propre à un débiteur"
        verbose_name_plural = "cadences propres à des débiteurs"

    def __str__(self) -> str:
        return f"{self.debtor} — {self.policy}"


class DossierCadence(models.Model):
    """A dossier's own policy, kept whatever the creditor's choice becomes: the variant a cadence
    experiment drew for it when it opened (``experiences``). Set before the dossier's first
    step, never mid-cadence; a debtor's own policy (``DebtorCadenceOverride``) still wins."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="own_cadence", verbose_name="dossier"
    )
    policy = models.ForeignKey(CadencePolicy, on_delete=models.PROTECT, verbose_name="cadence")
    reason = models.CharField("motif", max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cadence propre à un dossier"
        verbose_name_plural = "cadences propres à des dossiers"

    def __str__(self) -> str:
        return f"{self.dossier} — {self.policy}"


class CadenceRun(models.Model):
    """One run of the daily cadence (``relances.services.run_cadence``): when, started by whom
    or by the beat, and what it did. A dry run is never recorded."""

    class Trigger(models.TextChoices):
        BEAT = "beat", "Planificateur (beat)"
        COMMAND = "command", "Commande run_cadence"
        USER = "user", "Utilisateur"
        SCRIPT = "script", "Script (démonstration, mesure)"

    class Status(models.TextChoices):
        RUNNING = "running", "En cours"
        DONE = "done", "Terminée"
        FAILED = "failed", "Interrompue"

    on = models.DateField("jour de la cadence")
    started_at = models.DateTimeField("début")
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    trigger = models.CharField("lancée par", max_length=20, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="utilisateur",
    )
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    examined = models.PositiveIntegerField("dossiers examinés", default=0)
    reminders = models.PositiveIntegerField("étapes déclenchées", default=0)
    fired = models.JSONField(
        "étapes déclenchées par niveau", default=dict, help_text="{niveau : nombre}"
    )
    skipped = models.PositiveIntegerField("étapes sautées (rattrapage)", default=0)
    caught_up = models.PositiveIntegerField("dossiers en rattrapage", default=0)
    holds = models.PositiveIntegerField("dossiers en attente", default=0)
    go_no_go = models.PositiveIntegerField("passés en Go/No-Go", default=0)
    arrangements = models.PositiveIntegerField("promesses et échéanciers vérifiés", default=0)
    errors = models.PositiveIntegerField("erreurs", default=0)
    details = models.JSONField(
        "dossiers concernés",
        default=dict,
        blank=True,
        help_text="Identifiants des dossiers en attente, passés en Go/No-Go ou en erreur.",
    )
    error = models.TextField("erreur", blank=True)
    shard_count = models.PositiveIntegerField(
        "lots",
        default=0,
        help_text="Lots (plages d'identifiants) répartis entre les workers ; 0 : un seul.",
    )

    class Meta:
        verbose_name = "exécution de la cadence"
        verbose_name_plural = "exécutions de la cadence"
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-started_at"], name="cadence_run_started_idx")]

    def __str__(self) -> str:
        return f"Cadence du {self.on:%d/%m/%Y} ({self.get_trigger_display()})"


class CadenceShard(models.Model):
    """One shard of a spread daily run: the due dossiers whose id lies in ``[first_id,
    last_id]`` (``None``: open end), run by whichever Celery worker takes its task, and what it
    did. The shards of a run cover every id; the last one to finish gathers them on the run."""

    class Status(models.TextChoices):
        QUEUED = "queued", "En file"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Interrompu"

    run = models.ForeignKey(
        CadenceRun, on_delete=models.CASCADE, related_name="shards", verbose_name="exécution"
    )
    number = models.PositiveIntegerField("lot")
    first_id = models.BigIntegerField("premier dossier", null=True, blank=True)
    last_id = models.BigIntegerField("dernier dossier", null=True, blank=True)
    due = models.PositiveIntegerField("dossiers dus au lancement", default=0)
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    worker = models.CharField("worker", max_length=200, blank=True)
    attempts = models.PositiveIntegerField("exécutions", default=0)
    started_at = models.DateTimeField("début", null=True, blank=True)
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    examined = models.PositiveIntegerField("dossiers examinés", default=0)
    reminders = models.PositiveIntegerField("étapes déclenchées", default=0)
    fired = models.JSONField("étapes déclenchées par niveau", default=dict)
    skipped = models.PositiveIntegerField("étapes sautées (rattrapage)", default=0)
    caught_up = models.PositiveIntegerField("dossiers en rattrapage", default=0)
    go_no_go = models.PositiveIntegerField("passés en Go/No-Go", default=0)
    arrangements = models.PositiveIntegerField("promesses et échéanciers vérifiés", default=0)
    errors = models.PositiveIntegerField("erreurs", default=0)
    details = models.JSONField("dossiers concernés", default=dict, blank=True)
    error = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "lot de la cadence"
        verbose_name_plural = "lots de la cadence"
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="cadence_shard_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.run} — lot {self.number}"

    @property
    def range_label(self) -> str:
        first = "début" if self.first_id is None else str(self.first_id)
        last = "fin" if self.last_id is None else str(self.last_id)
        return f"{first} → {last}"


class Reminder(models.Model):
    """One contact the cadence planned: a message, a letter or a call to make."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planifiée"
        SENT = "sent", "Envoyée"
        FAILED = "failed", "Échec"
        CANCELLED = "cancelled", "Annulée"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="reminders", verbose_name="dossier"
    )
    step = models.ForeignKey(
        CadenceStep, on_delete=models.PROTECT, related_name="reminders", verbose_name="étape"
    )
    cycle = models.PositiveSmallIntegerField("cycle")
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    scheduled_for = models.DateField("prévue le")
    reanchored = models.BooleanField(
        "étape à refaire",
        default=False,
        help_text=(
            "Annulée à l'envoi faute de facture échue ce jour-là : l'étape sera planifiée de "
            "nouveau depuis la nouvelle date de référence."
        ),
    )
    caught_up = models.BooleanField(
        "rattrapage", default=False, help_text="Émise en retard après des étapes non faites."
    )
    note = models.CharField("remarque", max_length=300, blank=True)
    content = models.TextField("contenu envoyé", blank=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    # A registered letter's notice runs from its deposit at the post office (the date on La
    # Poste's receipt), not from the day it was printed: ``relances.planning.notice_state``.
    deposited_on = models.DateField("déposée à La Poste le", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validée par",
    )
    approved_at = models.DateTimeField("validée le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    # Delivery by a machine (``courriers``): how many attempts failed, and when the next one is
    # expected (a retry after an SMTP outage, or a delivery queued again by the sweeper). A
    # planned, due reminder whose delivery was expected long ago was lost: queued again.
    delivery_attempts = models.PositiveSmallIntegerField("essais d'envoi en échec", default=0)
    next_attempt_at = models.DateTimeField("prochain essai d'envoi", null=True, blank=True)
    run = models.ForeignKey(
        CadenceRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_reminders",
        verbose_name="exécution de la cadence",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "relance"
        verbose_name_plural = "relances"
        ordering = ["-scheduled_for", "-pk"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"], name="reminder_status_idx"),
            # A dossier's planned reminders (« Ma journée »'s calls and letters to approve,
            # looked up dossier by dossier when the stored priority is re-scored): without it,
            # PostgreSQL walked every planned reminder through ``reminder_status_idx`` for each
            # dossier, its statistics counting none before the daily run planned thousands.
            models.Index(
                fields=["dossier"],
                condition=Q(status="planned"),
                name="reminder_planned_dossier_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "step", "cycle"],
                condition=Q(reanchored=False),
                name="reminder_once_per_step_and_cycle",
                violation_error_message="Cette étape a déjà été émise pour ce cycle.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step.label} — {self.dossier} ({self.get_status_display()})"


class DelayReason(models.TextChoices):
    """Why the debtor says they have not paid (step 4 of the call script)."""

    OVERSIGHT = "oversight", "Oubli"
    CASH_FLOW = "cash_flow", "Difficultés de trésorerie"
    DISPUTE = "dispute", "Litige sur la facture ou la prestation"
    BAD_FAITH = "bad_faith", "Mauvaise foi"
    OTHER = "other", "Autre"


class CallLog(models.Model):
    """One call to a debtor, logged with the seeds' 10-step script (``relances.calls``).

    A commitment obtained on the phone becomes a ``Promise``; the follow-up it needs (a call a
    week later, or the recap e-mail of the commitments) is recorded here and in a ``Task``.
    """

    class Outcome(models.TextChoices):
        REACHED = "reached", "Interlocuteur joint"
        VOICEMAIL = "voicemail", "Messagerie (message laissé)"
        NO_ANSWER = "no_answer", "Pas de réponse"
        WRONG_NUMBER = "wrong_number", "Mauvais numéro"

    class ContactRole(models.TextChoices):
        MANAGER = "manager", "Dirigeant(e)"
        ACCOUNTING = "accounting", "Comptabilité"
        ASSISTANT = "assistant", "Secrétariat / accueil"
        DEBTOR = "debtor", "Le débiteur en personne"
        OTHER = "other", "Autre"

    class Recap(models.TextChoices):
        NONE = "", "Aucun"
        TO_SEND = "to_send", "À envoyer"
        SENT = "sent", "Envoyé"
        CANCELLED = "cancelled", "Annulé"

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="call_logs", verbose_name="dossier"
    )
    called_at = models.DateTimeField("appel passé le")
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="appel passé par",
    )
    outcome = models.CharField("résultat", max_length=20, choices=Outcome.choices)
    contact_name = models.CharField("interlocuteur", max_length=200, blank=True)
    contact_role = models.CharField(
        "fonction de l'interlocuteur", max_length=20, choices=ContactRole.choices, blank=True
    )
    delay_reason = models.CharField(
        "motif du retard", max_length=20, choices=DelayReason.choices, blank=True
    )
    debtor_said = models.TextField("ce que dit le débiteur", blank=True)
    objections = models.TextField("objections et réponses apportées", blank=True)
    commitment_amount = models.DecimalField(
        "montant promis", max_digits=12, decimal_places=2, null=True, blank=True
    )
    commitment_date = models.DateField("paiement promis pour le", null=True, blank=True)
    plan_offered = models.BooleanField("échéancier proposé", default=False)
    promise = models.ForeignKey(
        "dossiers.Promise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="promesse obtenue",
    )
    follow_up_task = models.ForeignKey(
        "dossiers.Task",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="rappel prévu",
    )
    recap_status = models.CharField(
        "récapitulatif des engagements",
        max_length=20,
        choices=Recap.choices,
        blank=True,
        default="",
        help_text="Courriel qui récapitule les engagements pris au téléphone.",
    )
    recap_content = models.TextField("texte du récapitulatif", blank=True)
    summary = models.TextField("compte rendu", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "appel"
        verbose_name_plural = "appels"
        ordering = ["-called_at", "-pk"]
        indexes = [models.Index(fields=["dossier", "called_at"], name="calllog_dossier_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(commitment_amount__isnull=True, commitment_date__isnull=True)
                | Q(commitment_amount__gt=0, commitment_date__isnull=False),
                name="calllog_commitment_complete",
                violation_error_message=(
                    "Un engagement porte un montant strictement positif et une date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(outcome="reached") | Q(commitment_amount__isnull=True),
                name="calllog_commitment_needs_contact",
                violation_error_message="Un engagement suppose d'avoir joint l'interlocuteur.",
            ),
        ]

    def __str__(self) -> str:
        return f"Appel du {self.called_at:%d/%m/%Y} — {self.get_outcome_display()}"


class DossierHold(models.Model):
    """A dossier put on hold by a person, with a reason: no cadence step until ``until``."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="holds", verbose_name="dossier"
    )
    reason = models.CharField("motif", max_length=300)
    started_on = models.DateField("depuis le")
    until = models.DateField("jusqu'au")
    released_on = models.DateField("levée le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="mise en attente par",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "mise en attente"
        verbose_name_plural = "mises en attente"
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__gte=models.F("started_on")),
                name="hold_ends_after_start",
                violation_error_message="La fin de la mise en attente précède son début.",
            ),
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(released_on__isnull=True),
                name="hold_one_active_per_dossier",
                violation_error_message="Ce dossier est déjà en attente.",
            ),
        ]

    def __str__(self) -> str:
        return f"En attente jusqu'au {self.until:%d/%m/%Y}"

    def is_active(self, on) -> bool:
        return self.released_on is None and self.started_on <= on <= self.until
