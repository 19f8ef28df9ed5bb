"""Issue #18, « What was seen » 2: escalation waits for the facts. The notice's deadline runs from
the day it actually went out; a notice not sent holds the dossier at its step (no Go/No-Go), it
shows in the worklist as « Courrier à valider » with its age, and the Go/No-Go list and the risk
points count only notices that went out."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier, DossierState
from dossiers.services import work
from escalade import gonogo
from journee import selectors
from relances import planning, services
from relances.models import Reminder
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory, DebtorFactory

D = datetime.date


def _dossier(frozen, controller, *, kind="professional", due=None):
    due = due or D(2026, 10, 1)
    debtor = DebtorFactory() if kind == "professional" else ConsumerFactory()
    with frozen(due - datetime.timedelta(days=30)):
        claim = ClaimFactory(
            creditor=CreditorFactory(),
            debtor=debtor,
            issue_date=due - datetime.timedelta(days=30),
            due_date=due,
            amount=Decimal("2400.00"),
        )
    return work.dossier_assign(
        dossier=claim.dossier, assignee=controller, actor=None, reason="portefeuille"
    )


@pytest.mark.django_db
def test_across_months_no_dossier_reaches_go_no_go_before_its_notice_deadline(
    frozen, walk, controller
):
    """Seen: dossiers reached Go/No-Go while their notice was still « Planifiée », the deadline
    counted from the step's planned date. Four dossiers walk from October to February; their
    notices are approved the day they are planned, 10 days later, 40 days later, or never.
    Each reaches Go/No-Go only after the deadline of the notice that went out (sending + 2
    working days + 8 days, rolled to a working day); the one never approved stays at its
    step."""
    dossiers = [
        _dossier(frozen, controller),
        _dossier(frozen, controller, kind="consumer", due=D(2026, 10, 9)),
        _dossier(frozen, controller, due=D(2026, 10, 20)),
        _dossier(frozen, controller, kind="consumer", due=D(2026, 11, 3)),
    ]
    approve_after = {dossiers[0].pk: 0, dossiers[1].pk: 10, dossiers[2].pk: 40}
    reached: dict[int, datetime.date] = {}

    def on_day(day):
        for reminder in Reminder.objects.filter(
            dossier__in=dossiers, status=Reminder.Status.PLANNED, step__needs_approval=True
        ):
            delay = approve_after.get(reminder.dossier_id)
            if delay is not None and day >= reminder.scheduled_for + datetime.timedelta(delay):
                services.reminder_approve(reminder=reminder, actor=controller, on=day)
        for dossier in Dossier.objects.filter(pk__in=[d.pk for d in dossiers]):
            if dossier.state == DossierState.GO_NO_GO and dossier.pk not in reached:
                reached[dossier.pk] = day

    walk(dossiers[0]).run(D(2026, 10, 2), D(2027, 2, 26), on_day=on_day)

    for dossier in dossiers[:3]:
        notice = Reminder.objects.get(dossier=dossier, step__stage="formal_notice")
        assert notice.status == Reminder.Status.SENT
        sent_on = timezone.localdate(notice.sent_at)
        policy = planning.policy_for(dossier)
        deadline = planning.notice_deadline(policy, sent_on, postal_code=dossier.debtor.postal_code)
        assert dossier.pk in reached, dossier
        assert reached[dossier.pk] > deadline, (dossier, sent_on, deadline, reached[dossier.pk])
        assert reached[dossier.pk] > notice.scheduled_for + datetime.timedelta(
            approve_after[dossier.pk]
        )
    never = Dossier.objects.get(pk=dossiers[3].pk)
    assert never.state == DossierState.FORMAL_NOTICE and never.pk not in reached
    assert never.formal_notice_sent_on is None


@pytest.mark.django_db
def test_a_notice_awaiting_approval_shows_as_a_letter_to_approve_with_its_age_not_as_a_risk(
    frozen, walk, controller
):
    dossier = _dossier(frozen, controller)
    walk(dossier).run(D(2026, 11, 16), D(2026, 11, 16))
    notice = Reminder.objects.get(dossier=dossier, step__stage="formal_notice")
    assert notice.status == Reminder.Status.PLANNED
    today = D(2026, 11, 28)
    # Whatever state the data says (a dossier pushed to Go/No-Go by the former rule), no
    # « mise en demeure » risk without a notice that went out.
    for state in (DossierState.FORMAL_NOTICE, DossierState.GO_NO_GO):
        Dossier.objects.filter(pk=dossier.pk).update(state=state)
        rows = selectors.worklist(user=controller, today=today).rows
        row = next(r for r in rows if r.dossier.pk == dossier.pk)
        approval = [item for item in row.items if item.kind == "approval"]
        assert approval and approval[0].label == "Courrier à valider"
        assert "en attente depuis 12 jours (prévu le 16/11/2026)" in approval[0].detail
        assert "mise en demeure" not in row.explanation, row.explanation
        assert not gonogo.ready_for_decision().filter(pk=dossier.pk).exists()


@pytest.mark.django_db
def test_the_go_no_go_list_shows_only_dossiers_whose_notice_went_out(
    frozen, walk, controller, manager, client
):
    held, sent = _dossier(frozen, controller), _dossier(frozen, controller)
    walk(held).run(D(2026, 11, 16), D(2026, 11, 16))
    with frozen(D(2026, 11, 17)):
        notice = Reminder.objects.get(dossier=sent, step__stage="formal_notice")
        services.reminder_approve(reminder=notice, actor=controller)
    from courriers.delivery import reminder_deliver

    with frozen(D(2026, 11, 17)):
        assert reminder_deliver(reminder_id=notice.pk)
    # Legacy rows: both at Go/No-Go; only the one whose notice went out is listed.
    Dossier.objects.filter(pk__in=[held.pk, sent.pk]).update(state=DossierState.GO_NO_GO)
    client.force_login(manager)
    listed = set(gonogo.ready_for_decision().values_list("pk", flat=True))
    assert sent.pk in listed and held.pk not in listed
    html = client.get(reverse("escalade:decisions")).content.decode()
    assert held.reference not in html


@pytest.mark.django_db
def test_a_registered_notice_counts_its_deadline_from_the_post_office_deposit(
    frozen, walk, controller, client
):
    """Issue #18, Deliver 2: « the notice's deadline runs from the day it was actually sent (its
    sent timestamp, or the registered letter's deposit date) ». A notice approved on Monday
    16/11/2026 but deposited at the post office on Thursday 19/11/2026: the Go/No-Go waits for
    the deadline counted from the deposit (19/11 + 2 working days + 8 days), not from the
    approval; legal interest runs from the deposit too (C. civ. 1231-6)."""
    from courriers import delivery
    from courriers.models import SentMessage

    dossier = _dossier(frozen, controller, kind="consumer")
    walk(dossier).run(D(2026, 11, 16), D(2026, 11, 16))
    notice = Reminder.objects.get(dossier=dossier, step__stage="formal_notice")
    with frozen(D(2026, 11, 16)):
        services.reminder_approve(reminder=notice, actor=controller)
        delivery.reminder_deliver(reminder_id=notice.pk)
    sent = SentMessage.objects.get(reminder=notice)
    assert sent.channel == "registered_letter"
    policy = planning.policy_for(dossier)
    from_sending = planning.notice_deadline(policy, D(2026, 11, 16))
    from_deposit = planning.notice_deadline(policy, D(2026, 11, 19))
    assert from_deposit > from_sending

    client.force_login(controller)
    url = reverse("courriers:sent_action", args=[sent.pk, "recommande"])
    with frozen(D(2026, 11, 20)):
        # A deposit in the future, or before the letter existed, is refused and changes nothing.
        for bad in ("21/11/2026", "13/11/2026"):
            response = client.post(url, {"number": "1A 123 456 7890 1", "deposited_on": bad})
            assert response.status_code == 302
            notice.refresh_from_db()
            assert notice.deposited_on is None
        client.post(url, {"number": "1A 123 456 7890 1", "deposited_on": "19/11/2026"})
        response = client.get(reverse("courriers:sent_detail", args=[sent.pk]))
    notice.refresh_from_db()
    assert notice.deposited_on == D(2026, 11, 19)
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.formal_notice_sent_on == D(2026, 11, 19)
    assert response.status_code == 200, response
    page = response.content.decode()
    assert "Déposée à La Poste le 19/11/2026" in page

    walk(dossier).run(D(2026, 11, 17), from_deposit)
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.FORMAL_NOTICE, "Go/No-Go before the deposit's deadline"
    walk(dossier).run(
        from_deposit + datetime.timedelta(days=1), from_deposit + datetime.timedelta(days=5)
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.GO_NO_GO
