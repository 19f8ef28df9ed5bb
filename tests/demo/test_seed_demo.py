"""The demo data command: what someone opening the demo back office would find."""

import datetime
import html
import re
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.test import Client, override_settings
from stdnum.fr import siren

from accounts import roles
from courriers import rendering
from demo.seeder import DEMO_PASSWORD
from dossiers.models import Claim, Creditor, Debtor, Dossier, DossierState, Payment, Task
from journal.personal_data import ANONYMISED
from relances.models import Reminder

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "controleur": roles.CONTROLLER,
    "responsable": roles.MANAGER,
    "dpo": roles.DPO,
    "admin": roles.ADMIN,
}


# What the sending did with the documents the walk built ahead (demo.relances._prerender): for
# each, whether it is what the sending would have built itself at that moment.
PREPARED_USED: list[tuple[int, bool]] = []
DOCUMENT_FIELDS = (
    "subject",
    "text",
    "html",
    "print_html",
    "recipient_email",
    "recipient_phone",
    "recipient_address",
    "is_test",
    "reply_to",
    "sms_text",
    "layout",
)


def _prepared_checked(reminder_id, *, on):
    """The prepared document, compared with the one the sending builds without it."""
    document = rendering.prepared_document(reminder_id, on=on)
    if document is not None:
        reference = rendering.reminder_document(Reminder.objects.get(pk=reminder_id), on=on)
        same = all(getattr(document, f) == getattr(reference, f) for f in DOCUMENT_FIELDS)
        PREPARED_USED.append((reminder_id, same))
    return document


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module (a few seconds), in a transaction rolled back at the end."""
    media = tmp_path_factory.mktemp("media")  # the demo invoices are real files
    # Frozen on a Monday so that the cadence walk gives the same picture on any machine.
    monday = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        time_machine.travel(monday, tick=False),
        mock.patch("courriers.delivery.prepared_document", _prepared_checked),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("seed_demo", dossiers=40, seed=2026, force=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_letters_built_ahead_are_those_the_sending_would_build(seeded):
    """The walk renders each day's PDFs in a pool and hands the documents it built to the
    sending (issue #18: each was read twice): every one used is, field for field, the document
    the sending builds at that moment without it (the reference path)."""
    assert PREPARED_USED, "no document handed to the sending: the pool did not run"
    assert [pk for pk, same in PREPARED_USED if not same] == []


def test_each_role_can_log_in_with_the_demo_password(seeded):
    for username, role in DEMO_LOGINS.items():
        user = get_user_model().objects.get(username=username)
        assert user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [role]
        # django-axes checks every login against its lockouts: it needs the request.
        credentials = {"username": username, "password": DEMO_PASSWORD}
        assert Client().login(request=HttpRequest(), **credentials), username


def test_output_lists_counts_and_logins(seeded):
    assert "Dossiers" in seeded
    assert "40" in seeded
    for username, role in DEMO_LOGINS.items():
        assert username in seeded
        assert roles.LABELS[role] in seeded
    assert DEMO_PASSWORD in seeded


def test_the_demo_prints_a_working_api_token_and_an_enrolment_link(seeded):
    from rest_framework.test import APIClient

    key = re.search(r"Jeton d'API de controleur .* : (rec_\S+)", seeded).group(1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/dossiers/").status_code == 200
    assert re.search(r"Lien d'enrôlement .* : /connexion/double-facteur/invitation/\S+/", seeded)
    reset = re.search(
        r"Lien de réinitialisation de dpo .* : (/connexion/reinitialisation/\S+/)", seeded
    )
    from django.test import Client

    assert "Réinitialiser mon accès" in Client().get(reset.group(1)).content.decode()


def test_dossiers_cover_professional_and_consumer_debtors(seeded):
    from demo.experiences import INTAKE_INVOICES

    # The 40 asked for, and the finished experiment's consumers handed over by imports.
    assert Dossier.objects.count() == 40 + INTAKE_INVOICES
    assert re.search(rf"Dossiers\s+{40 + INTAKE_INVOICES} ", seeded)
    kinds = set(Dossier.objects.values_list("debtor__kind", flat=True))
    assert kinds == {Debtor.Kind.PROFESSIONAL, Debtor.Kind.CONSUMER}


def test_demo_shows_partial_and_full_payments_a_credit_note_and_a_cancellation(seeded):
    assert Claim.objects.filter(outstanding__gt=0, outstanding__lt=F("amount")).exists()
    assert Payment.objects.filter(kind=Payment.Kind.CREDIT_NOTE).exists()
    assert Claim.objects.filter(cancelled_on__isnull=False).exclude(cancellation_reason="").exists()
    assert Dossier.objects.with_balance().filter(balance=0).exists()


def test_debtors_include_a_receivership_and_a_restricted_processing(seeded):
    receivership = Debtor.objects.get(insolvency_status=Debtor.Insolvency.RECEIVERSHIP)
    assert receivership.insolvency_opened_on is not None
    assert Debtor.objects.filter(processing_restricted=True).count() == 1


def test_every_siren_is_valid(seeded):
    sirens = [
        *Creditor.objects.values_list("siren", flat=True),
        # The demo's GDPR purge anonymises one archived debtor (SIREN blanked).
        *Debtor.objects.filter(kind=Debtor.Kind.PROFESSIONAL)
        .exclude(name=ANONYMISED)
        .values_list("siren", flat=True),
    ]
    assert sirens
    assert all(siren.is_valid(value) for value in sirens)
    assert not Debtor.objects.filter(kind=Debtor.Kind.CONSUMER).exclude(siren="").exists()


def test_contacts_use_reserved_domains_and_fictional_numbers(seeded):
    for debtor in Debtor.objects.exclude(name=ANONYMISED).prefetch_related("contacts"):
        expected = 2 if debtor.kind == Debtor.Kind.PROFESSIONAL else 1
        assert debtor.contacts.count() == expected
        for contact in debtor.contacts.all():
            assert contact.email.endswith(("@example.fr", "@example.com"))
            assert not contact.phone or contact.phone.startswith("01 99 00 ")


def test_every_dossier_is_journaled_with_its_author(seeded):
    people = set(get_user_model().objects.values_list("pk", flat=True))
    for dossier in Dossier.objects.all():
        rows = list(dossier.history.values_list("history_user", "history_change_reason"))
        # The purged debtor's reasons are blanked (they may name the person; issue #19).
        opening = "[anonymisé]" if dossier.debtor.name == ANONYMISED else "ouverture du dossier"
        assert rows[-1] == (get_user_model().objects.get(username="admin").pk, opening)
        # A row without a person comes from the daily cadence run, and always says why.
        assert all(user in people or (user is None and reason) for user, reason in rows)
    assert Dossier.objects.filter(assigned_to__username="controleur").exists()


def test_second_run_creates_nothing(seeded):
    before = Dossier.objects.count()
    out = StringIO()
    call_command("seed_demo", dossiers=40, seed=2026, force=True, stdout=out)
    assert "Données de démonstration déjà présentes" in out.getvalue()
    assert Dossier.objects.count() == before


def test_refuses_to_run_without_debug_unless_forced(settings):
    settings.DEBUG = False
    before = get_user_model().objects.count()
    with pytest.raises(CommandError, match="démonstration"):
        call_command("seed_demo", dossiers=2)
    assert get_user_model().objects.count() == before


def test_the_demo_shows_a_dossier_in_every_state(seeded):
    """Each state of the dossier's life can be clicked in the demo."""
    states = set(Dossier.objects.values_list("state", flat=True))
    assert states == set(DossierState.values)


def test_the_demo_has_reminders_sent_over_weeks_and_work_to_do(seeded):
    from relances.models import Reminder

    sent_on = set(
        Reminder.objects.exclude(status="cancelled").values_list("scheduled_for", flat=True)
    )
    assert len(sent_on) > 10  # spread over the weeks of the walk, not one burst
    kinds = set(Task.objects.values_list("kind", flat=True))
    assert {Task.Kind.CLAIM_DECLARATION, Task.Kind.GO_NO_GO} <= kinds


# --- A history that tells a story (issue #18, item 8): every row carries the day it stands for,
# not the minutes of seeding; the seed is frozen on Monday 23/11/2026 at 08:00 UTC.

SEED_DAY = datetime.date(2026, 11, 23)


def _local_day(moment) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate(moment)


def test_the_history_is_dated_over_the_months_it_tells(seeded):
    from dossiers.models import Dossier as D

    days = {_local_day(at) for at in D.history.values_list("history_date", flat=True)}
    assert len(days) > 40, "the dossiers' history is stamped with the minutes of seeding"
    assert min(days) <= SEED_DAY - datetime.timedelta(days=100)
    assert max(days) <= SEED_DAY
    for dossier in D.objects.all():
        opening = dossier.history.order_by("history_date", "history_id").first()
        purged = dossier.debtor.name == ANONYMISED  # its reasons are blanked (issue #19)
        assert opening.history_change_reason == (
            "[anonymisé]" if purged else "ouverture du dossier"
        )
        assert _local_day(opening.history_date) == dossier.opened_on, dossier.reference


def test_reminders_and_letters_are_sent_and_journaled_on_their_day(seeded):
    from courriers.models import SentMessage
    from relances.models import DELIVERED_CHANNELS, Reminder

    sent = Reminder.objects.filter(
        status=Reminder.Status.SENT, step__needs_approval=False, channel__in=DELIVERED_CHANNELS
    )
    assert sent.count() > 10
    for reminder in sent:
        assert _local_day(reminder.sent_at) == reminder.scheduled_for, reminder.pk
        row = reminder.history.filter(status=Reminder.Status.SENT).order_by("history_date").first()
        assert _local_day(row.history_date) == reminder.scheduled_for
    letters = SentMessage.objects.filter(reminder__isnull=False)
    assert len({_local_day(at) for at in letters.values_list("sent_at", flat=True)}) > 10
    # Formal notices: approved by the manager after their planned day, sent that day.
    notices = Reminder.objects.filter(status=Reminder.Status.SENT, step__needs_approval=True)
    assert notices.exists()
    for notice in notices:
        assert notice.scheduled_for <= _local_day(notice.approved_at) <= SEED_DAY
        assert _local_day(notice.sent_at) == _local_day(notice.approved_at)


def test_payments_promises_and_decisions_are_dated_the_day_they_happened(seeded):
    from dossiers.models import Payment as P
    from dossiers.models import Promise

    # A payment read from a bank statement is recorded when the statement is imported, after
    # the day the bank booked it (its ``received_on``): only the walk's payments are dated so.
    from imports.statements.models import BankTransaction

    from_statements = BankTransaction.objects.filter(payment__isnull=False).values("payment_id")
    for payment in P.objects.exclude(pk__in=from_statements):
        created = payment.history.order_by("history_date").first()
        assert _local_day(created.history_date) == payment.received_on, payment.pk
    promises = Promise.objects.all()
    assert promises.exists()
    assert any(_local_day(p.history.earliest().history_date) < SEED_DAY for p in promises)
    decided = Dossier.history.filter(history_change_reason__startswith="décision Go/No-Go")
    assert decided.exists()
    assert any(_local_day(row.history_date) < SEED_DAY for row in decided)


def test_dossier_messages_are_sent_on_the_day_of_their_event(seeded):
    """A plan's confirmation, a dispute's acknowledgment, a thank-you leave seconds after the
    event that queued them (issue #18): the demo's, played months back in one transaction,
    are dated on their event's day, not on the day of seeding (none left in this test, whose
    transaction never commits, before they were sent at their moment)."""
    from courriers.models import SentMessage
    from dossiers.models import Payment as P

    messages = SentMessage.objects.filter(
        kind__in=["plan_confirmation", "dispute_ack", "thank_you"]
    ).select_related("dossier")
    assert {m.kind for m in messages} >= {"plan_confirmation", "dispute_ack"}
    assert any(_local_day(m.sent_at) < SEED_DAY for m in messages)
    for message in messages:
        day, dossier = _local_day(message.sent_at), message.dossier
        if message.kind == "plan_confirmation":
            assert day in {p.accepted_on for p in dossier.payment_plans.all()}, message.pk
        elif message.kind == "dispute_ack":
            assert day in {d.opened_on for d in dossier.disputes.all()}, message.pk
        else:
            assert P.objects.filter(dossier=dossier, received_on=day).exists(), message.pk


def test_demo_shows_accessories_due_and_a_waiver(seeded):
    """docs/legal.md §11 (C. com. L441-10 II, D441-5): companies that paid late are left with
    their accessories; the manager waived those of one dossier, with the reason in the journal;
    a creditor that waives them by policy has none."""
    assert Dossier.objects.filter(state=DossierState.ACCESSORIES).exists()
    assert "Accessoires dus (" in seeded and "Accessoires abandonnés (" in seeded
    waiver = Dossier.history.filter(history_change_reason__startswith="abandon des accessoires")
    assert waiver.filter(state=DossierState.PAID, history_user__username="responsable").exists()
    assert not Dossier.objects.filter(
        state=DossierState.ACCESSORIES, creditor__waives_accessories=True
    ).exists()
    # A promise covering the accessories alone: the dossier waits for it, its accessories kept.
    assert "Promesse sur les accessoires (" in seeded
    assert Dossier.objects.filter(
        state=DossierState.PROMISE, resume_state=DossierState.ACCESSORIES
    ).exists()


def test_demo_shows_a_court_route_in_progress(seeded):
    """docs/legal.md §8: the dossier decided Go follows its route, its deadlines as tasks."""
    from escalade.models import CourtProceeding

    proceeding = CourtProceeding.objects.get()
    assert proceeding.stage in ("invited", "ordered")
    assert Task.objects.filter(
        dossier=proceeding.dossier, kind="court_deadline", status="open"
    ).exists()
    assert "Procédure judiciaire en cours" in seeded


def test_each_open_dossier_prints_its_portal_link_and_its_page_shows_it(seeded):
    """Issue #23: where to click in the demo to see the debtor's side."""
    from portail.models import PortalAccess
    from portail.services import dossier_is_open_to_portal

    manager = get_user_model().objects.get(username="responsable")
    client = Client()
    client.force_login(manager)
    shown = [
        d for d in Dossier.objects.filter(closed_on__isnull=True) if dossier_is_open_to_portal(d)
    ]
    assert len(shown) > 10
    for dossier in shown:
        access = PortalAccess.objects.filter(dossier=dossier).first()
        assert access is not None, dossier.reference
        line = next(line for line in seeded.splitlines() if f"  {dossier.reference}  " in line)
        assert "/p/" in line and "facture" in line
    dossier = shown[0]
    line = next(line for line in seeded.splitlines() if f"  {dossier.reference}  " in line)
    link = line.split()[1]
    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert link in page and "Espace débiteur" in page
    # One debtor already came: their new contact details wait in « Ma journée ».
    from portail.models import PortalEvent

    waiting = PortalEvent.objects.get(kind="contact", checked_at__isnull=True)
    worklist = client.get("/ma-journee/?type=portal").content.decode()
    assert waiting.dossier.reference in worklist


# --- Learning what works (issue #26): the experiments and the payment probability, where the
# README sends a visitor.


def test_the_finished_experiment_has_its_verdict_and_its_decision_made_the_winner_the_policy(
    seeded,
):
    from demo.experiences import FINISHED
    from experiences import results
    from experiences.models import Experiment
    from relances.models import CreditorCadence

    experiment = Experiment.objects.get(name=FINISHED)
    assert experiment.status == Experiment.Status.ENDED
    report = results.report(experiment, on=experiment.ended_on)
    # Enough dossiers in each variant, every one observed: the verdict was due, not a peek.
    assert all(row.assigned >= 20 for row in report.rows), [r.assigned for r in report.rows]
    assert report.ready and report.observed == report.assigned
    # The verdict kept is the one the statistics give, and the winner is the one it favours.
    assert experiment.verdict == report.verdict
    favoured = [
        row.variant for row in report.rows[1:] if results.better(row.comparison, report.measure)
    ]
    assert experiment.winner == (favoured[0] if favoured else report.rows[0].variant)
    chosen = CreditorCadence.objects.get(
        creditor=experiment.creditor, debtor_kind=experiment.debtor_kind
    )
    assert chosen.policy == experiment.winner.policy
    decision = chosen.history.order_by("-history_date").first()
    assert FINISHED in decision.history_change_reason
    assert decision.history_user.username == "responsable"
    # Each dossier drawn was drawn as it opened, and was reminded (or paid) under its variant.
    for assignment in experiment.assignments.select_related("dossier", "variant__policy"):
        assert assignment.assigned_on == assignment.dossier.opened_on
        assert assignment.dossier.own_cadence.policy == assignment.variant.policy


def test_the_experiment_pages_show_the_verdict_and_the_running_one_without_verdict(seeded):
    from demo.experiences import FINISHED, RUNNING
    from experiences.models import Experiment

    client = Client()
    client.force_login(get_user_model().objects.get(username="responsable"))
    listing = html.unescape(client.get("/pilotage/experiences/").content.decode())
    assert FINISHED in listing and RUNNING in listing
    finished = Experiment.objects.get(name=FINISHED)
    page = html.unescape(client.get(f"/pilotage/experiences/{finished.pk}/").content.decode())
    assert finished.verdict.split(" (")[0] in page
    running = Experiment.objects.get(name=RUNNING)
    assert running.status == Experiment.Status.RUNNING and running.assignments.exists()
    page = html.unescape(client.get(f"/pilotage/experiences/{running.pk}/").content.decode())
    assert "Pas encore de verdict" in page


def test_ma_journee_shows_each_open_dossier_s_payment_chance_with_its_reasons(seeded):
    client = Client()
    client.force_login(get_user_model().objects.get(username="controleur"))
    page = client.get("/ma-journee/").content.decode()
    assert "Chance de paiement" in page
    scores = re.findall(r'<td class="payment-score"[^>]*>\s*<strong>(\d+) %</strong>', page)
    reasons = re.findall(r'<li class="reason-(?:up|down)">', page)
    assert len(scores) >= 5 and len(reasons) >= len(scores)


def test_the_demo_shows_a_finished_import_and_one_left_with_its_errors(seeded):
    """« Imports »: the accounting file imported by ``controleur`` into dossiers of their own
    portfolio (writes are scoped), and a second file waiting with its French errors."""
    from dossiers import scoping
    from imports.models import ImportBatch

    assert "Import de démonstration en erreur" not in seeded
    done = ImportBatch.objects.get(original_name="export-comptabilite.csv")
    assert done.status == ImportBatch.Status.DONE, done.errors
    assert done.summary["done"]["create"] >= 1
    controller = get_user_model().objects.get(username="controleur")
    joined = Dossier.objects.filter(claims__invoice_number__startswith="IMP-").distinct()
    assert joined.exists()
    assert set(joined) <= set(scoping.editable_dossiers(controller, joined))
    waiting = ImportBatch.objects.get(original_name="factures-a-corriger.csv")
    assert waiting.status == ImportBatch.Status.INVALID
