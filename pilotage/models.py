"""What the manager sets for the dashboards: the cost of one action on each channel."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

ZERO = Decimal("0")


class CostSettings(models.Model):
    """The cost of one action per channel (one row, pk 1), set by the manager.

    The dashboard multiplies the actions of the period by these unit costs; a call costs its
    minutes, and the product does not time calls, so the manager also sets the mean length.
    """

    SINGLETON_PK = 1

    email = models.DecimalField(
        "coût d'un e-mail (€)", max_digits=8, decimal_places=3, default=ZERO
    )
    letter = models.DecimalField(
        "coût d'un courrier simple (€)", max_digits=8, decimal_places=3, default=ZERO
    )
    registered_letter = models.DecimalField(
        "coût d'une lettre recommandée avec AR (€)", max_digits=8, decimal_places=3, default=ZERO
    )
    call_minute = models.DecimalField(
        "coût d'une minute d'appel (€)", max_digits=8, decimal_places=3, default=ZERO
    )
    sms = models.DecimalField("coût d'un SMS (€)", max_digits=8, decimal_places=3, default=ZERO)
    call_minutes = models.DecimalField(
        "durée moyenne d'un appel (minutes)",
        max_digits=5,
        decimal_places=1,
        default=Decimal("5.0"),
        help_text="Les appels ne sont pas chronométrés : durée retenue pour chaque appel.",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifié par",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "coûts des actions"
        verbose_name_plural = "coûts des actions"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="cost_settings_single_row"),
            models.CheckConstraint(
                condition=Q(email__gte=0)
                & Q(letter__gte=0)
                & Q(registered_letter__gte=0)
                & Q(call_minute__gte=0)
                & Q(sms__gte=0)
                & Q(call_minutes__gte=0),
                name="cost_settings_not_negative",
                violation_error_message="Un coût ne peut pas être négatif.",
            ),
        ]

    def __str__(self) -> str:
        return "Coûts des actions de recouvrement"

    @property
    def is_set(self) -> bool:
        return any(
            getattr(self, name) > 0
            for name in ("email", "letter", "registered_letter", "call_minute", "sms")
        )


def _amount(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=16, decimal_places=2, default=0)


def _count(label: str) -> models.BigIntegerField:
    return models.BigIntegerField(label, default=0)


def _creditor_key() -> models.ForeignKey:
    """A summary's creditor: part of its key, written by triggers only (no constraint to check
    on each write, no reverse accessor, no index beside the key's)."""
    return models.ForeignKey(
        "dossiers.Creditor",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name="créancier",
    )


class ClaimDay(models.Model):
    """The claims summed by creditor and day for the dashboard (``pilotage.summaries``: kept
    by triggers on the claims, in the transaction of each write; rebuilt by ``manage.py
    rebuild_summaries``). Never written by the application itself."""

    creditor = models.ForeignKey(
        "dossiers.Creditor",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="créancier",
    )
    day = models.DateField("jour")
    open_amount = _amount("reste dû des factures ouvertes, par échéance")
    open_count = _count("factures ouvertes, par échéance")
    issued = _amount("montant facturé, par date d'émission")
    cancelled = _amount("montant annulé, par date d'annulation")

    class Meta:
        verbose_name = "synthèse des factures par jour"
        verbose_name_plural = "synthèses des factures par jour"
        constraints = [
            models.UniqueConstraint(fields=["creditor", "day"], name="claimday_creditor_day")
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.day:%d/%m/%Y}"


class _SentReminderFigures(models.Model):
    """The sent reminders' figures of one (creditor, level, channel, day): the reminders sent
    that day (``channel`` set), or the payments received that day given to the last level sent
    before them (``channel`` empty). ``pilotage.summaries``."""

    creditor = _creditor_key()
    stage = models.CharField("niveau", max_length=20)
    channel = models.CharField("canal (vide : paiements reçus)", max_length=20, blank=True)
    day = models.DateField("jour")
    sent = _count("relances envoyées")
    traced = _count("relances au contenu conservé")
    first_n = _count("premiers contacts du niveau dans le cycle")
    paid_7 = _count("premiers contacts suivis d'un paiement sous 7 jours")
    paid_15 = _count("premiers contacts suivis d'un paiement sous 15 jours")
    paid_30 = _count("premiers contacts suivis d'un paiement sous 30 jours")
    payments_n = _count("paiements reçus après ce niveau")
    payments_amount = _amount("montant reçu après ce niveau")

    class Meta:
        abstract = True


class ReminderDay(_SentReminderFigures):
    """The sent reminders summed by creditor, level, channel and day for the dashboard
    (``pilotage.summaries``: kept by triggers on the reminders, the payments, the steps and the
    dossiers, in the transaction of each write; rebuilt by ``manage.py rebuild_summaries``).
    Never written by the application itself."""

    class Meta:
        verbose_name = "synthèse des relances par jour"
        verbose_name_plural = "synthèses des relances par jour"
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "stage", "channel", "day"], name="reminderday_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.stage} {self.channel} {self.day:%d/%m/%Y}"


class ReminderDossierDay(_SentReminderFigures):
    """One dossier's part of ``ReminderDay``: what a change on the dossier takes away from the
    summary before adding its part computed again (a payment or a later reminder changes the
    figures of the reminders sent before it)."""

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="dossier",
    )

    class Meta:
        verbose_name = "part d'un dossier dans la synthèse des relances"
        verbose_name_plural = "parts des dossiers dans la synthèse des relances"

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.stage} {self.channel} {self.day:%d/%m/%Y}"


class AllocationDay(models.Model):
    """The allocations of payments and credit notes summed by creditor and day for the DSO
    (``pilotage.allocation_summary``: kept by triggers on the allocations, claims and payments,
    in the transaction of each write; rebuilt by ``manage.py rebuild_summaries``). Never
    written by the application itself."""

    creditor = _creditor_key()
    day = models.DateField("jour")
    allocated = _amount("montant imputé, par date de facture ou de paiement (la plus tardive)")
    cancelled = _amount("montant imputé sur des factures annulées, par date d'annulation")

    class Meta:
        verbose_name = "synthèse des imputations par jour"
        verbose_name_plural = "synthèses des imputations par jour"
        constraints = [
            models.UniqueConstraint(fields=["creditor", "day"], name="allocationday_creditor_day")
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.day:%d/%m/%Y}"


class ActivityDay(models.Model):
    """The calls and payments counted by creditor and day for the dashboard
    (``pilotage.activity_summary``: kept by triggers on the calls and payments, in the
    transaction of each write; rebuilt by ``manage.py rebuild_summaries``). Never written by
    the application itself."""

    creditor = _creditor_key()
    day = models.DateField("jour")
    calls = _count("appels")
    calls_traced = _count("appels avec un compte rendu")
    payments_n = _count("paiements reçus")
    payments_amount = _amount("montant des paiements reçus")

    class Meta:
        verbose_name = "synthèse des appels et paiements par jour"
        verbose_name_plural = "synthèses des appels et paiements par jour"
        constraints = [
            models.UniqueConstraint(fields=["creditor", "day"], name="activityday_creditor_day")
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.day:%d/%m/%Y}"


class DossierStateCount(models.Model):
    """The open dossiers counted by creditor, controller and state for the dashboard
    (``pilotage.dossier_summary``: kept by triggers on the dossiers, in the transaction of each
    write; rebuilt by ``manage.py rebuild_summaries``). Never written by the application itself.

    A writing connection adds its changes to rows of its own (``slot``: the server process id),
    so that the daily run's workers, moving thousands of dossiers each, never wait for one
    another on a counter; the rows are summed when read and folded into ``slot`` 0 every night
    (``compact``)."""

    creditor = _creditor_key()
    # The controller the dossiers are assigned to (``Dossier.assigned_to``), 0 for nobody.
    assignee = models.IntegerField("chargé(e) (0 : non attribué)", default=0)
    state = models.CharField("état", max_length=20)
    slot = models.IntegerField("connexion qui a écrit (0 : regroupé)", default=0)
    open_count = _count("dossiers ouverts")

    class Meta:
        verbose_name = "dossiers ouverts par état"
        verbose_name_plural = "dossiers ouverts par état"
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "assignee", "state", "slot"], name="dossierstatecount_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.state} {self.open_count}"


class TeamDay(models.Model):
    """The payments received on each controller's dossiers, summed by controller, creditor and
    day for the dashboard's team table (``pilotage.team_summary``: kept by triggers on the
    payments and the dossiers, in the transaction of each write; rebuilt by ``manage.py
    rebuild_summaries``). Never written by the application itself."""

    assignee = models.IntegerField("chargé(e) du dossier")
    creditor = _creditor_key()
    day = models.DateField("jour")
    recovered = _amount("montant des paiements reçus")

    class Meta:
        verbose_name = "synthèse des paiements par chargé(e) et par jour"
        verbose_name_plural = "synthèses des paiements par chargé(e) et par jour"
        constraints = [
            models.UniqueConstraint(
                fields=["assignee", "creditor", "day"], name="teamday_assignee_creditor_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignee} {self.creditor_id} {self.day:%d/%m/%Y}"
