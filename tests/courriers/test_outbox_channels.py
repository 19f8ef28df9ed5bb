"""Issue #20: every channel through the outbox (SMS, letters handed to the postal backend, the
recap after a call, the one-off messages), the channels' outages and the managers' alert, and
the page « Envois en attente ou en échec »."""

import datetime
import email
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from courriers import delivery, postal, sms
from courriers.models import ChannelOutage, DeliveryAttempt, SentMessage
from relances import services
from relances.models import CadenceStep, CallLog, Channel, Reminder, Stage
from tests.courriers.letters_helpers import D, make_claim
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = D(2026, 10, 12)


class Killed(BaseException):
    """kill -9 after the hand-over, before the result is committed."""


@pytest.fixture
def backends(settings):
    settings.SMS_BACKEND = "courriers.sms.MemoryBackend"
    settings.POSTAL_BACKEND = "courriers.postal.MemoryBackend"
    sms.MemoryBackend.outbox, sms.MemoryBackend.keys, sms.MemoryBackend.failures = [], [], []
    postal.MemoryBackend.letters, postal.MemoryBackend.failures = [], []


@pytest.fixture
def hand_over_spy(monkeypatch):
    """What was true at each hand-over: the attempt already written, no transaction of the
    delivery open (the test's own transaction aside)."""
    depth = len(connection.savepoint_ids)
    seen = []
    real = delivery._hand_over

    def spy(document, channel, recipient, key):
        pending = DeliveryAttempt.objects.get(message_id=key, status="pending")
        seen.append((channel, key, pending.pk, len(connection.savepoint_ids) == depth))
        return real(document, channel, recipient, key)

    monkeypatch.setattr(delivery, "_hand_over", spy)
    return seen


def _planned(frozen, channel: str, code: str) -> Reminder:
    claim = make_claim(frozen)
    policy = CadenceStep.objects.filter(code="r7-email").first().policy
    step = CadenceStep.objects.create(
        policy=policy,
        code=code,
        label=f"Relance {code}",
        offset_days=10,
        stage=Stage.REMINDER_1,
        channel=channel,
        template_code="relance-sms" if channel == Channel.SMS else "relance-courrier",
    )
    return Reminder.objects.create(
        dossier=claim.dossier, step=step, cycle=1, channel=channel, scheduled_for=DAY
    )


def test_an_sms_is_written_in_the_outbox_before_the_provider_and_its_outage_retried(
    frozen, backends, hand_over_spy
):
    planned = _planned(frozen, Channel.SMS, "r10-sms")
    sms.MemoryBackend.failures = [sms.SmsError("service indisponible (503)")]
    with frozen(DAY), pytest.raises(sms.SmsError):
        delivery.reminder_deliver(reminder_id=planned.pk)
    (failed,) = DeliveryAttempt.objects.filter(reminder=planned)
    assert failed.status == DeliveryAttempt.Status.FAILED
    assert failed.channel == Channel.SMS and failed.recipient == "06 12 34 56 78"
    assert failed.error == "prestataire SMS : service indisponible (503)"
    outage = ChannelOutage.objects.get(channel=Channel.SMS, ended_at=None)
    assert outage.failures == 1 and outage.last_error == "prestataire SMS : service indisponible"

    with frozen(DAY):
        assert delivery.reminder_deliver(reminder_id=planned.pk) is True
    accepted = DeliveryAttempt.objects.filter(reminder=planned).latest("pk")
    assert accepted.status == DeliveryAttempt.Status.ACCEPTED and accepted.provider_id
    # Both attempts handed over with the same key, each written before, none inside a
    # transaction of the delivery.
    assert [(c, k, ok) for c, k, _, ok in hand_over_spy] == [
        (Channel.SMS, failed.message_id, True),
        (Channel.SMS, failed.message_id, True),
    ]
    assert sms.MemoryBackend.keys == [failed.message_id]
    outage.refresh_from_db()
    assert outage.ended_at is not None
    planned.refresh_from_db()
    assert planned.status == Reminder.Status.SENT


def test_a_letter_handed_over_then_interrupted_is_handed_over_again_with_the_same_key(
    frozen, backends, hand_over_spy, monkeypatch, settings
):
    planned = _planned(frozen, Channel.REGISTERED_LETTER, "r12-lrar")
    record = delivery._record_sent

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(delivery, "_record_sent", killed)
    with frozen(DAY), pytest.raises(Killed):
        delivery.reminder_deliver(reminder_id=planned.pk)
    (first,) = DeliveryAttempt.objects.filter(reminder=planned)
    assert first.status == DeliveryAttempt.Status.PENDING
    assert len(postal.MemoryBackend.letters) == 1

    monkeypatch.setattr(delivery, "_record_sent", record)
    later = datetime.datetime.combine(DAY, datetime.time(9)) + datetime.timedelta(
        seconds=settings.DELIVERY_ATTEMPT_LEASE_SECONDS + 1
    )
    with time_machine.travel(later, tick=False):
        assert delivery.reminder_deliver(reminder_id=planned.pk) is True
    keys = [key for _, registered, key in postal.MemoryBackend.letters]
    assert keys == [first.message_id, first.message_id]  # a provider keyed on it posts once
    assert all(registered for _, registered, _ in postal.MemoryBackend.letters)
    first.refresh_from_db()
    assert first.status == DeliveryAttempt.Status.UNKNOWN
    sent = SentMessage.objects.get(reminder=planned)
    assert sent.channel == Channel.REGISTERED_LETTER
    assert sent in delivery.letters_waiting()  # and it waits for the day's batch
    assert all(ok for *_, ok in hand_over_spy)


def test_the_call_recap_goes_through_the_outbox_outside_the_transaction(
    frozen, controller, hand_over_spy, django_capture_on_commit_callbacks
):
    claim = make_claim(frozen)
    with frozen(D(2026, 10, 20)), django_capture_on_commit_callbacks(execute=False) as queued:
        call = services.call_log(
            dossier=claim.dossier,
            actor=controller,
            outcome=CallLog.Outcome.REACHED,
            contact_name="M. Moreau",
            commitment_amount=Decimal("1200.00"),
            commitment_date=D(2026, 11, 19),
            at=datetime.datetime(2026, 10, 20, 10, 30, tzinfo=datetime.UTC),
        )
    assert mail.outbox == []  # nothing sent inside the call's transaction: queued on commit
    assert queued
    with frozen(D(2026, 10, 20)):
        for callback in queued:
            callback()
        assert delivery.call_recap_send(call_id=call.pk) is None  # a redelivered task
    (message,) = mail.outbox
    (attempt,) = DeliveryAttempt.objects.filter(call_log=call)
    assert attempt.status == DeliveryAttempt.Status.ACCEPTED
    assert attempt.dossier == claim.dossier and attempt.subject == "Récapitulatif de l'appel"
    assert message.extra_headers["Message-ID"] == attempt.message_id
    assert SentMessage.objects.get(call_log=call).message_id == attempt.message_id
    assert [ok for *_, ok in hand_over_spy] == [True]


def test_a_message_of_the_dossier_is_sent_once_per_key_with_one_message_id(frozen, hand_over_spy):
    claim = make_claim(frozen)
    with frozen(D(2026, 10, 20)):
        first = delivery.dossier_message_send(
            dossier_id=claim.dossier.pk, template_code="remerciement", key="k1"
        )
        again = delivery.dossier_message_send(
            dossier_id=claim.dossier.pk, template_code="remerciement", key="k1"
        )
    assert first is not None and again is None  # the redelivered task sends nothing more
    (message,) = mail.outbox
    (attempt,) = DeliveryAttempt.objects.filter(dossier=claim.dossier)
    assert attempt.message_id == first.message_id == message.extra_headers["Message-ID"]
    assert attempt.reminder is None and attempt.label
    assert [ok for *_, ok in hand_over_spy] == [True]


def test_an_outage_longer_than_the_threshold_alerts_the_managers_once(
    frozen, backends, settings, client, django_capture_on_commit_callbacks
):
    settings.CHANNEL_OUTAGE_ALERT_MINUTES = 15
    boss = UserFactory(username="chef", role="manager", email="chef@example.fr")
    planned = _planned(frozen, Channel.SMS, "r10-sms")
    start = timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(14, 2)))

    def fail_at(minutes):
        sms.MemoryBackend.failures = [sms.SmsError("délai dépassé")]
        with (
            time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False),
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(sms.SmsError),
        ):
            delivery.reminder_deliver(reminder_id=planned.pk)

    fail_at(0)
    fail_at(10)
    assert mail.outbox == []  # 10 minutes: not yet
    fail_at(16)
    fail_at(30)
    (alert,) = mail.outbox  # once
    assert alert.to == ["chef@example.fr"]
    assert "Envoi par SMS en panne depuis" in alert.subject
    outage = ChannelOutage.objects.get()
    assert outage.failures == 4 and outage.alerted_at is not None

    client.force_login(boss)
    with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
        for url in (reverse("journee:worklist"), reverse("pilotage:dashboard")):
            page = client.get(url).content.decode()
            assert "en panne depuis 14 h 02" in page, url
            assert "4 essais en échec" in page

    with time_machine.travel(start + datetime.timedelta(minutes=40), tick=False):
        assert delivery.reminder_deliver(reminder_id=planned.pk) is True
        assert "en panne" not in client.get(reverse("journee:worklist")).content.decode()
    outage.refresh_from_db()
    assert outage.ended_at is not None
    assert len(mail.outbox) == 1


def test_the_outbox_page_lists_what_waits_with_its_next_attempt_in_the_users_scope(
    frozen, backends, client, manager, django_assert_max_num_queries
):
    from dossiers.models import Dossier

    mine = _planned(frozen, Channel.SMS, "r10-sms")
    other = _planned(frozen, Channel.SMS, "r11-sms")
    controller = UserFactory(username="c1", role="controller")
    Dossier.objects.filter(pk=mine.dossier_id).update(assigned_to=controller)
    Dossier.objects.filter(pk=other.dossier_id).update(
        assigned_to=UserFactory(username="c2", role="controller")
    )
    for reminder in (mine, other):
        reminder.dossier.creditor.managers.add(manager)
    at = timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(14, 31)))
    for reminder in (mine, other):
        sms.MemoryBackend.failures = [sms.SmsError("injoignable")]
        with time_machine.travel(at, tick=False), pytest.raises(sms.SmsError) as raised:
            delivery.reminder_deliver(reminder_id=reminder.pk)
        delivery.attempt_retry_at(
            attempt_id=raised.value.delivery_attempt_id, retry_at=at + datetime.timedelta(minutes=1)
        )
    url = reverse("courriers:outbox")

    with time_machine.travel(at + datetime.timedelta(seconds=30), tick=False):
        client.force_login(manager)
        with django_assert_max_num_queries(12):
            page = client.get(url).content.decode()
        assert page.count("Nouvel essai à 14 h 32 — prestataire SMS : injoignable") == 2
        assert mine.dossier.reference in page and other.dossier.reference in page

        client.force_login(controller)
        page = client.get(url).content.decode()
        assert mine.dossier.reference in page and other.dossier.reference not in page

        # Sent: it leaves the page.
        assert delivery.reminder_deliver(reminder_id=mine.pk) is True
        page = client.get(url).content.decode()
        assert mine.dossier.reference not in page
        assert "Aucun envoi en attente" in page


def test_the_kill_test_hook_does_nothing_without_its_setting(settings, tmp_path):
    settings.DELIVERY_FAULT_DIR = ""
    (tmp_path / "pause-x-before_send").touch()
    delivery.fault_point("x", "before_send")  # returns at once
    assert (tmp_path / "pause-x-before_send").exists()


def test_a_received_email_carries_the_outbox_message_id(frozen):
    claim = make_claim(frozen)
    with frozen(D(2026, 10, 20)):
        delivery.dossier_message_send(
            dossier_id=claim.dossier.pk, template_code="remerciement", key="abc"
        )
    parsed = email.message_from_bytes(mail.outbox[0].message().as_bytes())
    assert parsed["Message-ID"] == "<abc@recouvrement.local>"
