"""Reads of the controller's workspace: the "Ma journée" worklist, the dossier page, the debtor.

Every function runs a fixed number of queries whatever the number of dossiers: the worklist is
one keyset-paginated query (no COUNT) plus one query per kind of detail for the rows on the page;
the dossier page reads each relation once.

Scoping is ``dossiers.scoping``'s: every read here starts from its querysets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import chain

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import roles
from dossiers import scoping
from dossiers.models import (
    ZERO,
    Claim,
    Debtor,
    Dispute,
    Dossier,
    DossierState,
    Evidence,
    Installment,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    Promise,
    Task,
)
from legal import calendar, rules
from legal.formatting import euros
from portail import selectors as portal_selectors
from portail.models import PortalEvent
from recouvrement.lookups import AnyOf
from relances import planning
from relances.models import DELIVERED_CHANNELS, CallLog, Channel, DossierHold, Reminder, Stage
from scoring.models import DossierScore

S = DossierState
PAGE_SIZE = 25


# --- Who sees what ----------------------------------------------------------------------------


def sees_all(user) -> bool:
    """Managers see their team's dossiers (and filter them by controller)."""
    return roles.has_role(user, roles.MANAGER)


# --- The worklist's kinds of items ------------------------------------------------------------


@dataclass(frozen=True)
class ItemKind:
    code: str
    label: str  # the filter's label (plural)
    badge: str  # the row's badge (singular)


ITEM_KINDS = (
    ItemKind("call", "Appels à passer", "Appel à passer"),
    ItemKind("approval", "Courriers à valider", "Courrier à valider"),
    ItemKind("promise_due", "Promesses à échéance", "Promesse à échéance"),
    ItemKind("promise_broken", "Promesses non tenues", "Promesse non tenue"),
    ItemKind("installment_missed", "Échéances impayées", "Échéance impayée"),
    ItemKind("dispute", "Contestations à traiter", "Contestation à traiter"),
    ItemKind("failed", "Envois en échec", "Envoi en échec"),
    ItemKind("prescription", "Prescriptions sous 90 jours", "Prescription proche"),
    ItemKind("claim_declaration", "Déclarations de créance", "Déclaration de créance"),
    ItemKind("go_no_go", "Décisions Go/No-Go", "Décision Go/No-Go"),
    ItemKind("portal", "Actions du débiteur en ligne", "Action du débiteur en ligne"),
    ItemKind("task", "Autres tâches", "Tâche"),
)
ITEM_LABELS = {kind.code: kind.label for kind in ITEM_KINDS}
TASK_ITEMS = {
    Task.Kind.PROMISE_BROKEN: "promise_broken",
    Task.Kind.INSTALLMENT_MISSED: "installment_missed",
    Task.Kind.CLAIM_DECLARATION: "claim_declaration",
    Task.Kind.GO_NO_GO: "go_no_go",
    Task.Kind.CALL: "call",
}


def _open_task(kind: str | None, today: date, *, any_date: bool = False, row_by_row: bool = False):
    tasks = Task.objects.filter(dossier=OuterRef("pk"), status=Task.Status.OPEN)
    tasks = tasks.filter(kind=kind) if kind else tasks.exclude(kind__in=list(TASK_ITEMS))
    if not any_date:
        tasks = tasks.filter(due_on__lte=today)
    return _found(tasks, row_by_row=row_by_row)


def _found(rows: QuerySet, *, row_by_row: bool = False):
    """Whether ``rows`` (correlated to the dossier by ``OuterRef``) holds a row: ``EXISTS``, or
    with ``row_by_row`` a scalar subquery (``LIMIT 1``), always looked up dossier by dossier
    through the index on the dossier. PostgreSQL may turn an ``EXISTS`` into a hash of every
    matching row of the base, built on each statement: for the daily run's re-scoring of 500
    dossiers, every planned reminder of the base, which the run itself grows (~18,000 by the
    end of a run at 1M claims, four times per batch: 0.2-0.9 s a statement)."""
    if not row_by_row:
        return Exists(rows)
    return Coalesce(
        Subquery(rows.order_by().values(found=Value(True, output_field=BooleanField()))[:1]),
        Value(False),
        output_field=BooleanField(),
    )


def _item_conditions(
    today: date, prescription_ids: list[int], *, row_by_row: bool = False
) -> dict[str, object]:
    """One boolean SQL expression per kind of item, evaluated on each dossier row
    (``row_by_row``: each looked up dossier by dossier, ``_found``; the stored priority's
    re-scoring of a few hundred dossiers)."""

    def found(rows: QuerySet):
        return _found(rows, row_by_row=row_by_row)

    def task(kind: str | None, **kwargs):
        return _open_task(kind, today, row_by_row=row_by_row, **kwargs)

    planned = Reminder.objects.filter(
        dossier=OuterRef("pk"), status=Reminder.Status.PLANNED, scheduled_for__lte=today
    )
    called_today = CallLog.objects.filter(dossier=OuterRef("pk"), called_at__date=today)
    phone_due = Q(found(planned.filter(channel=Channel.PHONE))) & ~Q(found(called_today))
    return {
        "call": phone_due | Q(task(Task.Kind.CALL)),
        "approval": Q(
            found(planned.filter(step__needs_approval=True, channel__in=DELIVERED_CHANNELS))
        ),
        "promise_due": Q(
            found(
                Promise.objects.filter(
                    dossier=OuterRef("pk"), status=Promise.Status.PENDING, due_on__lte=today
                )
            )
        ),
        "promise_broken": Q(task(Task.Kind.PROMISE_BROKEN)),
        "installment_missed": Q(task(Task.Kind.INSTALLMENT_MISSED)),
        "dispute": Q(
            found(Dispute.objects.filter(dossier=OuterRef("pk"), status=Dispute.Status.OPEN))
        ),
        "failed": Q(
            found(Reminder.objects.filter(dossier=OuterRef("pk"), status=Reminder.Status.FAILED))
        ),
        # One parameter whatever the number of ids (``AnyOf``): the stored priority's statement
        # is compiled once and run again with other ids (``journee.priority``).
        "prescription": Q(AnyOf("pk", prescription_ids)),
        # A claim declaration is due by its deadline, weeks ahead: it shows from the start.
        "claim_declaration": Q(task(Task.Kind.CLAIM_DECLARATION, any_date=True)),
        "go_no_go": Q(task(Task.Kind.GO_NO_GO)),
        "portal": Q(
            found(
                PortalEvent.objects.filter(
                    dossier=OuterRef("pk"), checked_at__isnull=True, kind__in=PortalEvent.ACTIONS
                )
            )
        ),
        "task": Q(task(None)),
    }


# --- The priority score (amount, age, risk), explained on hover -------------------------------

AMOUNT_POINTS = ((Decimal("20000"), 40), (Decimal("5000"), 30), (Decimal("1000"), 20))
AMOUNT_POINTS += ((Decimal("200"), 10),)
AMOUNT_DEFAULT = 5
AGE_POINTS = ((90, 30), (60, 22), (30, 15), (15, 8))
AGE_DEFAULT = 3
# The riskiest situation of the dossier gives its points (the first that applies).
RISK_POINTS = (
    ("prescription", "prescription proche", 30),
    ("claim_declaration", "procédure collective : créance à déclarer", 30),
    ("promise_broken", "promesse non tenue", 25),
    ("installment_missed", "échéance impayée", 25),
    (S.GO_NO_GO, "mise en demeure restée sans effet", 25),
    (S.FORMAL_NOTICE, "mise en demeure", 20),
    ("failed", "envoi en échec", 15),
    ("dispute", "contestation ouverte", 15),
    (S.REMINDER_3, "relance 3", 12),
    (S.REMINDER_2, "relance 2", 8),
)
RISK_DEFAULT = 4
# A formal notice counts for the risk only once it went out (``notice_sent``): a notice waiting
# for approval is a « Courrier à valider », not a notice « restée sans effet ».
NOTICE_STATES = {S.GO_NO_GO, S.FORMAL_NOTICE}


def notice_sent() -> Coalesce:
    """Whether the dossier's formal notice of its current cycle went out.

    A scalar subquery (``LIMIT 1``) rather than ``EXISTS``: PostgreSQL may turn an ``EXISTS``
    into a hash of every matching row, built before the first row comes out — here every sent
    reminder (400,000 at 1M claims: 0.1 s of each worklist page for 26 rows); a scalar subquery
    is always looked up row by row, through the reminders' index on the dossier."""
    sent = Reminder.objects.filter(
        dossier=OuterRef("pk"),
        cycle=OuterRef("cycle"),
        step__stage=Stage.FORMAL_NOTICE,
        status=Reminder.Status.SENT,
    )
    return Coalesce(
        Subquery(sent.values(found=Value(True, output_field=BooleanField()))[:1]),
        Value(False),
        output_field=BooleanField(),
    )


def _score_expression(today: date):
    amount = Case(
        *[When(balance__gte=limit, then=Value(points)) for limit, points in AMOUNT_POINTS],
        default=Value(AMOUNT_DEFAULT),
        output_field=IntegerField(),
    )
    age = Case(
        *[
            When(reference_date__lte=today - timedelta(days=days), then=Value(points))
            for days, points in AGE_POINTS
        ],
        default=Value(AGE_DEFAULT),
        output_field=IntegerField(),
    )
    risk_whens = []
    for code, _label, points in RISK_POINTS:
        condition = Q(state=code) if code in S.values else Q(**{f"has_{code}": True})
        if code in NOTICE_STATES:
            condition &= Q(notice_sent=True)
        risk_whens.append(When(condition, then=Value(points)))
    risk = Case(*risk_whens, default=Value(RISK_DEFAULT), output_field=IntegerField())
    return amount + age + risk + probability_points()


def probability_points():
    """The payment probability's points (scoring: 20 at 100 %), counted only for the dossiers of
    a creditor whose manager turned it on (``scoring.PriorityScoring``, journaled); 0 otherwise
    and for a dossier without a score. The score only moves a row in the list."""
    return Coalesce(
        Case(
            When(creditor__priority_scoring__enabled=True, then=F("payment_score__points")),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def days_overdue(reference_date: date | None, today: date) -> int:
    return max((today - reference_date).days, 0) if reference_date else 0


def score_explanation(row: Dossier, today: date, kinds: set[str]) -> str:
    """The score's three parts in words, for the row's tooltip (same tables as the SQL).

    ``kinds``: the row's kinds of items (``_describe``'s, the same conditions as the SQL's)."""
    balance = row.balance or ZERO
    amount = next((p for limit, p in AMOUNT_POINTS if balance >= limit), AMOUNT_DEFAULT)
    days = days_overdue(row.reference_date, today)
    age = AGE_DEFAULT
    if row.reference_date:
        age = next((p for d, p in AGE_POINTS if row.reference_date <= today - timedelta(d)), age)
    risk_label, risk = "aucun signal particulier", RISK_DEFAULT
    for code, label, points in RISK_POINTS:
        hit = row.state == code if code in S.values else code in kinds
        if code in NOTICE_STATES:
            hit = hit and getattr(row, "notice_sent", False)
        if hit:
            risk_label, risk = label, points
            break
    text = (
        f"Priorité {row.score} = montant {euros(balance)} : {amount} pts + retard {days} jours : "
        f"{age} pts + risque ({risk_label}) : {risk} pts"
    )
    payment = payment_score(row)
    if payment is not None and row.score > amount + age + risk:
        text += f" + chance de paiement {payment.percent} % : {row.score - amount - age - risk} pts"
    return text


def payment_score(dossier: Dossier) -> DossierScore | None:
    """The dossier's payment probability (read with ``select_related("payment_score")``)."""
    try:
        return dossier.payment_score
    except ObjectDoesNotExist:
        return None


# --- Prescription (the legal engine's warnings) -----------------------------------------------


def prescription_flags(dossiers: QuerySet[Dossier], *, today: date) -> dict[int, list]:
    """Open claims prescribed within 90 days (or already), per dossier id.

    The legal engine (``dossiers.selectors.prescription_warnings``) computes the dates. Only
    claims due long enough ago can be near: a prescription date is never earlier than the due
    date + the shortest period (interruptions and suspensions only push it later), so the SQL
    pre-filter keeps the read small.
    """
    from dossiers.selectors import prescription_warnings

    horizon = today + timedelta(days=max(rules.PRESCRIPTION_WARNING_DAYS))
    bound = calendar.add_months(horizon, -12 * rules.PRESCRIPTION_YEARS_CONSUMER)
    claims = Claim.objects.filter(
        dossier__in=dossiers.values("pk"), due_date__lte=bound + timedelta(days=1)
    )
    warnings = prescription_warnings(on=today, queryset=claims)
    flags: dict[int, list] = {}
    for flag in chain(warnings.prescribed, warnings.flags):
        flags.setdefault(flag.claim.dossier_id, []).append(flag)
    return flags


# --- The worklist -----------------------------------------------------------------------------


@dataclass
class WorkItem:
    kind: str
    label: str
    detail: str = ""


@dataclass
class WorklistRow:
    dossier: Dossier
    items: list[WorkItem]
    explanation: str
    days_overdue: int
    hold: DossierHold | None = None
    payment: DossierScore | None = None  # the payment probability and its reasons (scoring)


@dataclass
class Worklist:
    rows: list[WorklistRow]
    next_cursor: str | None
    today: date
    filters: dict = field(default_factory=dict)


def _balance_subquery():
    return Coalesce(
        Subquery(
            Claim.objects.filter(dossier=OuterRef("pk"))
            .values("dossier")
            .annotate(total=Sum("outstanding"))
            .values("total")[:1]
        ),
        ZERO,
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def parse_cursor(cursor: str | None) -> tuple[int, int] | None:
    try:
        score, pk = (cursor or "").split(".", 1)
        return int(score), int(pk)
    except ValueError:
        return None


def worklist(
    *,
    user,
    today: date,
    kind: str = "",
    q: str = "",
    creditor: int | None = None,
    assignee: str = "",
    everything: bool = False,
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
) -> Worklist:
    """The dossiers that need a person today, highest priority first, one page at a time.

    ``everything``: all active dossiers in scope, not only those with something to do.
    Keyset pagination on (stored priority, pk): the next page starts after the last row's key,
    so no page ever counts the whole set, and the index on the priority gives the rows in order.
    """
    scope = scoping.visible_dossiers(user).filter(closed_on__isnull=True)
    if assignee and sees_all(user):
        scope = (
            scope.filter(assigned_to__isnull=True)
            if assignee == "aucun"
            else scope.filter(assigned_to_id=assignee)
        )
    if creditor:
        scope = scope.filter(creditor_id=creditor)
    q = (q or "").strip()
    if q:
        digits = q.replace(" ", "")
        match = (
            Q(debtor__name__icontains=q)
            | Q(reference__icontains=q)
            | Q(Exists(Claim.objects.filter(dossier=OuterRef("pk"), invoice_number__icontains=q)))
        )
        if digits.isdigit():
            match |= Q(debtor__siren__startswith=digits)
        scope = scope.filter(match)

    flags = prescription_flags(scope, today=today)
    conditions = _item_conditions(today, sorted(flags))
    # The flags are aliases: compiled into the filter and the score, never selected (the
    # row's items come from _describe's detail queries).
    rows = scope.annotate(balance=_balance_subquery()).alias(
        **{
            f"has_{code}": Case(
                When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
            for code, condition in conditions.items()
        },
    )
    if not everything:
        # Only the dossiers flagged with something to do (``journee.priority``), through their
        # index; the conditions below check each of them again.
        rows = rows.filter(attention=True)
    if kind in conditions:
        rows = rows.filter(**{f"has_{kind}": True})
    elif not everything:
        needs_person = Q()
        for code in conditions:
            needs_person |= Q(**{f"has_{code}": True})
        rows = rows.filter(needs_person)
    # The order is the stored priority's (``journee.priority``: kept by the writes and the
    # daily refresh), read from its index; the score shown and explained is computed for the
    # page's rows only.
    rows = rows.annotate(notice_sent=notice_sent()).annotate(score=_score_expression(today))
    key = parse_cursor(cursor)
    if key is not None:
        rows = rows.filter(Q(priority__lt=key[0]) | Q(priority=key[0], pk__lt=key[1]))
    page = list(
        rows.select_related("debtor", "creditor", "assigned_to", "payment_score").order_by(
            "-priority", "-pk"
        )[: page_size + 1]
    )
    next_cursor = None
    if len(page) > page_size:
        page = page[:page_size]
        next_cursor = f"{page[-1].priority}.{page[-1].pk}"
    return Worklist(
        rows=_describe(page, today=today, flags=flags),
        next_cursor=next_cursor,
        today=today,
    )


def _waiting_since(day: date, today: date) -> str:
    """« en attente depuis 12 jours (prévu le 16/11/2026) »: a letter's age at its approval."""
    days = (today - day).days
    age = "prévu aujourd'hui" if days <= 0 else f"en attente depuis {days} jour{'s' * (days > 1)}"
    return f"{age} (prévu le {day:%d/%m/%Y})" if days > 0 else age


def _describe(page: list[Dossier], *, today: date, flags: dict[int, list]) -> list[WorklistRow]:
    """The items of each row in words: one query per kind of detail, for the page's rows only."""
    ids = [d.pk for d in page]
    items: dict[int, list[WorkItem]] = {pk: [] for pk in ids}
    reminders = (
        Reminder.objects.filter(dossier_id__in=ids)
        .filter(
            Q(status=Reminder.Status.FAILED)
            | Q(status=Reminder.Status.PLANNED, scheduled_for__lte=today)
        )
        .select_related("step")
        .order_by("scheduled_for", "pk")
    )
    for reminder in reminders:
        if reminder.status == Reminder.Status.FAILED:
            items[reminder.dossier_id].append(
                WorkItem("failed", "Envoi en échec", f"{reminder.step.label} — {reminder.note}")
            )
        elif reminder.channel == Channel.PHONE:
            items[reminder.dossier_id].append(
                WorkItem(
                    "call",
                    "Appel à passer",
                    f"{reminder.step.label}, prévu le {reminder.scheduled_for:%d/%m/%Y}",
                )
            )
        elif reminder.step.needs_approval:
            items[reminder.dossier_id].append(
                WorkItem(
                    "approval",
                    "Courrier à valider",
                    f"{reminder.step.label} ({reminder.get_channel_display()}), "
                    f"{_waiting_since(reminder.scheduled_for, today)}",
                )
            )
    for promise in Promise.objects.filter(
        dossier_id__in=ids, status=Promise.Status.PENDING, due_on__lte=today
    ):
        items[promise.dossier_id].append(
            WorkItem(
                "promise_due",
                "Promesse à échéance",
                f"{euros(promise.amount)} promis pour le {promise.due_on:%d/%m/%Y}",
            )
        )
    for task in Task.objects.filter(dossier_id__in=ids, status=Task.Status.OPEN).order_by(
        "due_on", "pk"
    ):
        code = TASK_ITEMS.get(task.kind, "task")
        if code != "claim_declaration" and task.due_on > today:
            continue
        items[task.dossier_id].append(
            WorkItem(code, task.get_kind_display(), task.note or f"Pour le {task.due_on:%d/%m/%Y}")
        )
    for dispute in Dispute.objects.filter(
        dossier_id__in=ids, status=Dispute.Status.OPEN
    ).select_related("claim"):
        invoice = f" — facture {dispute.claim.invoice_number}" if dispute.claim_id else ""
        items[dispute.dossier_id].append(
            WorkItem(
                "dispute",
                "Contestation à traiter",
                f"{dispute.get_reason_display()}{invoice}, depuis le {dispute.opened_on:%d/%m/%Y}",
            )
        )
    for event in PortalEvent.objects.filter(
        dossier_id__in=ids, checked_at__isnull=True, kind__in=PortalEvent.ACTIONS
    ).order_by("at", "pk"):
        items[event.dossier_id].append(
            WorkItem(
                "portal",
                f"En ligne : {event.get_kind_display()}",
                f"{event.summary}, le {timezone.localtime(event.at):%d/%m/%Y}",
            )
        )
    holds = {
        hold.dossier_id: hold
        for hold in DossierHold.objects.filter(
            dossier_id__in=ids, released_on__isnull=True, until__gte=today
        )
    }
    for pk in ids:
        for flag in flags.get(pk, []):
            detail = (
                f"Facture {flag.claim.invoice_number} prescrite depuis le "
                f"{flag.prescription.date:%d/%m/%Y}"
                if flag.days_left < 0
                else f"Facture {flag.claim.invoice_number} : prescription le "
                f"{flag.prescription.date:%d/%m/%Y} (dans {flag.days_left} jours)"
            )
            items[pk].append(WorkItem("prescription", "Prescription proche", detail))
    return [
        WorklistRow(
            dossier=d,
            items=items[d.pk],
            explanation=score_explanation(d, today, {item.kind for item in items[d.pk]}),
            days_overdue=days_overdue(d.reference_date, today),
            hold=holds.get(d.pk),
            payment=payment_score(d),
        )
        for d in page
    ]


# --- The dossier page -------------------------------------------------------------------------


@dataclass
class Totals:
    principal: Decimal = ZERO
    penalties: Decimal | None = ZERO
    indemnity: Decimal = ZERO
    interest: Decimal | None = ZERO
    # Money received beyond the invoices: it paid the accessories (docs/legal.md §11).
    accessories_paid: Decimal = ZERO
    # Closed as paid: nothing more is due (accessories paid or waived).
    settled_on: date | None = None

    @property
    def total(self) -> Decimal | None:
        """What is due, as ``dossiers.selectors.DossierFigures.total_due`` (the API's)."""
        from dossiers.selectors import DossierFigures

        return DossierFigures(
            on=date.min,
            principal=self.principal,
            late_penalties=self.penalties,
            recovery_indemnity=self.indemnity,
            legal_interest=self.interest,
            accessories_paid=self.accessories_paid,
            settled_on=self.settled_on,
        ).total_due


@dataclass
class ClaimLine:
    claim: Claim
    figures: object  # legal.figures.ClaimFigures


@dataclass
class NextStep:
    label: str
    on: date | None


@dataclass
class DossierDetail:
    dossier: Dossier
    today: date
    claims: list[ClaimLine]
    totals: Totals
    legal_errors: list[str]
    legal_notes: list[str]
    prescription_date: date | None
    days_overdue: int
    next_step: NextStep
    payments: list[Payment]
    promises: list[Promise]
    plans: list[PaymentPlan]
    disputes: list[Dispute]
    evidence: list[Evidence]
    tasks: list[Task]
    reminders: list[Reminder]
    calls: list[CallLog]
    hold: DossierHold | None
    # « Accessoires dus »: the penalties and indemnities left once the principal is paid.
    accessories: object = None  # legal.accessories.Accessories
    # The debtor's space (portail): the links still valid, and what happened there.
    portal_links: list[tuple[str, object]] = field(default_factory=list)
    portal_events: list = field(default_factory=list)

    @property
    def open_disputes(self) -> list[Dispute]:
        return [d for d in self.disputes if d.status == Dispute.Status.OPEN]

    @property
    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks if t.status == Task.Status.OPEN]

    @property
    def pending_approval(self) -> list[Reminder]:
        return [
            r
            for r in self.reminders
            if r.status == Reminder.Status.PLANNED
            and r.step.needs_approval
            and r.channel in DELIVERED_CHANNELS
        ]

    @property
    def failed_reminders(self) -> list[Reminder]:
        return [r for r in self.reminders if r.status == Reminder.Status.FAILED]

    @property
    def open_claims(self) -> list[Claim]:
        return [line.claim for line in self.claims if line.claim.outstanding > 0]

    @property
    def recaps_to_send(self) -> list[CallLog]:
        return [c for c in self.calls if c.recap_status == CallLog.Recap.TO_SEND]


def next_step(dossier: Dossier, *, on: date) -> NextStep:
    """What the cadence does next and when, in words (the planner's own decision)."""
    if dossier.is_closed:
        return NextStep(f"Dossier clos ({dossier.get_state_display().lower()})", None)
    if dossier.state == S.GO_NO_GO:
        return NextStep("Décision Go/No-Go à prendre", None)
    decision = planning.decide(dossier, on=on)
    if dossier.state == S.PROMISE:
        return NextStep("Vérification du paiement promis", decision.next_date)
    if dossier.state == S.PAYMENT_PLAN:
        return NextStep("Vérification de l'échéance suivante", decision.next_date)
    if dossier.state not in planning.STATE_RANK:
        return NextStep(f"Cadence suspendue ({dossier.get_state_display().lower()})", None)
    if decision.action == "fire":
        return NextStep(" + ".join(step.label for step in decision.fire), on)
    if decision.action == "go_no_go":
        return NextStep("Décision Go/No-Go", on)
    if decision.action == "wait":
        pending = decision.pending  # the planner's own list: no second read
        if pending and not decision.reason.startswith("dossier en attente"):
            step = min(pending, key=lambda s: s.offset_days)
            return NextStep(f"{step.label} ({step.get_channel_display()})", decision.next_date)
        return NextStep(decision.reason.capitalize(), decision.next_date)
    if dossier.state == S.FORMAL_NOTICE and decision.next_date:
        return NextStep("Fin du délai de la mise en demeure, puis Go/No-Go", decision.next_date)
    return NextStep((decision.reason or "aucune étape prévue").capitalize(), None)


def dossier_detail(dossier: Dossier, *, today: date) -> DossierDetail:
    """Everything the dossier page shows, each relation read once."""
    from dossiers.selectors import (
        accessories_paid,
        claim_legal_figures,
        claims_for_figures,
        dossier_accessories,
        rate_table,
    )

    rates = rate_table()
    claim_rows = list(claims_for_figures(dossier.claims.order_by("due_date", "pk")))
    lines, totals, errors, notes = [], Totals(), [], []
    prescription = None
    for claim in claim_rows:
        figures = claim_legal_figures(claim, on=today, rates=rates)
        lines.append(ClaimLine(claim, figures))
        if claim.is_cancelled:
            continue
        totals.principal += figures.unpaid
        totals.indemnity += figures.recovery_indemnity
        totals.penalties = (
            None
            if totals.penalties is None or figures.late_penalties is None
            else totals.penalties + figures.late_penalties
        )
        totals.interest = (
            None
            if totals.interest is None or figures.legal_interest is None
            else totals.interest + figures.legal_interest
        )
        # A missing rate: the figures are lower bounds (« au moins … »); its message says which.
        errors += [e for e in [*figures.errors, *figures.missing_rates] if e not in errors]
        notes += [n for n in figures.notes if n not in notes and "annulée" not in n]
        if claim.outstanding > 0 and figures.prescription_date is not None:
            prescription = min(filter(None, [prescription, figures.prescription_date]))
    totals.accessories_paid = accessories_paid(dossier)
    if dossier.state == S.PAID and dossier.closed_on is not None:
        totals.settled_on = dossier.closed_on
    hold = (
        DossierHold.objects.filter(dossier=dossier, released_on__isnull=True, until__gte=today)
        .order_by("-pk")
        .first()
    )
    return DossierDetail(
        dossier=dossier,
        today=today,
        claims=lines,
        totals=totals,
        legal_errors=errors,
        legal_notes=notes,
        prescription_date=prescription,
        days_overdue=days_overdue(dossier.reference_date, today),
        next_step=next_step(dossier, on=today),
        payments=list(
            dossier.payments.prefetch_related(
                Prefetch(
                    "allocations",
                    queryset=PaymentAllocation.objects.select_related("claim").order_by("pk"),
                )
            ).select_related("recorded_by")
        ),
        promises=list(dossier.promises.all()),
        plans=list(
            dossier.payment_plans.prefetch_related(
                Prefetch("installments", queryset=Installment.objects.order_by("due_on"))
            )
        ),
        disputes=list(dossier.disputes.select_related("claim")),
        evidence=list(dossier.evidence.select_related("claim", "uploaded_by")),
        tasks=list(dossier.tasks.select_related("assigned_to").order_by("status", "due_on")),
        reminders=list(
            Reminder.objects.filter(dossier=dossier)
            .select_related("step", "approved_by")
            .prefetch_related("sent_messages")
            .order_by("-scheduled_for", "-pk")
        ),
        calls=list(dossier.call_logs.select_related("called_by", "promise")),
        hold=hold,
        accessories=(
            dossier_accessories(dossier, on=today, rates=rates)
            if dossier.in_accessories_phase
            else None
        ),
        portal_links=portal_selectors.valid_links(dossier),
        portal_events=portal_selectors.recent_events(dossier),
    )


# --- The debtor page --------------------------------------------------------------------------


def debtor_for(user, pk: int) -> tuple[Debtor, list[Dossier]]:
    """The debtor and the dossiers the user may see, across creditors (``Debtor.DoesNotExist``
    when the user sees none of its dossiers)."""
    debtor = Debtor.objects.prefetch_related("contacts").get(pk=pk)
    dossiers = list(
        scoping.visible_dossiers(user)
        .filter(debtor=debtor)
        .annotate(balance=_balance_subquery())
        .select_related("creditor", "assigned_to")
        .order_by("closed_on", "-opened_on", "pk")
    )
    if not dossiers:
        raise Debtor.DoesNotExist
    return debtor, dossiers
