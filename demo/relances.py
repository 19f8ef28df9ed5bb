"""The cadence's part of the demo: the last months of daily runs, then the side states.

The seeder's agenda (dossiers opened, invoices, payments...) is played day by day over the last
120 days under the moving clock (``demo.clock``), as if the product had been live: each morning
the daily run at 06:00, the reminders it planned sent at 08:00 (through the letters' real
delivery, so the evidence bears that day), the formal notices approved by the manager two days
after they were planned (except the last weeks' ones, left waiting for approval), the day's
events, the letters batched for the post at 17:00. Then a few dossiers get a promise, a payment
plan, a dispute and a Go/No-Go decision; and the controller's worklist (« Ma journée ») gets one
of each kind of item: a promise due today, a broken promise, a missed installment, a failed
delivery, a prescription within 90 days, a call with its recap e-mail to send, a dossier on hold.
"""

import multiprocessing
import os
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import roles
from courriers import delivery, rendering
from courriers.versions import reminder_template
from demo import courriers as demo_letters
from demo import scoring as demo_scoring
from dossiers import services as dossier_services
from dossiers.models import Debtor, Dossier, DossierState
from legal.calendar import is_working_day, roll_forward
from portail.models import PortalAccess
from relances import planning, services
from relances.models import DELIVERED_CHANNELS, CallLog, Channel, Reminder, Stage

S = DossierState
WALK_DAYS = 120
# A formal notice waits for a manager's approval: approved this many days after its planned
# day during the walk; those planned in the last APPROVAL_OPEN_DAYS are left to approve.
APPROVAL_DELAY_DAYS, APPROVAL_OPEN_DAYS = 2, 35


def _first(state: str, exclude: set[int], *, opened_by: date | None = None) -> Dossier | None:
    """The first dossier in ``state`` not used yet (opened by ``opened_by``, for a past event)."""
    dossiers = Dossier.objects.filter(state=state).exclude(pk__in=exclude)
    if opened_by is not None:
        dossiers = dossiers.filter(opened_on__lte=opened_by)
    dossier = dossiers.order_by("pk").first()
    if dossier is not None:
        exclude.add(dossier.pk)
    return dossier


@contextmanager
def _renderers():
    """A pool of processes rendering the day's PDFs ahead of the sending (one per core, at most
    four; none on a single core): the rendering is most of a letter's cost and uses one core."""
    processes = min(os.cpu_count() or 1, 4)
    if processes < 2:
        yield None
        return
    import weasyprint  # noqa: F401  (imported once, before the fork)

    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield pool


def _prerender(ids: list[int], day: date, pool) -> dict[int, rendering.Document]:
    """Start rendering the PDFs of the reminders about to go out, in parallel, each as soon as
    its document is read: the sending then waits for its own bytes
    (``courriers.rendering.prerender``) — the same bytes it would render. A dossier with one
    reminder that day hands its document to the sending (``rendering.prepare``), which then
    does not read it a second time: nothing of that dossier is written between the two (the
    day's other sendings are other dossiers'). A dossier with two (an e-mail and a letter) has
    each document built again when sent: the first sending changes what the second says.
    Returns the documents built, by reminder."""
    reminders = list(Reminder.objects.filter(pk__in=ids).exclude(channel=Channel.SMS))
    per_dossier = Counter(reminder.dossier_id for reminder in reminders)
    documents = {}
    for reminder in reminders:
        try:
            with _AHEAD.building(reminder.dossier_id, guessing=False):
                document = rendering.reminder_document(reminder, on=day)
        except ValidationError:
            continue  # the sending will say why (nothing due, no address...)
        if per_dossier[reminder.dossier_id] == 1:
            rendering.prepare(reminder.pk, document)
        rendering.prerender([document], pool=pool)
        documents[reminder.pk] = document
    return documents


def _as_ready(ids: list[int], documents: dict[int, rendering.Document]):
    """The day's reminders in the order their PDFs come out of the pool: the next one sent is
    the first whose PDF is ready (or that needs none), else the first of the list, waited for —
    as workers sending each letter when it is rendered would. A dossier's own reminders keep
    their order (the first sending changes what the second says)."""
    dossier_of = dict(
        Reminder.objects.filter(pk__in=ids).values_list("pk", "dossier_id").order_by()
    )
    waiting = list(ids)
    while waiting:
        first_of_dossier = {}
        for pk in waiting:
            first_of_dossier.setdefault(dossier_of.get(pk), pk)
        chosen = next(
            (
                pk
                for pk in waiting
                if first_of_dossier[dossier_of.get(pk)] == pk
                and (pk not in documents or rendering.pdf_ready(documents[pk]))
            ),
            waiting[0],
        )
        waiting.remove(chosen)
        yield chosen


def _notices_to_approve(day: date):
    """The formal notices the manager approves this day (``_approve_notices``)."""
    return delivery.letters_to_approve().filter(
        scheduled_for__lte=day - timedelta(days=APPROVAL_DELAY_DAYS)
    )


def _prerender_ahead(notices: list[Reminder], day: date, pool) -> None:
    """Start rendering, with the day's first sendings, the PDFs of the formal notices the
    manager approves an hour later: each then finds its bytes ready when sent (the approval's
    work and the first sendings overlap its rendering on the other core) instead of being
    rendered by this process, alone, most days. A guess, safe whatever happens in between: a
    PDF is found by the SHA-256 of what it is rendered from, so a notice whose document changed
    (or that is not approved after all) is simply rendered again when sent — the same bytes as
    without the guess."""
    for notice in notices:
        try:
            with _AHEAD.building(notice.dossier_id, guessing=False):
                document = rendering.reminder_document(notice, on=day)
        except ValidationError:
            continue
        rendering.prerender([document], pool=pool)


# Tomorrow's letters are guessed only while the pool has cores to spare: on a day with more
# letters than this to send, rendering today's keeps it busy.
GUESS_WHEN_AT_MOST = 4


class _DrawnAhead:
    """The debtor-space links' random identifiers, drawn a day ahead for the guesses: a dossier's
    first letter issues its link (``portail.services.access_issue``: a new access, whose
    ``public_id`` — a random UUID — makes the token printed with its QR code), so that a guess
    made the day before, its access rolled back with it, would print another link and miss.
    While the walk runs, the access made by a guess takes the identifier drawn for its dossier
    (``uuid.uuid4``, as the model's default draws it) and the access the sending makes the next
    day takes that same identifier — once; any other access draws its own. The identifiers stay
    random and each is used at most once: the same links as without the guess, drawn a day
    earlier (what the letter prints: the link, never the access's dates)."""

    def __init__(self):
        self.drawn: dict[int, uuid.UUID] = {}
        self.current: tuple[int, bool] | None = None

    def _public_id(self) -> uuid.UUID:
        if self.current is None:
            return uuid.uuid4()
        dossier_id, guessing = self.current
        if guessing:
            return self.drawn.setdefault(dossier_id, uuid.uuid4())
        return self.drawn.pop(dossier_id, None) or uuid.uuid4()

    @contextmanager
    def installed(self):
        """The model's default for ``public_id`` is this object's (Django keeps a field's
        default callable in ``_get_default``); the model's own is back afterwards."""
        field = PortalAccess._meta.get_field("public_id")
        kept = field.__dict__.get("_get_default")
        field.__dict__["_get_default"] = self._public_id
        try:
            yield self
        finally:
            if kept is None:
                field.__dict__.pop("_get_default", None)
            else:
                field.__dict__["_get_default"] = kept

    @contextmanager
    def building(self, dossier_id: int, *, guessing: bool):
        """The accesses made meanwhile are this dossier's, for a guess or for the sending."""
        previous, self.current = self.current, (dossier_id, guessing)
        try:
            yield
        finally:
            self.current = previous


_AHEAD = _DrawnAhead()


def _guess_tomorrow(day: date, pool, *, approving: bool) -> int:
    """Start rendering, this morning, the PDFs of the letters tomorrow's run will plan and send
    (the steps the planner would fire tomorrow, ``planning.decide``, as things stand now): the
    pool renders them while this process sends today's letters and plays the day's events, and
    tomorrow's sendings find their bytes ready instead of waiting for them. A guess, safe
    whatever happens in between: a PDF is found by the SHA-256 of what it is rendered from, so
    a letter whose document changed by then (a payment in the afternoon, a link renewed) or
    that is not sent after all is simply rendered again when sent — the same bytes as without
    the guess. The guess writes nothing: the documents are built in a savepoint rolled back,
    and a dossier whose letter would issue its debtor-space link is not guessed."""
    tomorrow = day + timedelta(days=1)
    started = 0
    dossiers = (
        services.due_dossiers(tomorrow)
        .select_related("creditor__messaging", "creditor__portal_settings", "debtor")
        .prefetch_related("debtor__contacts")
        .order_by("pk")
    )
    for dossier in dossiers:
        try:
            with transaction.atomic(), _AHEAD.building(dossier.pk, guessing=True):
                documents = _guessed_documents(dossier, tomorrow)
                transaction.set_rollback(True)
        except (ValidationError, ObjectDoesNotExist):
            continue  # a guess: the sending will say what is wrong, if anything
        started += rendering.prerender(documents, pool=pool)
    if approving:
        # The formal notices the manager approves tomorrow at 09:00, as they stand now.
        for notice in _notices_to_approve(tomorrow).select_related("dossier__debtor"):
            try:
                with transaction.atomic(), _AHEAD.building(notice.dossier_id, guessing=True):
                    document = rendering.reminder_document(notice, on=tomorrow)
                    transaction.set_rollback(True)
            except (ValidationError, ObjectDoesNotExist):
                continue
            if not document.layout.get("nothing_due"):
                started += rendering.prerender([document], pool=pool)
    return started


def _guessed_documents(dossier: Dossier, on: date) -> list[rendering.Document]:
    """The documents of the letters the planner would fire for this dossier on ``on``."""
    decision = planning.decide(dossier, on=on)
    if decision.action != "fire":
        return []
    steps = [
        step
        for step in decision.fire
        if step.channel in DELIVERED_CHANNELS
        and step.channel != Channel.SMS
        and not step.needs_approval
    ]
    if not steps:
        return []
    documents = []
    for step in steps:
        reminder = Reminder(dossier=dossier, step=step, channel=step.channel)
        document = rendering.render_document(
            reminder_template(reminder),
            dossier,
            on=on,
            include_not_due=step.stage == Stage.COURTESY,
        )
        if not document.layout.get("nothing_due"):
            documents.append(document)
    return documents


def _deliver_due(
    day: date,
    pool=None,
    *,
    ahead: list[Reminder] = (),
    forget: bool = True,
    guess: bool = False,
    approving_tomorrow: bool = False,
) -> int:
    """Send what the run planned for the day (and any step approved since). ``ahead``: notices
    to approve later that day, whose PDFs start rendering now (``_prerender_ahead``), left
    pending for the next call (``forget=False``), which forgets what was not asked for: a
    document prepared and not sent now is not sent then either (it failed, or was no longer
    planned), and the next call prepares its own again. ``guess``: tomorrow's letters start
    rendering too (``_guess_tomorrow``; with the formal notices the manager approves tomorrow,
    ``approving_tomorrow``), kept past this call for tomorrow's. The day's reminders go in
    the order their PDFs are ready (``_as_ready``)."""
    due = (
        Reminder.objects.filter(
            status=Reminder.Status.PLANNED,
            channel__in=DELIVERED_CHANNELS,
            scheduled_for__lte=day,
        )
        .exclude(step__needs_approval=True, approved_at__isnull=True)
        .order_by("scheduled_for", "pk")
        .values_list("pk", flat=True)
    )
    ids = list(due)
    documents = {}
    if pool is not None and (ids or ahead):
        documents = _prerender(ids, day, pool)
        _prerender_ahead(list(ahead), day, pool)
    if guess and pool is not None and len(ids) + len(ahead) <= GUESS_WHEN_AT_MOST:
        # While today's first PDFs render: this process has nothing else to do until then.
        _guess_tomorrow(day, pool, approving=approving_tomorrow)
    order = _as_ready(ids, documents) if documents else ids
    try:
        return sum(delivery.reminder_deliver(reminder_id=pk) for pk in order)
    finally:
        if forget:
            rendering.prerender_forget(through=day)


def _approve_notices(day: date, manager) -> None:
    for notice in list(_notices_to_approve(day)):
        try:
            services.reminder_approve(reminder=notice, actor=manager, on=day)
        except ValidationError:
            continue  # paused or closed dossier, or on hold: the letter stays where it is


def _approving(day: date, today: date) -> bool:
    """Whether the manager approves formal notices on ``day`` (``_approve_notices``)."""
    return day <= today - timedelta(days=APPROVAL_OPEN_DAYS) and is_working_day(day)


def walk(seeder, *, start: date) -> None:
    """Play the agenda and the daily runs from ``start`` to today, under the moving clock."""
    today, clock = seeder.today, seeder.clock
    manager = (
        get_user_model().objects.filter(groups__name=roles.MANAGER).order_by("pk").first()
        or seeder.actor
    )
    seeder.play_until(start - timedelta(days=1))
    clock.at(start, 6)
    for dossier in Dossier.objects.active().order_by("pk"):
        dossier_services.save_dossier(
            dossier,
            actor=seeder.actor,
            reason="démonstration : cadence reprise au démarrage",
            on=start,
        )
    demo_letters.creditor_messaging(seeder=seeder)
    day, guessed = start, set()
    with _renderers() as pool, _AHEAD.installed():
        # The payment model's learning (the seed's last part) on a core the walk leaves idle.
        learning = pool and pool.apply_async(demo_scoring.learn_synthetic, (today,))
        while day <= today:
            clock.at(day, 6)
            services.run_cadence(on=day)
            clock.at(day, 8)
            approving = _approving(day, today)
            # Each notice guessed once: one the manager cannot approve (a dossier paused, on
            # hold) stays waiting, and would be built again every morning for nothing.
            ahead = [
                notice
                for notice in (_notices_to_approve(day) if approving and pool is not None else [])
                if notice.pk not in guessed
            ]
            guessed.update(notice.pk for notice in ahead)
            _deliver_due(
                day,
                pool,
                ahead=ahead,
                forget=not ahead,
                guess=day < today,
                approving_tomorrow=_approving(day + timedelta(days=1), today),
            )
            if approving:
                clock.at(day, 9)
                _approve_notices(day, manager)
                _deliver_due(day, pool)
            seeder.play_until(day)
            if day < today and delivery.letters_waiting().exists():
                clock.at(day, 17)
                delivery.letter_batch_create(actor=seeder.controller, day=day)
            day += timedelta(days=1)
        seeder.learned = _learned(learning)
    clock.at(today, 10)


def _learned(learning) -> dict | None:
    """What the pool learnt (``demo.scoring.learn_synthetic``), or None if it failed: the
    scoring part then learns it itself."""
    if learning is None:
        return None
    try:
        return learning.get(timeout=rendering.PRERENDER_WAIT_SECONDS)
    except Exception:
        return None


def walk_the_cadence(*, seeder) -> list[str]:
    today, actor = seeder.today, seeder.actor
    walk(seeder, start=today - timedelta(days=WALK_DAYS))

    used: set[int] = set()
    lines = []
    if dossier := _first(S.REMINDER_2, used):
        balance = dossier_services.dossier_balance(dossier)
        dossier_services.promise_record(
            dossier=dossier,
            amount=balance,
            due_on=today + timedelta(days=10),
            actor=seeder.controller,
            reason="promesse obtenue au téléphone",
        )
        lines.append(f"Promesse de paiement en cours : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.REMINDER_3, used):
        balance = dossier_services.dossier_balance(dossier)
        first = (balance / 3).quantize(Decimal("0.01"))
        dossier_services.plan_accept(
            dossier=dossier,
            installments=[
                (today + timedelta(days=5), first),
                (today + timedelta(days=35), first),
                (today + timedelta(days=65), balance - 2 * first),
            ],
            actor=seeder.controller,
            reason="échéancier accepté : difficultés de trésorerie passagères",
        )
        lines.append(f"Échéancier en cours : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.REMINDER_2, used) or _first(S.REMINDER_1, used):
        dossier_services.dispute_open(
            dossier=dossier,
            reason_code="quality",
            claim=dossier.claims.order_by("due_date").first(),
            description="Le client signale des marchandises livrées endommagées.",
            actor=seeder.controller,
        )
        lines.append(f"Contestation en cours : {dossier.reference} ({dossier.creditor})")
    decisions = [
        ("litigation", "dossier complet, créance non contestée : injonction de payer"),
        ("written_off", "montant trop faible au regard du coût d'une procédure"),
    ]
    for decision, reason in decisions:
        if dossier := _first(S.GO_NO_GO, used):
            # Decided a few days after the file reached Go/No-Go, as a manager would.
            reached = dossier.history.filter(state=S.GO_NO_GO).order_by("history_date").first()
            day = min(
                roll_forward(timezone.localdate(reached.history_date) + timedelta(days=3)), today
            )
            with seeder.clock.moment(day, 16):
                dossier_services.dossier_decide(
                    dossier=dossier, decision=decision, actor=actor, reason=reason, on=day
                )
            lines.append(f"Go/No-Go ({reason}) : {dossier.reference} ({dossier.creditor})")
    lines += _worklist_items(seeder, used)
    sent = Reminder.objects.filter(
        status__in=[Reminder.Status.PLANNED, Reminder.Status.SENT]
    ).count()
    states = ", ".join(
        f"{label} {Dossier.objects.filter(state=value).count()}"
        for value, label in S.choices
        if Dossier.objects.filter(state=value).exists()
    )
    return [
        f"Relances    {sent} sur {WALK_DAYS} jours de cadence quotidienne",
        f"États       {states}",
        *lines,
    ]


def _balance(dossier: Dossier) -> Decimal:
    return sum((c.outstanding for c in dossier.claims.all()), Decimal("0.00"))


def _worklist_items(seeder, used: set[int]) -> list[str]:
    """One dossier for each kind of item of « Ma journée » that the walk does not make."""
    today, controller = seeder.today, seeder.controller
    lines = []
    if dossier := _first(S.OPEN, used, opened_by=today - timedelta(days=10)):
        with seeder.clock.moment(today - timedelta(days=10), 15):
            dossier_services.promise_record(
                dossier=dossier,
                amount=_balance(dossier),
                due_on=today,
                actor=controller,
                reason="promesse obtenue au téléphone",
                on=today - timedelta(days=10),
            )
        lines.append(f"Promesse à échéance aujourd'hui : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.OPEN, used, opened_by=today - timedelta(days=15)):
        with seeder.clock.moment(today - timedelta(days=15), 16):
            dossier_services.promise_record(
                dossier=dossier,
                amount=_balance(dossier),
                due_on=today - timedelta(days=8),
                actor=controller,
                reason="promesse obtenue au téléphone",
                on=today - timedelta(days=15),
            )
        with seeder.clock.moment(today, 7):
            dossier_services.promise_check(dossier=dossier, actor=None, on=today)
        lines.append(f"Promesse non tenue : {dossier.reference} ({dossier.creditor})")
    if dossier := _first(S.OPEN, used, opened_by=today - timedelta(days=35)):
        balance = _balance(dossier)
        first = (balance / 3).quantize(Decimal("0.01"))
        with seeder.clock.moment(today - timedelta(days=35), 15):
            dossier_services.plan_accept(
                dossier=dossier,
                installments=[
                    (today - timedelta(days=30), first),
                    (today, first),
                    (today + timedelta(days=30), balance - 2 * first),
                ],
                actor=controller,
                reason="échéancier accepté par courriel : reconnaissance de dette (C. civ. 2240)",
                on=today - timedelta(days=35),
            )
        with seeder.clock.moment(today, 7):
            dossier_services.plan_check(dossier=dossier, grace_days=3, actor=None, on=today)
        lines.append(f"Échéance impayée : {dossier.reference} ({dossier.creditor})")
    # Deliveries are queued on commit and the demo runs in one transaction: the e-mail is
    # still planned here, and its delivery then finds it failed and sends nothing.
    email = (
        Reminder.objects.filter(
            status__in=[Reminder.Status.PLANNED, Reminder.Status.SENT],
            channel="email",
            dossier__assigned_to=controller,
            dossier__closed_on__isnull=True,
        )
        .exclude(dossier_id__in=used)
        .order_by("-scheduled_for", "pk")
        .first()
    )
    if email is not None:
        services.reminder_mark_failed(
            reminder_id=email.pk, error="adresse refusée par le serveur du destinataire (550)"
        )
        lines.append(f"Envoi en échec : {email.dossier.reference} ({email.dossier.creditor})")
    yesterday = today - timedelta(days=1)
    if dossier := _first(S.REMINDER_2, used, opened_by=yesterday) or _first(
        S.REMINDER_1, used, opened_by=yesterday
    ):
        with seeder.clock.moment(yesterday, 11):
            services.call_log(
                dossier=dossier,
                actor=controller,
                outcome=CallLog.Outcome.REACHED,
                contact_name="Service comptable",
                contact_role=CallLog.ContactRole.ACCOUNTING,
                delay_reason="cash_flow",
                commitment_amount=_balance(dossier),
                commitment_date=today + timedelta(days=30),
                summary="Règlement annoncé pour la fin du mois prochain.",
                at=timezone.make_aware(datetime.combine(today - timedelta(days=1), time(11))),
            )
        lines.append(f"Appel avec récapitulatif à envoyer : {dossier.reference}")
    if dossier := _first(S.OPEN, used):
        services.hold_set(
            dossier=dossier,
            until=today + timedelta(days=14),
            reason="bon de livraison signé demandé au créancier",
            actor=controller,
        )
        lines.append(f"Dossier en attente : {dossier.reference} ({dossier.creditor})")
    lines += _near_prescription(seeder, used)
    return lines


def _near_prescription(seeder, used: set[int]) -> list[str]:
    """A consumer's older invoice, due almost 2 years ago (C. conso. L218-2), found and added to
    their dossier: its prescription falls within 90 days, the worklist warns."""
    today = seeder.today
    dossier = (
        Dossier.objects.active()
        .filter(debtor__kind=Debtor.Kind.CONSUMER, assigned_to=seeder.controller)
        .exclude(pk__in=used)
        .order_by("pk")
        .first()
    )
    if dossier is None:
        return []
    used.add(dossier.pk)
    due = today.replace(year=today.year - 2) + timedelta(days=45)
    claim = dossier_services.claim_create(
        creditor=dossier.creditor,
        debtor=dossier.debtor,
        invoice_number=f"FA-{due.year}-90001",
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount=Decimal("640.00"),
        actor=seeder.actor,
        reason="facture ancienne retrouvée lors d'un rapprochement",
    )
    return [f"Prescription dans moins de 90 jours : {claim.dossier.reference} ({dossier.creditor})"]
