"""The cadence planner: which policy applies, which step is due, and when to look again.

Reads only; the daily run (``relances.services``) acts on what it says. The rules:
- a step is due on its reference due date + offset, moved to the next working day (CPC 642);
- after an outage, only the most advanced due step fires; the skipped ones are recorded, never
  sent in a burst;
- never two contacts with one debtor closer than the policy's spacing;
- no reminder for a balance under the policy's tolerance, nor while the debtor may not be
  contacted (insolvency proceedings, GDPR restriction);
- Go/No-Go comes the first working day after the formal notice's deadline;
- a dossier a person put on hold waits until the day after the hold ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from dossiers.models import (
    ZERO,
    Claim,
    Debtor,
    Dossier,
    DossierState,
    PaymentPlan,
    Promise,
)
from dossiers.selectors import dossier_accessories, dossier_prescription, dossiers_accessories
from dossiers.services import dossier_balance, paid_since
from legal import calendar
from recouvrement.lookups import AnyOf
from relances.models import (
    ACCESSORIES_STAGES,
    STAGE_RANK,
    CadencePolicy,
    CadenceStep,
    CreditorCadence,
    DebtorCadenceOverride,
    DossierCadence,
    DossierHold,
    Reminder,
    Stage,
)

S = DossierState
STATE_RANK = {
    S.OPEN: STAGE_RANK[Stage.COURTESY],
    S.REMINDER_1: STAGE_RANK[Stage.REMINDER_1],
    S.REMINDER_2: STAGE_RANK[Stage.REMINDER_2],
    S.REMINDER_3: STAGE_RANK[Stage.REMINDER_3],
    S.FORMAL_NOTICE: STAGE_RANK[Stage.FORMAL_NOTICE],
    S.ACCESSORIES: STAGE_RANK[Stage.ACCESSORIES_REMINDER],
}
CONTACTS = (Reminder.Status.PLANNED, Reminder.Status.SENT)


def policy_for(dossier: Dossier, ctx: BatchContext | None = None) -> CadencePolicy:
    """The debtor's override, else the dossier's own policy (the variant of a cadence
    experiment, ``DossierCadence``), else the creditor's choice for the debtor's kind, else the
    default for that kind. A debtor of unknown kind gets the consumer policy (the gentler).
    A dossier left with its accessories follows the accessories' cadence."""
    if ctx is not None:
        return ctx.policy_for(dossier)
    if dossier.state == S.ACCESSORIES:
        accessories = CadencePolicy.objects.filter(
            for_accessories=True, debtor_kind=Debtor.Kind.PROFESSIONAL
        ).first()
        if accessories is not None:
            return accessories
    override = getattr(dossier.debtor, "cadence_override", None)
    if override is not None:
        return override.policy
    own = DossierCadence.objects.filter(dossier_id=dossier.pk).select_related("policy").first()
    if own is not None:
        return own.policy
    kind = dossier.debtor.kind
    if kind == Debtor.Kind.UNKNOWN:
        kind = Debtor.Kind.CONSUMER
    chosen = (
        CreditorCadence.objects.filter(creditor_id=dossier.creditor_id, debtor_kind=kind)
        .select_related("policy")
        .first()
    )
    if chosen is not None:
        return chosen.policy
    return CadencePolicy.objects.get(debtor_kind=kind, is_default=True)


def anchor_date(dossier: Dossier) -> date | None:
    """Steps count from the oldest unpaid due date; a new cycle counts from its start; the
    accessories' steps count from the day the principal was paid."""
    if dossier.state == S.ACCESSORIES:
        return dossier.accessories_since
    if dossier.cycle > 1 and dossier.cycle_started_on:
        return dossier.cycle_started_on
    return dossier.reference_date


def step_date(step: CadenceStep, anchor: date, *, postal_code: str = "") -> date:
    return calendar.roll_forward(anchor + timedelta(days=step.offset_days), postal_code=postal_code)


# The reason of a "wait" decision for a dossier a person put on hold (the run counts them).
HOLD_REASON = "dossier en attente"


@dataclass
class Decision:
    """What the daily run should do for one dossier on one day."""

    action: str  # "fire", "wait", "go_no_go", "promise", "plan", "none"
    reason: str = ""
    fire: list[CadenceStep] = field(default_factory=list)
    skipped: list[CadenceStep] = field(default_factory=list)
    stage: str | None = None
    next_date: date | None = None
    pending: list[CadenceStep] = field(default_factory=list)  # steps still to come, on "wait"

    @property
    def caught_up(self) -> bool:
        return bool(self.skipped)


def _last_contact(dossier: Dossier, ctx: BatchContext | None = None) -> date | None:
    """The latest contact planned or made with this debtor, across all their dossiers."""
    if ctx is not None:
        return ctx.last_contact.get(dossier.debtor_id)
    return Reminder.objects.filter(
        dossier__debtor_id=dossier.debtor_id, status__in=CONTACTS
    ).aggregate(last=Max("scheduled_for"))["last"]


def pending_steps(
    dossier: Dossier, policy: CadencePolicy, ctx: BatchContext | None = None
) -> list[CadenceStep]:
    """Steps of this cycle not yet planned (nor skipped), at or after the dossier's stage."""
    if ctx is not None:
        done = ctx.done_steps(dossier)
    else:
        done = set(
            Reminder.objects.filter(
                dossier=dossier, cycle=dossier.cycle, reanchored=False
            ).values_list("step_id", flat=True)
        )
    rank = STATE_RANK[dossier.state]
    steps = ctx.steps[policy.pk] if ctx is not None else policy.steps.all()
    # The principal's cadence never sends an accessories' step, nor the reverse.
    accessories = dossier.state == S.ACCESSORIES
    return [
        step
        for step in steps
        if step.pk not in done
        and STAGE_RANK[step.stage] >= rank
        and (step.stage in ACCESSORIES_STAGES) == accessories
    ]


def notice_deadline(policy: CadencePolicy, sent_on: date, *, postal_code: str = "") -> date:
    """The formal notice's deadline, as its letter states it: from its expected delivery (the
    day of sending plus the policy's working days of delivery, a registered letter being
    presumed received then), plus the policy's notice period, moved to the next working day
    when it ends on a closed day (CPC 641-642)."""
    delivered = calendar.add_working_days(
        sent_on, policy.notice_delivery_working_days, postal_code=postal_code
    )
    return calendar.roll_forward(
        delivered + timedelta(days=policy.formal_notice_deadline_days), postal_code=postal_code
    )


# What ``_notice`` answers for a notice planned but not gone out yet (awaiting approval).
NOT_SENT = "not_sent"


def _notice(dossier: Dossier, ctx: BatchContext | None = None) -> date | str | None:
    """The day this cycle's formal notice went out, ``NOT_SENT`` while it waits (approval,
    delivery), ``None`` without one."""
    if ctx is not None:
        return ctx.notice.get((dossier.pk, dossier.cycle))
    rows = Reminder.objects.filter(
        dossier=dossier,
        cycle=dossier.cycle,
        step__stage=Stage.FORMAL_NOTICE,
        status__in=CONTACTS,
    ).values_list("status", "sent_at", "deposited_on")
    return notice_state(rows)


def notice_state(rows) -> date | str | None:
    """From a cycle's formal notices as (status, sent_at, deposited_on): the latest day one went
    out — a registered letter's deposit at the post office when recorded, else its sending day —,
    else ``NOT_SENT`` if one is planned, else ``None``."""
    sent = [
        deposited or timezone.localdate(at)
        for status, at, deposited in rows
        if status == "sent" and at
    ]
    if sent:
        return max(sent)
    if any(row[0] == "planned" for row in rows):
        return NOT_SENT
    return None


def _go_no_go_date(
    dossier: Dossier, policy: CadencePolicy, ctx: BatchContext | None = None
) -> date | None:
    """The first working day after the deadline of the notice that actually went out; a notice
    not sent yet holds the dossier (``None``)."""
    notice = _notice(dossier, ctx)
    if notice is None or notice == NOT_SENT:
        return None
    postal_code = dossier.debtor.postal_code
    deadline = notice_deadline(policy, notice, postal_code=postal_code)
    return calendar.next_working_day_after(deadline, postal_code=postal_code)


def _promise_date(dossier: Dossier, policy: CadencePolicy) -> date | None:
    promise = dossier.promises.filter(status=Promise.Status.PENDING).first()
    if promise is None:
        return None
    return promise.due_on + timedelta(days=policy.grace_days + 1)


def _plan_date(dossier: Dossier, policy: CadencePolicy) -> date | None:
    """The day after the grace of the first installment not yet covered by payments."""
    plan = dossier.payment_plans.filter(status=PaymentPlan.Status.ACTIVE).first()
    if plan is None:
        return None
    paid = paid_since(dossier, plan.accepted_on, date.max)
    due_so_far = ZERO
    for installment in plan.installments.all():
        due_so_far += installment.amount
        if paid < due_so_far:
            return installment.due_on + timedelta(days=policy.grace_days + 1)
    return None


def active_hold(
    dossier: Dossier, *, on: date, ctx: BatchContext | None = None
) -> DossierHold | None:
    """The hold a person put on the dossier, if it covers ``on``."""
    if ctx is not None:
        return ctx.holds.get(dossier.pk)
    return DossierHold.objects.filter(
        dossier=dossier, released_on__isnull=True, started_on__lte=on, until__gte=on
    ).first()


def decide(dossier: Dossier, *, on: date, ctx: BatchContext | None = None) -> Decision:
    """The decision for a dossier on a day, from its state, policy and reminders so far.

    ``ctx`` (the daily run's batch) answers from rows read once for many dossiers; without it
    each question is a query."""
    if dossier.is_closed:
        return Decision("none", "dossier clos")
    policy = policy_for(dossier, ctx)
    state = dossier.state
    if state == S.PROMISE:
        when = _promise_date(dossier, policy)
        return Decision("promise" if when and when <= on else "none", next_date=when)
    if state == S.PAYMENT_PLAN:
        when = _plan_date(dossier, policy)
        return Decision("plan" if when and when <= on else "none", next_date=when)
    if state not in STATE_RANK:
        return Decision("none", f"état {dossier.get_state_display()} : cadence suspendue")
    hold = active_hold(dossier, on=on, ctx=ctx)
    if hold is not None:
        # A person put the dossier on hold: the cadence looks again the day after it ends.
        return Decision(
            "wait", f"{HOLD_REASON} : {hold.reason}", next_date=hold.until + timedelta(days=1)
        )
    debtor = dossier.debtor
    if debtor.processing_restricted or debtor.insolvency_status:
        return Decision("none", "débiteur qui ne peut pas être contacté")
    if state == S.ACCESSORIES:
        # What is left of the penalties and indemnities (a few queries, or the batch's).
        balance = (
            ctx.accessories_remaining(dossier, on=on)
            if ctx is not None
            else dossier_accessories(dossier, on=on).remaining
        )
    elif ctx is not None:
        balance = ctx.balance.get(dossier.pk, ZERO)
    else:
        balance = dossier_balance(dossier)
    if balance < policy.tolerance:
        return Decision("none", f"solde inférieur au seuil de {policy.tolerance} €")
    anchor = anchor_date(dossier)
    if anchor is None:
        return Decision("none", "aucune facture impayée")
    prescription = dossier_prescription(dossier, on=on)
    if prescription.all_prescribed:
        # A prescribed claim is never reminded as if it could be enforced (docs/legal.md §3).
        return Decision("none", prescription.reason())

    postal_code = debtor.postal_code
    pending = [
        (step_date(s, anchor, postal_code=postal_code), s)
        for s in pending_steps(dossier, policy, ctx)
    ]
    if not pending:
        if state == S.FORMAL_NOTICE:
            if _notice(dossier, ctx) == NOT_SENT:
                # No Go/No-Go on a notice that has not gone out: the dossier waits at its
                # step; the sending sets its next action again (``courriers.delivery``).
                return Decision("none", "mise en demeure à valider ou en cours d'envoi")
            when = _go_no_go_date(dossier, policy, ctx)
            action = "go_no_go" if when and when <= on else "none"
            return Decision(action, "délai de la mise en demeure expiré", next_date=when)
        return Decision("none", "toutes les étapes de la cadence sont faites")

    steps = [step for _, step in pending]
    earliest = min(when for when, _ in pending)
    last_contact = _last_contact(dossier, ctx)
    spacing_ends = None
    if last_contact is not None:
        spacing_ends = calendar.roll_forward(
            last_contact + timedelta(days=policy.min_spacing_days), postal_code=postal_code
        )
    next_date = max(earliest, spacing_ends) if spacing_ends else earliest
    due = [(when, step) for when, step in pending if when <= on]
    if not due:
        return Decision("wait", "prochaine étape à venir", next_date=next_date, pending=steps)
    if not calendar.is_working_day(on, postal_code=postal_code):
        # A catch-up never goes out on a closed day either (CPC 642 by analogy).
        when = calendar.roll_forward(on, postal_code=postal_code)
        return Decision("wait", "jour non ouvré", next_date=when, pending=steps)
    if spacing_ends and on < spacing_ends:
        return Decision(
            "wait",
            f"espacement minimal de {policy.min_spacing_days} jours entre deux contacts",
            next_date=spacing_ends,
            pending=steps,
        )
    top_offset = max(step.offset_days for _, step in due)
    fire = [step for _, step in due if step.offset_days == top_offset]
    skipped = [step for _, step in due if step.offset_days != top_offset]
    stage = max((s.stage for s in fire), key=STAGE_RANK.__getitem__)
    return Decision("fire", "étape due", fire=fire, skipped=skipped, stage=stage)


def next_action_at(dossier: Dossier, *, on: date, ctx: BatchContext | None = None) -> date | None:
    """The planner registered with ``dossiers.scheduling``: when the daily run must look again."""
    decision = decide(dossier, on=on, ctx=ctx)
    if decision.action in ("fire", "go_no_go", "promise", "plan"):
        return on
    return decision.next_date


def next_action_dates(
    dossiers: list[Dossier], *, on: date, accessories: dict[int, Decimal] | None = None
) -> dict[int, date | None]:
    """``next_action_at`` of many dossiers (their debtor loaded), read as the daily run reads a
    batch (``BatchContext``): a few queries whatever their number (an import's new dossiers).
    ``accessories``: what is left of the accessories of dossiers among them in « Accessoires
    dus », at ``on``, when the caller has just computed it (not read a second time)."""
    if not dossiers:
        return {}
    batch = Dossier.objects.filter(AnyOf("pk", [d.pk for d in dossiers]))
    ctx = BatchContext(dossiers, on=on, batch=batch)
    if accessories:
        ctx.accessories_known(accessories)
    return {d.pk: next_action_at(d, on=on, ctx=ctx) for d in dossiers}


# The debtor's columns ``decide`` reads (and the transitions' conditions): the daily run loads
# no other (neither names nor addresses), which also spares it building them for every dossier.
PLANNED_DEBTOR_FIELDS = ("kind", "postal_code", "processing_restricted", "insolvency_status")


def with_debtor(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """The dossiers with their debtor, reduced to what the planner reads."""
    others = [
        f"debtor__{f.name}"
        for f in Debtor._meta.concrete_fields
        if not f.primary_key and f.name not in PLANNED_DEBTOR_FIELDS
    ]
    return dossiers.select_related("debtor").defer(*others)


class BatchContext:
    """What ``decide`` asks about a batch of dossiers, read in a few set-based queries.

    The daily run builds one per batch (dossiers locked, in primary-key order) and keeps it
    current as it plans: a reminder planned for a dossier counts as its debtor's last contact
    for the dossiers after it, exactly as when each dossier was read on its own.
    """

    def __init__(self, dossiers: list[Dossier], *, on: date, batch: QuerySet[Dossier]):
        """``dossiers``: the batch's locked dossiers; ``batch``: the query that selects them,
        which the reads below take as a subquery (no list of ids sent with each)."""
        ids = batch.values("pk")
        debtor_ids = batch.values("debtor_id")
        self._dossiers, self._on = dossiers, on
        self._accessories_left: dict[int, Decimal] | None = None
        self.policies = {p.pk: p for p in CadencePolicy.objects.prefetch_related("steps")}
        self.defaults = {p.debtor_kind: p for p in self.policies.values() if p.is_default}
        self.accessories = next(
            (
                p
                for p in self.policies.values()
                if p.for_accessories and p.debtor_kind == Debtor.Kind.PROFESSIONAL
            ),
            None,
        )
        self.steps = {pk: list(p.steps.all()) for pk, p in self.policies.items()}
        self.creditor_choice = {
            (c.creditor_id, c.debtor_kind): c.policy_id
            for c in CreditorCadence.objects.filter(
                creditor_id__in={d.creditor_id for d in dossiers}
            )
        }
        self.overrides = dict(
            DebtorCadenceOverride.objects.filter(debtor_id__in=debtor_ids).values_list(
                "debtor_id", "policy_id"
            )
        )
        self.own = dict(
            DossierCadence.objects.filter(dossier_id__in=ids).values_list("dossier_id", "policy_id")
        )
        self._done: dict[tuple[int, int], set[int]] = {}
        notices: dict[tuple[int, int], list] = {}
        for dossier_id, cycle, step_id, stage, status, sent_at, deposited_on in (
            Reminder.objects.filter(dossier_id__in=ids, reanchored=False)
            .order_by()
            .values_list(
                "dossier_id", "cycle", "step_id", "step__stage", "status", "sent_at", "deposited_on"
            )
        ):
            self._done.setdefault((dossier_id, cycle), set()).add(step_id)
            if stage == Stage.FORMAL_NOTICE and status in CONTACTS:
                notices.setdefault((dossier_id, cycle), []).append((status, sent_at, deposited_on))
        # The day each cycle's notice went out, or NOT_SENT while it waits.
        self.notice: dict[tuple[int, int], date | str] = {
            key: notice_state(rows) for key, rows in notices.items()
        }
        self.last_contact = dict(
            Reminder.objects.filter(dossier__debtor_id__in=debtor_ids, status__in=CONTACTS)
            .values("dossier__debtor_id")
            .annotate(last=Max("scheduled_for"))
            .values_list("dossier__debtor_id", "last")
        )
        self.balance = dict(
            Claim.objects.filter(dossier_id__in=ids)
            .values("dossier_id")
            .annotate(total=Sum("outstanding"))
            .values_list("dossier_id", "total")
        )
        self.holds = {
            hold.dossier_id: hold
            for hold in DossierHold.objects.filter(
                dossier_id__in=ids, released_on__isnull=True, started_on__lte=on, until__gte=on
            ).order_by("-pk")
        }

    def accessories_remaining(self, dossier: Dossier, *, on: date) -> Decimal:
        """``dossier_accessories(dossier, on=on).remaining``, read at once for the batch's
        dossiers left with their accessories (a statement clears hundreds)."""
        if on != self._on:
            return dossier_accessories(dossier, on=on).remaining
        if self._accessories_left is None:
            left = [d for d in self._dossiers if d.state == S.ACCESSORIES]
            figures = dossiers_accessories(left, on=dict.fromkeys((d.pk for d in left), on))
            self._accessories_left = {pk: a.remaining for pk, a in figures.items()}
        if dossier.pk not in self._accessories_left:
            return dossier_accessories(dossier, on=on).remaining
        return self._accessories_left[dossier.pk]

    def accessories_known(self, remaining: dict[int, Decimal]) -> None:
        """``accessories_remaining`` of these dossiers at the batch's day, already computed by
        the caller: the batch's other dossiers in « Accessoires dus » are read on demand."""
        if self._accessories_left is None:
            left = [d for d in self._dossiers if d.state == S.ACCESSORIES and d.pk not in remaining]
            figures = dossiers_accessories(left, on=dict.fromkeys((d.pk for d in left), self._on))
            self._accessories_left = {pk: a.remaining for pk, a in figures.items()}
        self._accessories_left.update(remaining)

    def refresh_debtor(self, debtor_id: int) -> None:
        """Read again a debtor's last contact (after a dossier went the per-dossier way)."""
        self.last_contact[debtor_id] = Reminder.objects.filter(
            dossier__debtor_id=debtor_id, status__in=CONTACTS
        ).aggregate(last=Max("scheduled_for"))["last"]

    def policy_for(self, dossier: Dossier) -> CadencePolicy:
        if dossier.state == S.ACCESSORIES and self.accessories is not None:
            return self.accessories
        kind = dossier.debtor.kind
        if kind == Debtor.Kind.UNKNOWN:
            kind = Debtor.Kind.CONSUMER
        chosen = (
            self.overrides.get(dossier.debtor_id)
            or self.own.get(dossier.pk)
            or self.creditor_choice.get((dossier.creditor_id, kind))
        )
        return self.policies[chosen] if chosen else self.defaults[kind]

    def done_steps(self, dossier: Dossier) -> set[int]:
        return self._done.get((dossier.pk, dossier.cycle), set())

    def planned(self, dossier: Dossier, step: CadenceStep, *, status: str, on: date) -> None:
        """Record a reminder just planned (or skipped) for ``dossier``."""
        self._done.setdefault((dossier.pk, dossier.cycle), set()).add(step.pk)
        if status in CONTACTS:
            last = self.last_contact.get(dossier.debtor_id)
            if last is None or last < on:
                self.last_contact[dossier.debtor_id] = on
            if step.stage == Stage.FORMAL_NOTICE and status == Reminder.Status.PLANNED:
                # Planned now, sent later: the dossier waits for its sending.
                self.notice.setdefault((dossier.pk, dossier.cycle), NOT_SENT)
