"""Dossiers walked day by day through the cadence, asserting the exact states and reminder dates.

Dates are worked out by hand: offsets count from the oldest unpaid due date; a step falling on a
Saturday, Sunday or French public holiday moves to the next working day (CPC 641-642).
"""

import datetime
from decimal import Decimal

import pytest

from dossiers import services as dossier_services
from dossiers.models import Dossier, Task
from relances import services
from relances.models import Reminder
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db
D = datetime.date
SENT = Reminder.Status.SENT


def _claim(frozen, debtor=None, **kwargs):
    """An invoice issued 01/09/2026, due Thursday 01/10/2026, recorded on its issue date."""
    kwargs.setdefault("issue_date", D(2026, 9, 1))
    kwargs.setdefault("due_date", D(2026, 10, 1))
    with frozen(kwargs["issue_date"]):
        return ClaimFactory(debtor=debtor or DebtorFactory(), **kwargs)


def test_professional_from_due_date_to_go_no_go(frozen, walk):
    """The formal notice is approved the day it is planned; the Go/No-Go counts from its
    sending (issue #18): Monday 16/11 + 2 working days (expected delivery, Wednesday 18/11)
    + 8 days = Thursday 26/11, Go/No-Go the day after."""
    claim = _claim(frozen)
    w = walk(claim.dossier)

    def approve(day):
        if day == D(2026, 11, 16):
            notice = Reminder.objects.get(dossier=claim.dossier, step__code="r45-mise-en-demeure")
            services.reminder_approve(reminder=notice, actor=None, on=day)

    w.run(D(2026, 10, 1), D(2026, 11, 30), on_day=approve)
    assert w.states == [
        (D(2026, 10, 1), "open"),
        (D(2026, 10, 8), "reminder_1"),  # R+7, Thursday
        (D(2026, 10, 16), "reminder_2"),  # R+15, Friday
        (D(2026, 11, 2), "reminder_3"),  # R+30 = Sat 31/10, Sun 01/11 All Saints → Mon 02/11
        (D(2026, 11, 16), "formal_notice"),  # R+45 = Sun 15/11 → Mon 16/11
        (D(2026, 11, 27), "go_no_go"),  # deadline Thu 26/11, Go/No-Go the day after
    ]
    assert w.reminders() == [
        (D(2026, 10, 8), "r7-email"),
        (D(2026, 10, 16), "r15-email"),
        (D(2026, 10, 16), "r15-appel"),
        (D(2026, 11, 2), "r30-courrier"),
        (D(2026, 11, 16), "r45-mise-en-demeure"),
    ]
    # Emails and letters go out; the call is a task for a person; the formal notice went out
    # once approved.
    statuses = dict(
        Reminder.objects.filter(dossier=claim.dossier).values_list("step__code", "status")
    )
    assert statuses == {
        "r7-email": SENT,
        "r15-email": SENT,
        "r15-appel": "planned",
        "r30-courrier": SENT,
        "r45-mise-en-demeure": SENT,
    }
    assert Task.objects.get(dossier=claim.dossier).kind == Task.Kind.GO_NO_GO
    dossier = Dossier.objects.get(pk=claim.dossier.pk)
    assert dossier.next_action_at is None


def test_consumer_follows_the_consumer_policy(frozen, walk):
    claim = _claim(frozen, debtor=ConsumerFactory(postal_code="75011"))
    w = walk(claim.dossier)
    w.run(D(2026, 10, 1), D(2026, 10, 20))
    assert w.states[-1] == (D(2026, 10, 16), "reminder_2")
    codes = Reminder.objects.filter(dossier=claim.dossier).values_list(
        "step__policy__debtor_kind", flat=True
    )
    assert set(codes) == {"consumer"}


def test_dispute_in_the_middle_pauses_and_resumes_where_it_left_off(frozen, walk):
    claim = _claim(frozen)
    w = walk(claim.dossier)
    dispute = {}

    def act(day):
        if day == D(2026, 10, 12):
            dispute["d"] = dossier_services.dispute_open(
                dossier=claim.dossier, reason_code="quality", actor=None, claim=claim
            )
        if day == D(2026, 10, 26):
            dossier_services.dispute_resolve(
                dispute=dispute["d"], upheld=False, resolution="livraison conforme", actor=None
            )

    w.run(D(2026, 10, 1), D(2026, 11, 5), on_day=act)
    assert w.states == [
        (D(2026, 10, 1), "open"),
        (D(2026, 10, 8), "reminder_1"),
        (D(2026, 10, 12), "disputed"),
        (D(2026, 10, 26), "reminder_1"),
        # R+15 (16/10) passed during the dispute: it fires the morning after it is resolved.
        (D(2026, 10, 27), "reminder_2"),
        (D(2026, 11, 3), "reminder_3"),  # R+30 on 02/11, but 7 days' spacing after 27/10
    ]
    assert (D(2026, 10, 27), "r15-email") in w.reminders()


def test_upheld_dispute_cancels_the_claim_and_closes_the_dossier(frozen, walk):
    claim = _claim(frozen)
    with frozen(D(2026, 10, 10)):
        dispute = dossier_services.dispute_open(
            dossier=claim.dossier, reason_code="invoice_error", actor=None, claim=claim
        )
        dossier_services.dispute_resolve(
            dispute=dispute, upheld=True, resolution="facture erronée", actor=None
        )
    claim.refresh_from_db()
    dossier = Dossier.objects.get(pk=claim.dossier.pk)
    assert claim.cancelled_on == D(2026, 10, 10) and claim.amount == Decimal("1200.00")
    assert dossier.state == "paid" and dossier.closed_on == D(2026, 10, 10)


def test_promise_kept(frozen, walk):
    claim = _claim(frozen)
    w = walk(claim.dossier)

    def act(day):
        if day == D(2026, 10, 9):
            dossier_services.promise_record(
                dossier=claim.dossier,
                amount=Decimal("1200.00"),
                due_on=D(2026, 10, 20),
                actor=None,
            )
        if day == D(2026, 10, 19):
            dossier_services.payment_record(
                dossier=claim.dossier, amount=Decimal("1200.00"), received_on=day, actor=None
            )

    w.run(D(2026, 10, 1), D(2026, 10, 31), on_day=act)
    # Kept, but after the due date: a professional still owes the penalties and the 40 €
    # indemnity (C. com. L441-10 II, D441-5), claimed by their own cadence from the payment.
    assert w.states == [
        (D(2026, 10, 1), "open"),
        (D(2026, 10, 8), "reminder_1"),
        (D(2026, 10, 9), "promise"),
        (D(2026, 10, 19), "accessories"),
    ]
    assert w.reminders() == [(D(2026, 10, 8), "r7-email"), (D(2026, 10, 26), "a7-rappel")]


def test_promise_kept_closes_the_dossier_when_the_creditor_waives_the_accessories(frozen, walk):
    claim = _claim(frozen, creditor=CreditorFactory(waives_accessories=True))
    w = walk(claim.dossier)

    def act(day):
        if day == D(2026, 10, 9):
            dossier_services.promise_record(
                dossier=claim.dossier,
                amount=Decimal("1200.00"),
                due_on=D(2026, 10, 20),
                actor=None,
            )
        if day == D(2026, 10, 19):
            dossier_services.payment_record(
                dossier=claim.dossier, amount=Decimal("1200.00"), received_on=day, actor=None
            )

    w.run(D(2026, 10, 1), D(2026, 10, 31), on_day=act)
    assert w.states[-1] == (D(2026, 10, 19), "paid")
    assert w.reminders() == [(D(2026, 10, 8), "r7-email")]


def test_promise_broken_resumes_with_a_task(frozen, walk):
    claim = _claim(frozen)
    w = walk(claim.dossier)

    def act(day):
        if day == D(2026, 10, 9):
            dossier_services.promise_record(
                dossier=claim.dossier,
                amount=Decimal("600.00"),
                due_on=D(2026, 10, 20),
                actor=None,
            )

    w.run(D(2026, 10, 1), D(2026, 10, 31), on_day=act)
    assert w.states == [
        (D(2026, 10, 1), "open"),
        (D(2026, 10, 8), "reminder_1"),
        (D(2026, 10, 9), "promise"),
        # 20/10 + 3 days' grace = 23/10; broken on Saturday 24/10, the cadence resumes at
        # reminder 1 and R+15 (16/10, passed) fires on the next working day.
        (D(2026, 10, 24), "reminder_1"),
        (D(2026, 10, 26), "reminder_2"),
    ]
    task = Task.objects.get(dossier=claim.dossier)
    assert (task.kind, task.due_on) == (Task.Kind.PROMISE_BROKEN, D(2026, 10, 24))


def test_payment_plan_with_a_missed_installment(frozen, walk):
    claim = _claim(frozen)
    w = walk(claim.dossier)

    def act(day):
        if day == D(2026, 10, 12):
            dossier_services.plan_accept(
                dossier=claim.dossier,
                installments=[
                    (D(2026, 10, 15), Decimal("400.00")),
                    (D(2026, 11, 15), Decimal("400.00")),
                    (D(2026, 12, 15), Decimal("400.00")),
                ],
                actor=None,
            )
        if day == D(2026, 10, 14):
            dossier_services.payment_record(
                dossier=claim.dossier, amount=Decimal("400.00"), received_on=day, actor=None
            )

    w.run(D(2026, 10, 1), D(2026, 11, 25), on_day=act)
    assert w.states == [
        (D(2026, 10, 1), "open"),
        (D(2026, 10, 8), "reminder_1"),
        (D(2026, 10, 12), "payment_plan"),
        # Second installment 15/11 unpaid; 3 days' grace → missed on 19/11; the cadence resumes
        # with the most advanced step due (R+45 formal notice), the skipped ones recorded.
        (D(2026, 11, 19), "formal_notice"),
    ]
    task = Task.objects.get(dossier=claim.dossier)
    assert task.kind == Task.Kind.INSTALLMENT_MISSED
    caught = Reminder.objects.get(dossier=claim.dossier, step__code="r45-mise-en-demeure")
    assert caught.caught_up and caught.scheduled_for == D(2026, 11, 19)
    skipped = Reminder.objects.filter(dossier=claim.dossier, status="cancelled")
    assert sorted(skipped.values_list("step__code", flat=True)) == [
        "r15-appel",
        "r15-email",
        "r30-courrier",
    ]


def test_insolvency_opened_midway_cancels_planned_reminders_and_sets_a_declaration_task(
    frozen, walk
):
    claim = _claim(frozen)
    w = walk(claim.dossier)

    def act(day):
        if day == D(2026, 10, 20):
            dossier_services.insolvency_open(
                debtor=claim.dossier.debtor,
                kind="receivership",
                opened_on=D(2026, 10, 19),
                published_on=D(2026, 10, 30),
                actor=None,
            )

    w.run(D(2026, 10, 1), D(2026, 12, 31), on_day=act)
    assert w.states == [
        (D(2026, 10, 1), "open"),
        (D(2026, 10, 8), "reminder_1"),
        (D(2026, 10, 16), "reminder_2"),
        (D(2026, 10, 20), "insolvency"),
    ]
    # The call planned at R+15 is cancelled; nothing else is ever planned.
    assert Reminder.objects.get(dossier=claim.dossier, step__code="r15-appel").status == (
        "cancelled"
    )
    task = Task.objects.get(dossier=claim.dossier)
    # 30/10/2026 + 2 months = Wed 30/12/2026 (C. com. R622-24).
    assert (task.kind, task.due_on) == (Task.Kind.CLAIM_DECLARATION, D(2026, 12, 30))


def test_full_payment_at_reminder_2_closes_the_dossier(frozen, walk):
    """A creditor that waives the accessories: the principal paid closes the dossier."""
    claim = _claim(frozen, creditor=CreditorFactory(waives_accessories=True))
    w = walk(claim.dossier)

    def act(day):
        if day == D(2026, 10, 20):
            dossier_services.payment_record(
                dossier=claim.dossier, amount=Decimal("1200.00"), received_on=day, actor=None
            )

    w.run(D(2026, 10, 1), D(2026, 11, 30), on_day=act)
    assert w.states == [
        (D(2026, 10, 1), "open"),
        (D(2026, 10, 8), "reminder_1"),
        (D(2026, 10, 16), "reminder_2"),
        (D(2026, 10, 20), "paid"),
    ]
    dossier = Dossier.objects.get(pk=claim.dossier.pk)
    assert dossier.closed_on == D(2026, 10, 20) and dossier.next_action_at is None
    assert Reminder.objects.get(dossier=dossier, step__code="r15-appel").status == "cancelled"


def test_partial_payment_is_recorded_and_the_cadence_goes_on(frozen, walk):
    claim = _claim(frozen)
    w = walk(claim.dossier)

    def act(day):
        if day == D(2026, 10, 12):
            dossier_services.payment_record(
                dossier=claim.dossier, amount=Decimal("200.00"), received_on=day, actor=None
            )

    w.run(D(2026, 10, 1), D(2026, 10, 20), on_day=act)
    assert w.states[-1] == (D(2026, 10, 16), "reminder_2")
    claim.refresh_from_db()
    assert claim.outstanding == Decimal("1000.00")


def test_imported_already_late_claim_catches_up_with_the_most_advanced_step(frozen):
    from relances import services

    creditor, debtor = CreditorFactory(), DebtorFactory()
    with frozen(D(2026, 11, 20)):
        claim = ClaimFactory(
            creditor=creditor, debtor=debtor, issue_date=D(2026, 9, 1), due_date=D(2026, 10, 20)
        )
        report = services.run_cadence(on=D(2026, 11, 20))
    # R+30 = 19/11 is the most advanced due step; R+7 and R+15 are recorded as skipped.
    assert report.reminders == 1 and report.caught_up == 1
    fired = Reminder.objects.get(dossier=claim.dossier, status__in=["planned", "sent"])
    assert fired.step.code == "r30-courrier" and fired.caught_up
    assert Dossier.objects.get(pk=claim.dossier.pk).state == "reminder_3"


def test_reference_date_moves_to_the_next_unpaid_invoice(frozen, walk):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    first = _claim(frozen, debtor=debtor, creditor=creditor)
    second = _claim(frozen, debtor=debtor, creditor=creditor, due_date=D(2026, 10, 21))
    w = walk(first.dossier)

    def act(day):
        if day == D(2026, 10, 9):
            dossier_services.payment_record(
                dossier=first.dossier, amount=first.amount, received_on=day, actor=None
            )

    w.run(D(2026, 10, 1), D(2026, 11, 10), on_day=act)
    dossier = Dossier.objects.get(pk=first.dossier.pk)
    assert dossier.reference_date == second.due_date
    # R+7 went out on 08/10 for the first invoice and is not repeated; R+15 re-anchors on
    # 21/10: 05/11.
    assert w.reminders() == [
        (D(2026, 10, 8), "r7-email"),
        (D(2026, 11, 5), "r15-email"),
        (D(2026, 11, 5), "r15-appel"),
    ]


def test_no_reminder_under_the_tolerance(frozen, walk):
    claim = _claim(frozen, amount=Decimal("4.99"))
    w = walk(claim.dossier)
    w.run(D(2026, 10, 1), D(2026, 10, 20))
    assert w.reminders() == []
    assert Dossier.objects.get(pk=claim.dossier.pk).next_action_at is None
