"""The dossier: one creditor-debtor pair's recovery file, and its state machine."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django_fsm import RETURN_VALUE, FSMField, transition
from simple_history.models import HistoricalRecords

from dossiers.models.parties import Creditor, Debtor

ZERO = Decimal("0.00")


class DossierState(models.TextChoices):
    """The states of ARCHITECTURE.md (see docs/state-machine.md for the generated graph)."""

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
    ACCESSORIES = "accessories", "Accessoires dus"
    PAID = "paid", "Payé"
    LITIGATION = "litigation", "Contentieux"
    WRITTEN_OFF = "written_off", "Passé en perte"


S = DossierState
# The cadence's own states, in the order the cadence walks them.
CADENCE_STATES = (S.OPEN, S.REMINDER_1, S.REMINDER_2, S.REMINDER_3, S.FORMAL_NOTICE)
CADENCE_RANK = {state: rank for rank, state in enumerate(CADENCE_STATES)}
# Side states pause the cadence; leaving them resumes where it stopped (``resume_state``).
PAUSED_STATES = (S.PROMISE, S.PAYMENT_PLAN, S.DISPUTED, S.INSOLVENCY, S.RESTRICTED)
# The principal is paid late, the penalties and the 40 EUR indemnity are still owed between
# professionals (C. com. L441-10 II, D441-5): the dossier stays open for them alone.
ACTIVE_STATES = (*CADENCE_STATES, S.GO_NO_GO, *PAUSED_STATES, S.ACCESSORIES)
CLOSED_STATES = (S.PAID, S.LITIGATION, S.WRITTEN_OFF)
# A dossier may pause from any active state; GDPR restriction and insolvency override the rest.
_PAUSABLE = (*CADENCE_STATES, S.GO_NO_GO)


def _debtor_may_be_contacted(dossier: "Dossier") -> bool:
    """No individual action during insolvency proceedings (C. com. L622-21) nor while
    processing is restricted (GDPR art. 18)."""
    debtor = dossier.debtor
    return not debtor.processing_restricted and not debtor.insolvency_status


def _nothing_outstanding(dossier: "Dossier") -> bool:
    # A service that read it for many dossiers at once leaves the answer on the instance.
    known = getattr(dossier, "_nothing_outstanding", None)
    if known is not None:
        return known
    return not dossier.claims.filter(outstanding__gt=0).exists()


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
    reference_date = models.DateField(
        "date de référence",
        null=True,
        blank=True,
        help_text="Échéance de la plus ancienne facture impayée : la cadence part de cette date.",
    )
    next_action_at = models.DateField("prochaine action le", null=True, blank=True)
    # The day the principal was paid in full and only the accessories were left (penalties and
    # indemnity, C. com. L441-10 II, D441-5): the accessories' cadence counts from it.
    accessories_since = models.DateField(
        "accessoires dus depuis le", null=True, blank=True, editable=False
    )
    # The day the first formal notice went out (set by the letters when it is sent): legal
    # interest runs from it (C. civ. 1231-6).
    formal_notice_sent_on = models.DateField(
        "mise en demeure envoyée le", null=True, blank=True, editable=False
    )
    resume_state = models.CharField(
        "état à reprendre",
        max_length=20,
        choices=DossierState.choices,
        blank=True,
        help_text="L'étape de la cadence où reprendre après une promesse, un échéancier...",
    )
    cycle = models.PositiveSmallIntegerField(
        "cycle de relance", default=1, help_text="Augmente à chaque retour à l'amiable."
    )
    cycle_started_on = models.DateField("début du cycle", null=True, blank=True)
    purge_on = models.DateField(
        "date de purge RGPD",
        null=True,
        blank=True,
        help_text="Clôture, puis prescription des créances, plus la marge (fixée par rgpd).",
    )

    # « Ma journée »'s priority (amount, age, risk: journee.priority), kept up to date by the
    # writes that change it and by the daily refresh, so that the worklist reads its dossiers
    # in this order from an index instead of scoring every open dossier on each request. A
    # derived figure: not journaled (the history leaves it out).
    priority = models.SmallIntegerField("priorité", default=0, db_default=0, editable=False)
    # Whether the dossier has something for a person today (an item of « Ma journée »), kept
    # with the priority: the worklist walks only these dossiers, in the priority's order.
    attention = models.BooleanField(
        "à traiter aujourd'hui", default=False, db_default=False, editable=False
    )

    history = HistoricalRecords(excluded_fields=["priority", "attention"])
    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = "dossier"
        verbose_name_plural = "dossiers"
        ordering = ["-opened_on", "reference"]
        indexes = [
            # The daily run's one query: active dossiers whose next action is due.
            models.Index(
                fields=["next_action_at"],
                condition=Q(closed_on__isnull=True, next_action_at__isnull=False),
                name="dossier_due_action_idx",
            ),
            # « Ma journée »: the open dossiers by priority (a manager's), and a controller's.
            models.Index(
                fields=["-priority", "-id"],
                condition=Q(closed_on__isnull=True),
                name="dossier_open_priority_idx",
            ),
            models.Index(
                fields=["assigned_to", "-priority", "-id"],
                condition=Q(closed_on__isnull=True),
                name="dossier_assignee_priority_idx",
            ),
            # ...and those with something to do today (the worklist as it opens).
            models.Index(
                fields=["-priority", "-id"],
                condition=Q(closed_on__isnull=True, attention=True),
                name="dossier_attention_idx",
            ),
            models.Index(
                fields=["assigned_to", "-priority", "-id"],
                condition=Q(closed_on__isnull=True, attention=True),
                name="dossier_assignee_attention_idx",
            ),
            # The managers' dashboard: the open dossiers counted by state (and creditor) from
            # the index alone, the id for the evidence of those at formal notice.
            models.Index(
                fields=["state", "creditor", "id"],
                condition=Q(closed_on__isnull=True),
                name="dossier_open_state_idx",
            ),
            # The GDPR purge's and the DPO dashboard's query: closed dossiers by purge date.
            models.Index(
                fields=["purge_on"],
                condition=Q(closed_on__isnull=False),
                name="dossier_purge_on_idx",
            ),
        ]
        constraints = [
            # Unique across the whole base: each creditor numbers under its own code.
            models.UniqueConstraint(
                fields=["reference"],
                name="dossier_reference_unique",
                violation_error_message="Cette référence de dossier existe déjà.",
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

    @property
    def is_paused(self) -> bool:
        return self.state in PAUSED_STATES

    # --- Transitions: rules only, no I/O. Services lock the row, call them, save, journal. ---

    @transition(
        field=state,
        source=CADENCE_STATES,
        target=RETURN_VALUE(S.REMINDER_1, S.REMINDER_2, S.REMINDER_3, S.FORMAL_NOTICE),
        conditions=[_debtor_may_be_contacted],
    )
    def advance(self, stage: str) -> str:
        """Move forward to a cadence stage (a catch-up may skip stages, never go back)."""
        if CADENCE_RANK[stage] <= CADENCE_RANK[self.state]:
            raise ValueError(f"La cadence ne revient pas de {self.state} à {stage}.")
        return stage

    @transition(field=state, source=S.FORMAL_NOTICE, target=S.GO_NO_GO)
    def notice_deadline_passed(self) -> None:
        """The formal notice's deadline has passed unpaid: a person decides what follows."""

    def _pause(self) -> None:
        if self.state not in PAUSED_STATES:
            self.resume_state = self.state

    @transition(field=state, source=(*_PAUSABLE, S.PAYMENT_PLAN, S.ACCESSORIES), target=S.PROMISE)
    def promise(self) -> None:
        """A promise to pay holds the cadence until its date (plus the policy's grace); on a
        dossier left with its accessories, it covers them (docs/legal.md §11)."""
        self._pause()

    @transition(field=state, source=(*_PAUSABLE, S.PROMISE, S.ACCESSORIES), target=S.PAYMENT_PLAN)
    def accept_plan(self) -> None:
        """An accepted payment plan (échéancier) holds the cadence while it is kept; on a
        dossier left with its accessories, it covers them."""
        self._pause()

    @property
    def in_accessories_phase(self) -> bool:
        """The principal is paid and the accessories are pursued, the dossier perhaps paused
        by a promise, a plan or a dispute on them (``accessories_since`` stays set)."""
        return self.accessories_since is not None and not self.is_closed

    @transition(
        field=state,
        source=(*_PAUSABLE, S.PROMISE, S.PAYMENT_PLAN, S.ACCESSORIES),
        target=S.DISPUTED,
    )
    def open_dispute(self) -> None:
        """A contestation stops reminders until it is resolved."""
        self._pause()

    @transition(
        field=state,
        source=(*_PAUSABLE, S.PROMISE, S.PAYMENT_PLAN, S.DISPUTED, S.RESTRICTED, S.ACCESSORIES),
        target=S.INSOLVENCY,
    )
    def open_insolvency(self) -> None:
        """Insolvency proceedings forbid individual action (C. com. L622-21)."""
        self._pause()

    @transition(
        field=state,
        source=(*_PAUSABLE, S.PROMISE, S.PAYMENT_PLAN, S.DISPUTED, S.ACCESSORIES),
        target=S.RESTRICTED,
    )
    def restrict(self) -> None:
        """The debtor obtained the restriction of processing (GDPR art. 18)."""
        self._pause()

    @transition(
        field=state,
        source=PAUSED_STATES,
        target=RETURN_VALUE(*CADENCE_STATES, S.GO_NO_GO, S.ACCESSORIES),
        conditions=[_debtor_may_be_contacted],
    )
    def resume(self) -> str:
        """Leave a side state and take the cadence up where it stopped."""
        target = self.resume_state or S.OPEN
        self.resume_state = ""
        return target

    @transition(
        field=state,
        source=tuple(state for state in ACTIVE_STATES if state != S.ACCESSORIES),
        target=RETURN_VALUE(S.PAID, S.ACCESSORIES),
        conditions=[_nothing_outstanding],
    )
    def settle(self, on, *, accessories_owed: bool = False) -> str:
        """Nothing is left of the principal. Paid late by a professional whose creditor claims
        the accessories (C. com. L441-10 II, D441-5): the dossier stays open for them alone;
        otherwise it closes as paid, from any active state."""
        self.resume_state = ""
        if accessories_owed:
            self.accessories_since = on
            return S.ACCESSORIES
        self.closed_on = on
        self.next_action_at = None
        return S.PAID

    @transition(field=state, source=S.ACCESSORIES, target=S.PAID)
    def close_accessories(self, on) -> None:
        """The accessories are paid, or the creditor waived them: the dossier closes as paid."""
        self.closed_on = on
        self.resume_state = ""
        self.next_action_at = None

    @transition(field=state, source=S.ACCESSORIES, target=S.OPEN)
    def new_invoice(self) -> None:
        """A new unpaid invoice joins a dossier left with its accessories: the cadence starts
        again on it (the accessories stay in its figures)."""
        self.accessories_since = None

    @transition(field=state, source=(S.PAID, S.ACCESSORIES), target=RETURN_VALUE(*ACTIVE_STATES))
    def reopen_after_return(self, state: str, resume_state: str = "") -> str:
        """The payment that cleared the dossier (or its principal) was taken back by the bank
        (returned direct debit, recalled transfer): it reopens at the stage it had before."""
        self.closed_on = None
        self.purge_on = None
        self.accessories_since = None
        self.resume_state = resume_state if state in PAUSED_STATES else ""
        return state if state in ACTIVE_STATES else S.OPEN

    @transition(field=state, source=S.GO_NO_GO, target=S.LITIGATION)
    def hand_to_court(self, on) -> None:
        """Go: the dossier leaves the amicable phase for the courts."""
        self.closed_on = on
        self.next_action_at = None

    @transition(field=state, source=(S.GO_NO_GO, S.INSOLVENCY), target=S.WRITTEN_OFF)
    def write_off(self, on) -> None:
        """No-Go: the claim is abandoned (passed to loss)."""
        self.closed_on = on
        self.next_action_at = None

    @transition(
        field=state, source=S.GO_NO_GO, target=S.OPEN, conditions=[_debtor_may_be_contacted]
    )
    def back_to_amicable(self, on) -> None:
        """No court yet: a new amicable cycle starts from today."""
        self.cycle += 1
        self.cycle_started_on = on
