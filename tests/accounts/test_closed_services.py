"""Issue #19, item 5, at the service level: a closed dossier (paid, litigation, written off) is
read-only whatever door a write comes through — page, API, admin, import, task — because every
write service refuses it (``dossiers.services.refuse_closed``), with a French message naming the
dossier and its state, and writes nothing. What legitimately continues is still accepted: the
court route's follow-up on a dossier in litigation, a payment the bank took back on a dossier it
had paid (it reopens), and the GDPR purge."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from courriers import delivery
from courriers.models import SentMessage
from dossiers import services
from dossiers.models import Claim, Dispute, Dossier, Payment, Task
from dossiers.services import DossierClosed, work
from escalade import court
from escalade import services as escalade_services
from escalade.models import CourtProceeding
from escalade.routes import Route
from imports.services import invoice_status_record
from portail import services as portal
from relances import services as relances
from relances.models import DossierHold, Reminder
from rgpd.services import purge_run

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _close(dossier: Dossier, state: str) -> Dossier:
    closed_on = max(dossier.opened_on, TODAY() - datetime.timedelta(days=1))
    Dossier.objects.filter(pk=dossier.pk).update(state=state, closed_on=closed_on)
    return Dossier.objects.get(pk=dossier.pk)


def _written() -> int:
    """Every history row of the project: a refused write leaves none."""
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    )


def _writes(world, user):
    """Every write service a person uses on a dossier, as (label, call)."""
    dossier = world.mine.dossier
    objects = world.mine.objects
    task = Task.objects.get(pk=objects["task_pk"])
    dispute = Dispute.objects.get(pk=objects["dispute_pk"])
    sent = SentMessage.objects.get(pk=objects["sent_pk"])
    claim = Claim.objects.get(pk=objects["claim"])
    hold = DossierHold.objects.filter(dossier=dossier).first()
    event = portal.event_record(
        access=portal.access_issue(dossier=dossier, contact=None), kind="already_paid"
    )
    later = TODAY() + datetime.timedelta(days=10)
    return [
        (
            "tâche",
            lambda: services.task_create(
                dossier=dossier, kind=Task.Kind.CALL, due_on=later, actor=user, note="x"
            ),
        ),
        ("clore une tâche", lambda: work.task_close(task=task, actor=user, reason="fait")),
        (
            "réattribuer",
            lambda: work.dossier_assign(dossier=dossier, assignee=None, actor=user, reason="x"),
        ),
        (
            "promesse",
            lambda: services.promise_record(
                dossier=dossier, amount=Decimal("1.00"), due_on=later, actor=user
            ),
        ),
        (
            "échéancier",
            lambda: services.plan_accept(
                dossier=dossier, installments=[(later, Decimal("1.00"))], actor=user
            ),
        ),
        (
            "contestation",
            lambda: services.dispute_open(dossier=dossier, reason_code="quality", actor=user),
        ),
        (
            "clore une contestation",
            lambda: services.dispute_resolve(
                dispute=dispute, upheld=False, resolution="Texte libre", actor=user
            ),
        ),
        (
            "décision",
            lambda: services.dossier_decide(
                dossier=dossier, decision="amicable", actor=user, reason="x"
            ),
        ),
        (
            "accessoires",
            lambda: services.accessories_waive(dossier=dossier, actor=user, reason="x"),
        ),
        ("annuler une facture", lambda: services.claim_cancel(claim=claim, actor=user, reason="x")),
        (
            "paiement",
            lambda: services.payment_record(
                dossier=dossier, amount=Decimal("5.00"), received_on=TODAY(), actor=user
            ),
        ),
        (
            "pièce",
            lambda: services.evidence_add(
                dossier=dossier,
                file=ContentFile(PDF, name="apres.pdf"),
                kind="other",
                actor=user,
                description="Texte libre",
            ),
        ),
        (
            "prescription",
            lambda: services.prescription_event_record(
                dossier=dossier,
                kind="written_acknowledgment",
                occurred_on=TODAY(),
                actor=user,
                reason="x",
            ),
        ),
        (
            "mise en demeure déposée",
            lambda: services.formal_notice_deposited(
                dossier=dossier, sent_on=TODAY(), deposited_on=TODAY(), actor=user
            ),
        ),
        (
            "appel",
            lambda: relances.call_log(
                dossier=dossier, actor=user, outcome="no_answer", summary="Texte libre"
            ),
        ),
        (
            "mise en attente",
            lambda: relances.hold_set(dossier=dossier, until=later, reason="x", actor=user),
        ),
        (
            "fin de l'attente",
            lambda: relances.hold_release(hold=hold, actor=user, reason="Texte libre"),
        ),
        (
            "facture corrigée",
            lambda: relances.dispute_settle_with_corrected_invoice(
                dispute=dispute,
                invoice_number="CORR-1",
                amount=Decimal("10.00"),
                issue_date=TODAY(),
                due_date=later,
                resolution="x",
                actor=user,
            ),
        ),
        (
            "recommandé",
            lambda: delivery.registered_number_set(sent=sent, number="1A23456789012", actor=user),
        ),
        (
            "accusé de réception",
            lambda: delivery.receipt_upload(
                sent=sent, file=ContentFile(PDF, name="ar.pdf"), actor=user
            ),
        ),
        (
            "retour du courrier",
            lambda: delivery.letter_returned(sent=sent, actor=user, note="Texte libre"),
        ),
        (
            "solvabilité",
            lambda: escalade_services.solvency_record(
                dossier=dossier,
                analysed_on=TODAY(),
                sources=["bodacc"],
                conclusion="doubtful",
                note="Texte libre",
                actor=user,
            ),
        ),
        (
            "tentative amiable",
            lambda: escalade_services.amicable_attempt_record(
                dossier=dossier,
                method="mediation",
                attempted_on=TODAY(),
                outcome="Texte libre",
                actor=user,
            ),
        ),
        (
            "action du débiteur vérifiée",
            lambda: portal.event_check(event=event, actor=user),
        ),
        (
            "statut de facture",
            lambda: invoice_status_record(
                claim=claim, status="en_litige", occurred_on=TODAY(), actor=user, note="x"
            ),
        ),
    ]


@pytest.mark.parametrize("state", ["paid", "written_off", "litigation"])
def test_every_write_service_refuses_a_closed_dossier_and_writes_nothing(world, state):
    user = world.users["admin"]
    _close(world.mine.dossier, state)
    for label, call in _writes(world, user):
        before = _written()
        try:
            call()
        except ValidationError as error:
            refused = error
        else:
            pytest.fail(f"« {label} » accepté sur un dossier clos ({state})")
        message = " ".join(refused.messages)
        assert isinstance(refused, DossierClosed), (label, message)
        assert world.mine.dossier.reference in message and "est clos" in message, label
        assert _written() == before, label
    assert not Payment.objects.filter(dossier=world.mine.dossier, amount=Decimal("5.00")).exists()
    assert not Claim.objects.filter(invoice_number="CORR-1").exists()  # no new dossier either


def test_a_reminder_of_a_closed_dossier_is_neither_resent_nor_abandoned(world):
    dossier = _close(world.mine.dossier, "paid")
    reminder = Reminder.objects.get(pk=world.mine.objects["sent_reminder"])
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.FAILED)
    for call in (relances.reminder_retry, relances.reminder_abandon):
        with pytest.raises(DossierClosed, match=dossier.reference):
            call(reminder=reminder, actor=world.users["manager"], reason="Texte libre")
    assert Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.FAILED


def test_the_court_route_goes_on_in_litigation(world, manager):
    """The exception: a dossier in litigation keeps its court route's tasks and acts."""
    dossier = _close(world.mine.dossier, "litigation")
    proceeding = CourtProceeding.objects.create(
        dossier=dossier,
        route=Route.INJUNCTION_COMMERCE,
        stage=CourtProceeding.Stage.TO_FILE,
        started_on=dossier.closed_on,
    )
    services.task_create(
        dossier=dossier, kind=Task.Kind.COURT_DEADLINE, due_on=TODAY(), actor=manager, note="x"
    )
    court.court_event_record(proceeding=proceeding, event="ordered", on=TODAY(), actor=manager)
    deadlines = Task.objects.filter(dossier=dossier, kind=Task.Kind.COURT_DEADLINE)
    assert deadlines.filter(status=Task.Status.DONE).count() == 1
    opened = deadlines.get(status=Task.Status.OPEN)
    work.task_close(task=opened, actor=manager, reason="ordonnance signifiée")
    # ... but no other kind of task.
    with pytest.raises(DossierClosed):
        services.task_create(
            dossier=dossier, kind=Task.Kind.CALL, due_on=TODAY(), actor=manager, note="x"
        )


def test_a_payment_the_bank_took_back_reopens_a_paid_dossier(world, manager):
    dossier = world.mine.dossier
    payment = Payment.objects.get(pk=world.mine.objects["payment"])
    _close(dossier, "paid")
    services.payment_reverse(payment=payment, actor=manager, reason="rejeté", on=TODAY())
    assert not Dossier.objects.get(pk=dossier.pk).is_closed
    # Written off: the archive is not reopened by a bank line; a person sees why.
    payment = services.payment_record(
        dossier=dossier, amount=Decimal("3.00"), received_on=TODAY(), actor=manager
    )
    _close(dossier, "written_off")
    with pytest.raises(DossierClosed, match="rejet"):
        services.payment_reverse(payment=payment, actor=manager, reason="rejet", on=TODAY())


def test_the_purge_still_writes_to_a_closed_dossier(world, admin_user):
    dossier = _close(world.mine.dossier, "paid")
    Dossier.objects.filter(pk=dossier.pk).update(purge_on=TODAY() - datetime.timedelta(days=1))
    purge_run(TODAY(), actor=admin_user)
    assert Dossier.objects.get(pk=dossier.pk).debtor.name != world.mine.dossier.debtor.name


def test_a_grouped_approval_acts_with_its_starters_scope_when_it_runs(world, controller):
    """A task started by a user (the grouped approval of letters) is scoped as it runs: a
    dossier out of the user's hands by then is refused, nothing approved."""
    from courriers import delivery
    from dossiers import scoping

    reminder = Reminder.objects.get(pk=world.theirs.objects["reminder_pk"])
    batch = delivery.approval_batch_start(reminder_ids=[reminder.pk], actor=controller)
    batch = delivery.approval_batch_run(batch_id=batch.pk)
    assert (batch.done, batch.failed) == (0, 1)
    assert scoping.OUT_OF_PORTFOLIO in batch.errors
    assert Reminder.objects.get(pk=reminder.pk).approved_by is None
