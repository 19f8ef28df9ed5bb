"""The controller's workspace: the worklist, the dossier page and its actions, with their rules.

Dates are relative to a frozen Monday 23/11/2026 (a working day).
"""

import datetime
import html
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from courriers import delivery
from dossiers import services as dossier_services
from dossiers.models import Dispute, Dossier, Promise, Task
from dossiers.services import work
from journee import selectors
from relances import calls, services
from relances.models import CallLog, DossierHold, Reminder
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory, UserFactory
from tests.relances import portfolio

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 23)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 30), tick=False):
        yield


def page(response) -> str:
    """The page's text, French non-breaking spaces as plain spaces (1 234,56 €)."""
    return normalize(html.unescape(response.content.decode()))


def normalize(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _dossier(controller, *, due=TODAY - datetime.timedelta(days=20), amount="1200.00", **kw):
    claim = ClaimFactory(
        issue_date=due - datetime.timedelta(days=30), due_date=due, amount=Decimal(amount), **kw
    )
    return work.dossier_assign(
        dossier=claim.dossier, assignee=controller, actor=None, reason="affectation"
    )


# --- Landing and access -----------------------------------------------------------------------


def test_controller_lands_on_ma_journee(client, controller):
    client.force_login(controller)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("journee:worklist")
    assert "Ma journée" in page(response)


def test_dpo_may_not_open_the_workspace(client, dpo):
    client.force_login(dpo)
    assert client.get(reverse("journee:worklist")).status_code == 403


def test_a_controller_sees_only_their_dossiers_a_manager_their_creditors(
    client, controller, manager
):
    mine = _dossier(controller)
    other = _dossier(UserFactory(username="autre", role="controller"))
    elsewhere = _dossier(UserFactory(username="tiers", role="controller"))
    for dossier in (mine, other, elsewhere):
        dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=None)
    for dossier in (mine, other):
        dossier.creditor.managers.add(manager)
    client.force_login(controller)
    text = page(client.get(reverse("journee:worklist")))
    assert mine.reference in text and other.debtor.name not in text
    assert client.get(reverse("journee:dossier", args=[other.pk])).status_code == 404
    assert client.get(reverse("journee:debtor", args=[other.debtor_id])).status_code == 404
    client.force_login(manager)
    text = page(client.get(reverse("journee:worklist")))
    assert mine.debtor.name in text and other.debtor.name in text
    assert elsewhere.debtor.name not in text
    assert client.get(reverse("journee:dossier", args=[elsewhere.pk])).status_code == 404


# --- The worklist -----------------------------------------------------------------------------


def test_worklist_shows_every_kind_of_item_with_its_words(client, controller):
    portfolio.build(controller=controller, count=6, day=TODAY)
    client.force_login(controller)
    text = page(client.get(reverse("journee:worklist")))
    for label in (
        "Appel à passer",
        "Décision Go/No-Go",
        "Promesse à échéance",
        "Contestation à traiter",
        "Promesse non tenue",
        "Échéance impayée",
    ):
        assert label in text, label
    assert "1 200,00 €" in text or "€" in text


def test_worklist_is_ordered_by_score_and_explains_it(controller):
    small = _dossier(controller, amount="150.00")
    big = _dossier(controller, amount="25000.00")
    for dossier in (small, big):
        dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=None)
    rows = selectors.worklist(user=controller, today=TODAY).rows
    assert [row.dossier.pk for row in rows] == [big.pk, small.pk]
    # 25 000 € → 40 pts; 20 days overdue → 8 pts; open dispute → 15 pts.
    assert rows[0].dossier.score == 63
    assert normalize(rows[0].explanation) == (
        "Priorité 63 = montant 25 000,00 € : 40 pts + retard 20 jours : 8 pts + risque "
        "(contestation ouverte) : 15 pts"
    )


def test_worklist_filters_by_kind_and_searches_name_siren_and_invoice(controller):
    dossiers = portfolio.build(controller=controller, count=6, day=TODAY)
    disputed = dossiers[3]
    only = selectors.worklist(user=controller, today=TODAY, kind="dispute").rows
    assert [row.dossier.pk for row in only] == [disputed.pk]
    invoice = disputed.claims.get().invoice_number
    for q in (disputed.debtor.name, disputed.debtor.siren, invoice, invoice.lower()):
        found = selectors.worklist(user=controller, today=TODAY, q=q).rows
        assert [row.dossier.pk for row in found] == [disputed.pk], q


def test_keyset_pagination_walks_every_dossier_once(controller):
    dossiers = portfolio.build(controller=controller, count=12, day=TODAY)
    seen, cursor = [], None
    while True:
        result = selectors.worklist(user=controller, today=TODAY, cursor=cursor, page_size=5)
        seen += [row.dossier.pk for row in result.rows]
        cursor = result.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(d.pk for d in dossiers) and len(seen) == len(set(seen))


def test_a_dossier_called_today_leaves_the_calls_to_make(controller):
    dossier = portfolio.build(controller=controller, count=1, day=TODAY)[0]
    assert selectors.worklist(user=controller, today=TODAY, kind="call").rows
    services.call_log(dossier=dossier, actor=controller, outcome=CallLog.Outcome.VOICEMAIL)
    assert not selectors.worklist(user=controller, today=TODAY, kind="call").rows


# --- The call ---------------------------------------------------------------------------------


def test_call_with_a_payment_within_7_days_records_a_promise_and_a_call_back_in_a_week(
    controller, django_capture_on_commit_callbacks
):
    dossier = portfolio.build(controller=controller, count=1, day=TODAY)[0]
    phone = Reminder.objects.get(dossier=dossier, channel="phone")
    with django_capture_on_commit_callbacks(execute=True):
        call = services.call_log(
            dossier=dossier,
            actor=controller,
            outcome=CallLog.Outcome.REACHED,
            contact_name="M. Moreau",
            contact_role=CallLog.ContactRole.MANAGER,
            delay_reason="cash_flow",
            commitment_amount=Decimal("500.00"),
            commitment_date=TODAY + datetime.timedelta(days=5),
        )
    dossier = Dossier.objects.get(pk=dossier.pk)
    promise = Promise.objects.get(dossier=dossier)
    assert (promise.amount, promise.due_on, promise.status) == (
        Decimal("500.00"),
        D(2026, 11, 28),
        "pending",
    )
    assert dossier.state == "promise" and call.promise == promise
    # A week after the call: Monday 30/11/2026.
    task = call.follow_up_task
    assert (task.kind, task.due_on, task.status) == (Task.Kind.CALL, D(2026, 11, 30), "open")
    assert call.recap_status == ""
    phone.refresh_from_db()
    assert phone.status == Reminder.Status.SENT
    history = call.history.first()
    assert history.history_user == controller and history.history_change_reason


def test_call_with_a_payment_in_a_month_records_the_recap_email_to_send(controller):
    dossier = portfolio.build(controller=controller, count=1, day=TODAY)[0]
    call = services.call_log(
        dossier=dossier,
        actor=controller,
        outcome=CallLog.Outcome.REACHED,
        contact_name="Mme Durand",
        delay_reason="oversight",
        commitment_amount=Decimal("300.00"),
        commitment_date=TODAY + datetime.timedelta(days=30),
    )
    assert call.follow_up_task is None
    assert call.recap_status == CallLog.Recap.TO_SEND
    assert "300,00 €" in call.recap_content and "23/12/2026" in call.recap_content


def test_free_text_printed_in_the_recap_email_is_checked_for_forbidden_wording(controller):
    """docs/legal.md §5 (C. conso. L121-2, L121-6): the contact's name typed in the call form is
    printed in the recap e-mail; a threat slipped into it is refused with its reason."""
    dossier = portfolio.build(controller=controller, count=1, day=TODAY)[0]
    with pytest.raises(ValidationError) as refused:
        services.call_log(
            dossier=dossier,
            actor=controller,
            outcome=CallLog.Outcome.REACHED,
            contact_name="Mme Durand (sinon p l a i n t e au commissariat)",
            delay_reason="oversight",
            commitment_amount=Decimal("300.00"),
            commitment_date=TODAY + datetime.timedelta(days=30),
        )
    assert "Formulation interdite" in str(refused.value.message_dict["contact_name"])
    assert not CallLog.objects.filter(dossier=dossier).exists()


def test_call_script_follow_up_rule_on_worked_examples():
    # Promised on Friday 27/11 for Wednesday 02/12 (5 days): call back Friday 04/12.
    assert calls.follow_up_for(called_on=D(2026, 11, 27), commitment_date=D(2026, 12, 2)) == (
        calls.FollowUp(call_on=D(2026, 12, 4))
    )
    # 7 days is still "within a few days"; 8 is not.
    assert calls.follow_up_for(called_on=TODAY, commitment_date=D(2026, 11, 30)).call_on
    assert calls.follow_up_for(called_on=TODAY, commitment_date=D(2026, 12, 1)).recap
    # Saturday 02/01/2027 + 7 = Saturday 09/01 → Monday 11/01.
    assert calls.follow_up_for(called_on=D(2027, 1, 2), commitment_date=D(2027, 1, 4)).call_on == D(
        2027, 1, 11
    )
    assert calls.within_call_hours(datetime.datetime(2026, 11, 23, 10, 30))
    assert not calls.within_call_hours(datetime.datetime(2026, 11, 23, 13, 30))
    assert not calls.within_call_hours(datetime.datetime(2026, 11, 11, 11, 0))  # Armistice


def test_a_fifth_call_attempt_in_30_days_is_refused(controller):
    dossier = _dossier(controller)
    for _ in range(calls.MAX_CALL_ATTEMPTS):
        services.call_log(dossier=dossier, actor=controller, outcome=CallLog.Outcome.NO_ANSWER)
    with pytest.raises(ValidationError, match="4 tentatives"):
        services.call_log(dossier=dossier, actor=controller, outcome=CallLog.Outcome.NO_ANSWER)


def test_call_form_rejects_an_incomplete_commitment_in_french(client, controller):
    dossier = _dossier(controller)
    client.force_login(controller)
    url = reverse("journee:call", args=[dossier.pk])
    text = page(client.get(url))
    assert "Étape 10" in text and "La règle des 4C" in text and "Courtois" in text
    response = client.post(
        url, {"outcome": "reached", "contact_name": "", "commitment_amount": "100"}
    )
    text = page(response)
    assert "Notez avec qui vous avez parlé" in text
    assert "Un engagement précis a un montant et une date" in text
    assert not CallLog.objects.exists()


# --- Other actions through the pages (htmx and plain) -----------------------------------------


def test_promise_form_refuses_more_than_the_balance(client, controller):
    dossier = _dossier(controller, amount="100.00")
    client.force_login(controller)
    response = client.post(
        reverse("journee:promise", args=[dossier.pk]),
        {"amount": "150", "due_on": "2026-11-30", "reason": "au téléphone"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Le montant promis dépasse le reste dû du dossier" in page(response)
    assert not Promise.objects.exists()


def test_htmx_action_success_redirects_to_the_dossier(client, controller):
    # A creditor that waives the accessories: the principal paid closes the dossier.
    waiving = CreditorFactory(waives_accessories=True)
    dossier = _dossier(controller, amount="100.00", creditor=waiving)
    client.force_login(controller)
    response = client.post(
        reverse("journee:payment", args=[dossier.pk]),
        {"kind": "payment", "amount": "40", "received_on": "2026-11-23", "method": "transfer"},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == reverse("journee:dossier", args=[dossier.pk])
    assert dossier.payments.get().amount == 40
    # The balance paid closes the dossier: archived (GDPR), out of the controller's sight.
    response = client.post(
        reverse("journee:payment", args=[dossier.pk]),
        {"kind": "payment", "amount": "60", "received_on": "2026-11-23", "method": "transfer"},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == reverse("journee:worklist")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "paid"


def test_plan_generates_editable_installments_then_records_the_acceptance(client, controller):
    dossier = _dossier(controller, amount="1000.00")
    client.force_login(controller)
    url = reverse("journee:plan", args=[dossier.pk])
    generated = client.post(
        url,
        {
            "step": "generate",
            "total": "1000",
            "count": "3",
            "first_date": "2026-11-30",
            "interval": "monthly",
        },
    )
    text = page(generated)
    # 333,33 × 2 + 333,34; 30/12 and 30/01/2027 are working days.
    assert 'value="333.33"' in text and 'value="333.34"' in text
    assert 'value="2026-12-30"' in text and 'value="2027-01-01"' not in text
    data = {
        "step": "accept",
        "echeance-TOTAL_FORMS": "3",
        "echeance-INITIAL_FORMS": "0",
        "echeance-MIN_NUM_FORMS": "1",
        "echeance-MAX_NUM_FORMS": "24",
        "echeance-0-due_on": "2026-11-30",
        "echeance-0-amount": "400.00",
        "echeance-1-due_on": "2026-12-30",
        "echeance-1-amount": "300.00",
        "echeance-2-due_on": "2027-02-01",
        "echeance-2-amount": "300.00",
        "accepted_by": "courriel",
        "acknowledged": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=dossier.pk)
    plan = dossier.payment_plans.get()
    assert dossier.state == "payment_plan"
    assert [i.amount for i in plan.installments.all()] == [
        Decimal("400.00"),
        Decimal("300.00"),
        Decimal("300.00"),
    ]
    assert "reconnaissance de dette" in plan.history.first().history_change_reason
    printable = client.get(reverse("journee:plan_print", args=[dossier.pk, plan.pk]))
    assert "400,00 €" in page(printable) and "C. civ. 2240" in page(printable)


def test_plan_not_covering_the_balance_is_refused(client, controller):
    dossier = _dossier(controller, amount="1000.00")
    client.force_login(controller)
    response = client.post(
        reverse("journee:plan", args=[dossier.pk]),
        {
            "step": "accept",
            "echeance-TOTAL_FORMS": "1",
            "echeance-INITIAL_FORMS": "0",
            "echeance-0-due_on": "2026-11-30",
            "echeance-0-amount": "900.00",
            "accepted_by": "courriel",
            "acknowledged": "on",
        },
    )
    assert "doit être égal au reste dû" in page(response)
    assert not dossier.payment_plans.exists()


def test_invoice_error_dispute_is_settled_with_a_corrected_invoice(client, controller):
    dossier = _dossier(controller, amount="1200.00")
    claim = dossier.claims.get()
    dispute = dossier_services.dispute_open(
        dossier=dossier, reason_code="invoice_error", claim=claim, actor=controller
    )
    client.force_login(controller)
    response = client.post(
        reverse("journee:dispute_resolve", args=[dossier.pk, dispute.pk]),
        {
            "outcome": "corrected",
            "resolution": "remise de 10 % oubliée",
            "invoice_number": "FA-2026-CORR-1",
            "amount": "1080.00",
            "issue_date": "2026-11-23",
            "due_date": "2026-12-23",
        },
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=dossier.pk)
    claim.refresh_from_db()
    assert claim.is_cancelled and dossier.state == "open" and not dossier.is_closed
    assert dossier.claims.get(invoice_number="FA-2026-CORR-1").outstanding == Decimal("1080.00")
    assert Dispute.objects.get().status == Dispute.Status.UPHELD


def test_not_received_dispute_is_closed_with_the_invoice_sent_again(client, controller):
    dossier = _dossier(controller)
    dispute = dossier_services.dispute_open(
        dossier=dossier, reason_code="not_received", claim=dossier.claims.get(), actor=None
    )
    client.force_login(controller)
    form = page(client.get(reverse("journee:dispute_resolve", args=[dossier.pk, dispute.pk])))
    assert "Facture renvoyée" in form and "facture corrigée" not in form
    client.post(
        reverse("journee:dispute_resolve", args=[dossier.pk, dispute.pk]),
        {"outcome": "resent", "resolution": "envoyée par courriel au service comptable"},
    )
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED
    assert dispute.resolution.startswith("facture renvoyée au débiteur le 23/11/2026")


def test_letter_waiting_for_approval_is_sent_once_approved(
    controller, django_capture_on_commit_callbacks
):
    dossier = _dossier(controller, due=TODAY - datetime.timedelta(days=46))
    services.dossier_advance(dossier=dossier, on=TODAY)
    notice = Reminder.objects.get(dossier=dossier, step__needs_approval=True)
    assert notice.status == Reminder.Status.PLANNED
    # Without approval, a delivery task sends nothing.
    assert delivery.reminder_deliver(reminder_id=notice.pk) is False
    assert selectors.worklist(user=controller, today=TODAY, kind="approval").rows
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_approve(reminder=notice, actor=controller)
    notice.refresh_from_db()
    assert notice.status == Reminder.Status.SENT and notice.approved_by == controller
    with pytest.raises(ValidationError):
        services.reminder_approve(reminder=notice, actor=controller)


def test_failed_delivery_shows_and_can_be_sent_again(
    controller, django_capture_on_commit_callbacks
):
    dossier = portfolio.build(controller=controller, count=1, day=TODAY)[0]
    email = Reminder.objects.get(dossier=dossier, channel="email", status__in=["planned", "sent"])
    services.reminder_mark_failed(reminder_id=email.pk, error="adresse inconnue")
    rows = selectors.worklist(user=controller, today=TODAY, kind="failed").rows
    assert any("adresse inconnue" in item.detail for row in rows for item in row.items)
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_retry(reminder=email, actor=controller, reason="adresse corrigée")
    email.refresh_from_db()
    assert email.status == Reminder.Status.SENT


def test_hold_pauses_the_cadence_until_its_end(controller):
    dossier = _dossier(controller, due=TODAY - datetime.timedelta(days=3))
    services.hold_set(
        dossier=dossier, until=D(2026, 12, 15), reason="attente d'un justificatif", actor=controller
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.next_action_at == D(2026, 12, 16)
    assert DossierHold.objects.get().history.first().history_user == controller
    hold = DossierHold.objects.get()
    services.hold_release(hold=hold, actor=controller, reason="justificatif reçu")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.next_action_at == D(2026, 11, 27)  # R+7 of Friday 20/11


def test_manager_reassigns_a_dossier_and_its_open_tasks(client, controller, manager):
    dossier = _dossier(controller)
    task = dossier_services.task_create(
        dossier=dossier, kind=Task.Kind.CALL, due_on=TODAY, actor=None
    )
    other = UserFactory(username="collegue", role="controller")
    dossier.creditor.managers.add(manager)
    client.force_login(controller)
    assert client.get(reverse("journee:assign", args=[dossier.pk])).status_code == 403
    client.force_login(manager)
    response = client.post(
        reverse("journee:assign", args=[dossier.pk]),
        {"assignee": other.pk, "reason": "congés"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert Dossier.objects.get(pk=dossier.pk).assigned_to == other and task.assigned_to == other


def test_task_closed_from_the_dossier_page(client, controller):
    dossier = _dossier(controller)
    task = dossier_services.task_create(
        dossier=dossier, kind=Task.Kind.PROMISE_BROKEN, due_on=TODAY, actor=None
    )
    client.force_login(controller)
    client.post(
        reverse("journee:task_close", args=[dossier.pk, task.pk]),
        {"reason": "débiteur rappelé"},
    )
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert task.history.first().history_change_reason == "tâche close : débiteur rappelé"


# --- The dossier and debtor pages -------------------------------------------------------------


def test_dossier_page_shows_the_split_total_and_the_timeline(client, controller):
    dossier = _dossier(controller, amount="1234.56")
    dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=controller)
    client.force_login(controller)
    text = page(client.get(reverse("journee:dossier", args=[dossier.pk])))
    for words in (
        "Principal (reste dû)",
        "Pénalités de retard",
        "Indemnité forfaitaire",
        "Intérêts au taux légal",
        "1 234,56 €",
        "Prescription",
        "Prochaine étape",
        "Journal",
        "contestation reçue",
        "Clore la contestation",
    ):
        assert words in text, words


def test_dossier_page_shows_a_lower_bound_when_a_rate_is_not_published(client, controller):
    """C. com. L441-10 II (docs/legal.md, *Never carried forward*): 1 200 € due 15/06/2026, seen
    on 23/11/2026 with no rate for the 2nd half of 2026: penalties to 30/06/2026 only,
    1 200 × 12,15 % × 15/365 = 5,99 €; total at least 1 200 + 5,99 + 40 = 1 245,99 €, shown
    with its limits instead of « — »."""
    dossier = _dossier(controller, due=D(2026, 6, 15))
    client.force_login(controller)
    text = page(client.get(reverse("journee:dossier", args=[dossier.pk])))
    assert (
        "au moins 1 245,99 €, calcul arrêté au 30/06/2026, taux du 2nd semestre 2026 non publié"
    ) in text
    assert "au moins 5,99 €" in text
    assert "Taux BCE de refinancement manquant pour le 2e semestre 2026" in text


def test_debtor_page_lists_its_dossiers_across_creditors(client, manager):
    debtor = DebtorFactory()
    first = ClaimFactory(debtor=debtor).dossier
    second = ClaimFactory(debtor=debtor, creditor=CreditorFactory()).dossier
    for dossier in (first, second):
        dossier.creditor.managers.add(manager)
    client.force_login(manager)
    text = page(client.get(reverse("journee:debtor", args=[debtor.pk])))
    assert first.reference in text and second.creditor.legal_name in text


def test_a_professional_paying_late_leaves_the_accessories_and_a_manager_waives_them(
    client, controller, manager
):
    """C. com. L441-10 II, D441-5: the principal paid after the due date, the dossier stays
    open as « Accessoires dus »; the manager's waiver, with its reason, closes it as paid."""
    dossier = _dossier(controller, amount="100.00")
    client.force_login(controller)
    client.post(
        reverse("journee:payment", args=[dossier.pk]),
        {"kind": "payment", "amount": "100", "received_on": "2026-11-23", "method": "transfer"},
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "accessories" and not dossier.is_closed
    text = page(client.get(reverse("journee:dossier", args=[dossier.pk])))
    assert "Accessoires dus" in text and "L441-10 II" in text
    assert "Abandonner les accessoires" not in text  # the manager's decision
    assert client.post(reverse("journee:accessories_waive", args=[dossier.pk])).status_code == 403

    client.force_login(manager)
    dossier.creditor.managers.add(manager)
    assert "Abandonner les accessoires" in page(
        client.get(reverse("journee:dossier", args=[dossier.pk]))
    )
    refused = client.post(reverse("journee:accessories_waive", args=[dossier.pk]), {"reason": ""})
    assert "Indiquez le motif" in page(refused) or "obligatoire" in page(refused)
    assert Dossier.objects.get(pk=dossier.pk).state == "accessories"
    client.post(
        reverse("journee:accessories_waive", args=[dossier.pk]), {"reason": "geste commercial"}
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "paid" and dossier.is_closed


def test_on_accessories_the_promise_covers_them_and_a_paid_dossier_owes_nothing(
    client, controller, manager
):
    """docs/legal.md §11: 100 € due 03/11/2026 paid on 23/11/2026 leave the 40 € indemnity
    (C. com. D441-5) and penalties known only as a lower bound (no rate for the 2nd half of
    2026): the promise form starts from them and refuses more; once the accessories are waived
    the dossier's « Total dû » is 0,00 €, never the indemnity again."""
    dossier = _dossier(controller, amount="100.00")
    dossier_services.payment_record(
        dossier=dossier, amount=Decimal("100.00"), received_on=TODAY, actor=controller
    )
    client.force_login(controller)
    form = page(client.get(reverse("journee:promise", args=[dossier.pk])))
    assert 'value="40.00"' in form or 'value="40,00"' in form
    refused = client.post(
        reverse("journee:promise", args=[dossier.pk]),
        {"amount": "100", "due_on": "2026-11-30", "reason": "au téléphone"},
        headers={"HX-Request": "true"},
    )
    assert "dépasse les accessoires restant dus (au moins 40,00 €" in page(refused)
    assert Dossier.objects.get(pk=dossier.pk).state == "accessories"

    dossier_services.accessories_waive(dossier=dossier, actor=manager, reason="geste commercial")
    client.force_login(manager)
    dossier.creditor.managers.add(manager)
    text = page(client.get(reverse("journee:dossier", args=[dossier.pk])))
    assert "Dossier soldé le 23/11/2026 : rien n'est plus dû." in text
    assert '<p class="big">0,00 €</p>' in text
