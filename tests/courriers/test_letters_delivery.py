"""Delivery for real: e-mail over SMTP (aiosmtpd on loopback), retries then failure, test mode,
SMS, the day's letter batch, registered letters with their acknowledgment of receipt, the recap
after a call, the plan confirmation, the thank-you, approval batches."""

import datetime
import email
import email.policy
import hashlib
import io
import socket
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from courriers import delivery
from courriers.models import CreditorMessaging, SentMessage
from courriers.tasks import reminder_deliver_task
from dossiers import services as dossier_services
from dossiers.models import Evidence
from dossiers.services import work
from relances import services
from relances.models import CallLog, Reminder
from tests.courriers.letters_helpers import STEP_DAYS, D, make_claim, pdf_text, reminder, walk_to


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.mark.django_db
def test_a_real_smtp_server_receives_the_email_with_the_pdf_whose_hash_is_stored(
    frozen, walk, smtp_server
):
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])

    sent = SentMessage.objects.get(reminder=reminder(claim, "r7-email"))
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    contact = claim.dossier.debtor.contacts.get()
    assert envelope.rcpt_tos == [contact.email]
    received = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert received["Message-ID"] == sent.message_id
    assert received["Reply-To"] == claim.creditor.contact_email
    assert str(received["Subject"]).strip() == sent.subject
    html = received.get_body(preferencelist=("html",)).get_content()
    text = received.get_body(preferencelist=("plain",)).get_content()
    assert claim.invoice_number in html and claim.invoice_number in text
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    pdf = attachment.get_content()
    assert hashlib.sha256(pdf).hexdigest() == sent.pdf_sha256
    assert hashlib.sha256(sent.pdf.read()).hexdigest() == sent.pdf_sha256
    assert sent.text_sha256 == hashlib.sha256(sent.body_text.encode()).hexdigest()
    assert reminder(claim, "r7-email").status == Reminder.Status.SENT


@pytest.mark.django_db
def test_smtp_down_retries_then_marks_the_reminder_failed_for_the_worklist(
    frozen, settings, django_capture_on_commit_callbacks
):
    claim = make_claim(frozen)
    with frozen(STEP_DAYS["r7-email"]):
        services.run_cadence(on=STEP_DAYS["r7-email"])  # queued on commit: not sent
    planned = reminder(claim, "r7-email")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 2
    # Eager retries run one inside the other, as a worker would run them one after the other.
    from recouvrement.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        result = reminder_deliver_task.apply(kwargs={"reminder_id": planned.pk}, throw=False)
    finally:
        app.conf.task_eager_propagates = propagates

    assert result.get() is False
    planned.refresh_from_db()
    assert planned.status == Reminder.Status.FAILED
    assert planned.note.startswith("Échec de l'envoi : serveur SMTP injoignable")
    assert planned.delivery_attempts == 6
    assert not SentMessage.objects.filter(reminder=planned).exists()


class _Retried(Exception):
    """Stands for Celery's ``Retry``: the retry is recorded, not run inside the attempt."""


@pytest.fixture
def retries(monkeypatch):
    """The retries the delivery task asks for, as (countdown, options); none runs."""
    from celery.exceptions import Retry

    asked = []

    def retry(task, *, exc=None, countdown=None, **options):
        asked.append((countdown, options))
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(type(reminder_deliver_task._get_current_object()), "retry", retry)
    return asked


@pytest.mark.django_db
def test_an_smtp_outage_shows_the_next_attempt_on_the_dossier_then_one_email_goes(
    frozen, settings, smtp_server, retries, caplog, client, controller
):
    """Issue #20: a reminder in retry is no longer « planned » with an empty note."""
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    claim = make_claim(frozen)
    day = STEP_DAYS["r7-email"]
    with frozen(day):
        services.run_cadence(on=day)  # queued on commit: not sent
    planned = reminder(claim, "r7-email")
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = _free_port(), 2  # the SMTP server is down

    with frozen(day), caplog.at_level("WARNING"):
        reminder_deliver_task.apply(kwargs={"reminder_id": planned.pk}, throw=False)
        retry_at = timezone.localtime(timezone.now() + dt.timedelta(seconds=60))

    assert retries == [(60, {"queue": settings.DELIVERY_RETRY_QUEUE})]  # back-off, own queue
    planned.refresh_from_db()
    assert planned.status == Reminder.Status.PLANNED
    assert planned.delivery_attempts == 1
    assert planned.next_attempt_at == retry_at
    note = f"Nouvel essai à {retry_at.hour} h {retry_at:%M} — serveur SMTP injoignable"
    assert planned.note == note
    warning = next(r for r in caplog.records if r.name == "courriers.tasks")
    assert warning.levelname == "WARNING"
    assert f"relance {planned.pk}" in warning.getMessage()
    assert "serveur SMTP injoignable" in warning.getMessage()
    assert "Connection refused" in warning.getMessage() or "[Errno" in warning.getMessage()

    claim.dossier.__class__.objects.filter(pk=claim.dossier_id).update(assigned_to=controller)
    client.force_login(controller)
    page = client.get(reverse("journee:dossier", args=[claim.dossier_id])).content.decode()
    assert note in page
    assert "1 essai en échec" in page

    # The server is back: the retry sends one e-mail and clears the note.
    settings.EMAIL_PORT = working_port
    with frozen(day):
        reminder_deliver_task.apply(kwargs={"reminder_id": planned.pk}, retries=1, throw=False)
    planned.refresh_from_db()
    assert planned.status == Reminder.Status.SENT
    assert planned.next_attempt_at is None
    assert planned.note == "Envoyée au 2e essai"
    assert len(smtp_server.messages) == 1
    assert len(retries) == 1


@pytest.mark.django_db
def test_a_refusal_by_the_smtp_server_is_named_in_the_note(frozen, settings, retries):
    from smtplib import SMTPDataError

    claim = make_claim(frozen)
    with frozen(STEP_DAYS["r7-email"]):
        services.run_cadence(on=STEP_DAYS["r7-email"])
    planned = reminder(claim, "r7-email")

    def refuse(self, *args, **kwargs):
        raise SMTPDataError(451, b"4.3.0 Mail server temporarily rejected message")

    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages
    EmailBackend.send_messages = refuse
    try:
        with frozen(STEP_DAYS["r7-email"]):
            reminder_deliver_task.apply(kwargs={"reminder_id": planned.pk}, retries=2, throw=False)
    finally:
        EmailBackend.send_messages = original
    planned.refresh_from_db()
    assert retries[0][0] == 240  # the task's third attempt waits 4 minutes
    assert planned.delivery_attempts == 1  # the attempts recorded on this reminder
    assert planned.note.endswith(
        "— serveur SMTP : refus temporaire (451 4.3.0 Mail server temporarily rejected message)"
    )


@pytest.mark.django_db
def test_a_creditor_in_test_mode_gets_every_message_marked_as_a_test(frozen, walk):
    claim = make_claim(frozen)
    CreditorMessaging.objects.create(
        creditor=claim.creditor, test_mode=True, test_email="essai@fournitures.example"
    )
    walk_to(walk, claim, STEP_DAYS["r30-courrier"])

    assert [m.to for m in mail.outbox] == [["essai@fournitures.example"]] * 3
    assert all(m.subject.startswith("[TEST] ") for m in mail.outbox)
    assert "ENVOI DE TEST" in mail.outbox[0].body
    sent = SentMessage.objects.filter(dossier=claim.dossier)
    assert sent.count() == 3 and all(s.is_test for s in sent)
    # Even the letter went by e-mail to the test address, never to the post office.
    assert not delivery.letters_waiting().exists()
    assert "ENVOI DE TEST" in pdf_text(sent.get(reminder__step__code="r30-courrier").pdf.read())


@pytest.mark.django_db
def test_a_debtor_without_email_fails_the_reminder_with_the_reason(frozen, walk):
    claim = make_claim(frozen)
    claim.dossier.debtor.contacts.all().delete()
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    failed = reminder(claim, "r7-email")
    assert failed.status == Reminder.Status.FAILED
    assert "aucune adresse e-mail" in failed.note
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_sms_fits_in_two_messages_and_goes_through_the_configured_backend(frozen, settings):
    from courriers import sms
    from relances.models import CadenceStep, Channel, Stage

    settings.SMS_BACKEND = "courriers.sms.MemoryBackend"
    sms.MemoryBackend.outbox = []
    claim = make_claim(frozen)
    step = CadenceStep.objects.create(
        policy=CadenceStep.objects.filter(code="r7-email").first().policy,
        code="r10-sms",
        label="SMS de relance",
        offset_days=10,
        stage=Stage.REMINDER_1,
        channel=Channel.SMS,
        template_code="relance-sms",
    )
    planned = Reminder.objects.create(
        dossier=claim.dossier,
        step=step,
        cycle=1,
        channel=Channel.SMS,
        scheduled_for=D(2026, 10, 12),
    )
    assert delivery.reminder_deliver(reminder_id=planned.pk) is True
    ((to, text),) = sms.MemoryBackend.outbox
    assert to == "06 12 34 56 78"
    assert len(text) <= 306 and claim.creditor.legal_name in text and "1 200,00" in text
    assert claim.creditor.privacy_policy_url in text
    assert SentMessage.objects.get(reminder=planned).body_text == text


@pytest.mark.django_db
def test_the_days_letters_make_one_printable_pdf_and_a_manifest(frozen, walk, manager):
    claims = [make_claim(frozen), make_claim(frozen, kind="consumer")]
    for claim in claims:
        walk_to(walk, claim, STEP_DAYS["r30-courrier"])
    letters = list(delivery.letters_waiting().order_by("pk"))
    assert len(letters) == 2

    batch = delivery.letter_batch_create(actor=manager, day=STEP_DAYS["r30-courrier"])

    pages = sum(len(PdfReader(io.BytesIO(letter.pdf.read())).pages) for letter in letters)
    printable = PdfReader(io.BytesIO(batch.pdf.read()))
    assert len(printable.pages) >= pages
    assert claims[0].invoice_number in printable.pages[0].extract_text()
    manifest = batch.manifest.read().decode("utf-8-sig").splitlines()
    assert manifest[0].startswith("n°;créancier;dossier;destinataire")
    assert len(manifest) == 3
    assert claims[1].dossier.debtor.name in manifest[2] and letters[1].pdf_sha256 in manifest[2]
    assert batch.letters_count == 2 and not delivery.letters_waiting().exists()
    with pytest.raises(ValidationError, match="Aucun courrier"):
        delivery.letter_batch_create(actor=manager)


@pytest.mark.django_db
def test_a_registered_letter_gets_its_number_then_its_receipt_as_evidence(frozen, walk, controller):
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r45-mise-en-demeure"])
    notice = reminder(claim, "r45-mise-en-demeure")
    assert notice.status == Reminder.Status.PLANNED  # waits for a person's approval
    with frozen(STEP_DAYS["r45-mise-en-demeure"]), delivery_on_commit():
        services.reminder_approve(reminder=notice, actor=controller)
    sent = SentMessage.objects.get(reminder=notice)
    assert sent.channel == "registered_letter" and sent.status == SentMessage.Status.SENT
    assert "Mise en demeure" in pdf_text(sent.pdf.read())

    with pytest.raises(ValidationError):
        delivery.registered_number_set(sent=sent, number="??", actor=controller)
    delivery.registered_number_set(sent=sent, number="1A 123 456 7890 1", actor=controller)
    scan = SimpleUploadedFile("ar.pdf", b"%PDF-1.4 AR signe", content_type="application/pdf")
    delivery.receipt_upload(sent=sent, file=scan, actor=controller, received_on=D(2026, 11, 18))

    sent.refresh_from_db()
    assert sent.registered_number == "1A12345678901"
    assert sent.status == SentMessage.Status.DELIVERED
    assert sent.status_changed_on == D(2026, 11, 18)
    assert sent.receipt.kind == Evidence.Kind.ACKNOWLEDGMENT
    assert sent.receipt.sha256 == hashlib.sha256(b"%PDF-1.4 AR signe").hexdigest()


@pytest.mark.django_db
def test_a_returned_letter_fails_its_reminder(frozen, walk, controller):
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r30-courrier"])
    sent = SentMessage.objects.get(reminder__step__code="r30-courrier", dossier=claim.dossier)
    with pytest.raises(ValidationError):
        delivery.letter_returned(sent=sent, actor=controller, note=" ")
    delivery.letter_returned(sent=sent, actor=controller, note="NPAI")
    sent.refresh_from_db()
    assert sent.status == SentMessage.Status.RETURNED
    assert reminder(claim, "r30-courrier").status == Reminder.Status.FAILED


@pytest.mark.django_db
def test_a_bounce_is_recorded_and_fails_the_reminder(frozen, walk):
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    sent = SentMessage.objects.get(dossier=claim.dossier)
    delivery.message_bounced(message_id=sent.message_id, error="550 boîte inconnue")
    sent.refresh_from_db()
    assert sent.status == SentMessage.Status.FAILED and "550" in sent.status_note
    assert reminder(claim, "r7-email").status == Reminder.Status.FAILED


class delivery_on_commit:
    """Run on-commit callbacks at once (delivery is queued on commit)."""

    def __enter__(self):
        from django.test import TestCase

        self._ctx = TestCase.captureOnCommitCallbacks(execute=True)
        return self._ctx.__enter__()

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


@pytest.mark.django_db
def test_a_commitment_a_month_away_sends_the_recap_of_the_commitments(frozen, controller):
    claim = make_claim(frozen)
    called = datetime.datetime(2026, 10, 20, 10, 30, tzinfo=datetime.UTC)
    with frozen(D(2026, 10, 20)), delivery_on_commit():
        call = services.call_log(
            dossier=claim.dossier,
            actor=controller,
            outcome=CallLog.Outcome.REACHED,
            contact_name="M. Moreau",
            commitment_amount=Decimal("1200.00"),
            commitment_date=D(2026, 11, 19),
            at=called,
        )
    call.refresh_from_db()
    assert call.recap_status == CallLog.Recap.SENT
    (message,) = mail.outbox
    assert "Récapitulatif de notre entretien du 20/10/2026" in message.subject
    assert "règlement de 1 200,00 € au plus tard le 19/11/2026" in message.body.replace(
        "\u202f", " "
    ).replace("\xa0", " ")
    assert message.attachments[0][2] == "application/pdf"
    sent = SentMessage.objects.get(call_log=call)
    assert call.recap_content == sent.body_text


@pytest.mark.django_db
def test_plan_confirmation_and_thank_you_follow_the_dossier(frozen, controller):
    # Paid late: the thank-you goes out once nothing is owed, the accessories waived by policy.
    claim = make_claim(frozen, waives_accessories=True)
    CreditorMessaging.objects.create(creditor=claim.creditor, thank_you_enabled=True)
    with frozen(D(2026, 10, 20)), delivery_on_commit():
        plan = dossier_services.plan_accept(
            dossier=claim.dossier,
            installments=[(D(2026, 11, 5), Decimal("600.00")), (D(2026, 12, 5), Decimal("600.00"))],
            actor=controller,
        )
    assert mail.outbox[-1].subject.startswith("Confirmation de votre échéancier")
    assert "échéance n° 2 : 600,00 € au plus tard le 05/12/2026" in mail.outbox[-1].body.replace(
        "\u202f", " "
    ).replace("\xa0", " ")
    plan_text = pdf_text(delivery.plan_document(plan).pdf)
    assert "Bon pour accord" in plan_text and "05/12/2026" in plan_text

    with frozen(D(2026, 11, 5)), delivery_on_commit():
        dossier_services.payment_record(
            dossier=claim.dossier,
            amount=Decimal("1200.00"),
            received_on=D(2026, 11, 5),
            actor=controller,
            reason="virement reçu",
        )
    assert mail.outbox[-1].subject.startswith("Merci pour votre règlement")
    assert SentMessage.objects.filter(dossier=claim.dossier, kind="thank_you").count() == 1


@pytest.mark.django_db
def test_an_approval_batch_approves_and_sends_each_letter_and_reports_refusals(
    frozen, walk, controller
):
    claims = [make_claim(frozen) for _ in range(3)]
    for claim in claims:
        walk_to(walk, claim, STEP_DAYS["r45-mise-en-demeure"])
    notices = [reminder(claim, "r45-mise-en-demeure") for claim in claims]
    assert list(delivery.letters_to_approve().order_by("pk")) == notices
    # One debtor disputes meanwhile: its letter must not leave.
    with frozen(STEP_DAYS["r45-mise-en-demeure"]), delivery_on_commit():
        dossier_services.dispute_open(
            dossier=claims[2].dossier, reason_code="quality", actor=controller
        )

    # The letters are the controller's: the batch acts with its starter's scope as it runs.
    for claim in claims:
        work.dossier_assign(
            dossier=claim.dossier, assignee=controller, actor=None, reason="portefeuille"
        )
    with frozen(STEP_DAYS["r45-mise-en-demeure"]), delivery_on_commit():
        batch = delivery.approval_batch_start(
            reminder_ids=[n.pk for n in notices], actor=controller
        )
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed, batch.percent) == ("done", 2, 1, 100)
    assert f"Relance {notices[2].pk}" in batch.errors
    assert (
        SentMessage.objects.filter(reminder__in=notices[:2], channel="registered_letter").count()
        == 2
    )


@pytest.mark.django_db
def test_wording_is_checked_again_before_sending(frozen, walk):
    """A template changed behind the admin's back (a direct database edit) is still refused
    when the reminder goes out, and the reminder fails with the reason."""
    from courriers.models import MessageTemplate

    MessageTemplate.objects.filter(code="relance-amiable-pro").update(
        body="Réglez sous peine de poursuites."
    )
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    failed = reminder(claim, "r7-email")
    assert failed.status == Reminder.Status.FAILED
    assert "sous peine de" in failed.note
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_dispute_is_acknowledged_by_email(frozen, controller):
    claim = make_claim(frozen)
    with frozen(D(2026, 10, 20)), delivery_on_commit():
        dossier_services.dispute_open(
            dossier=claim.dossier, reason_code="quality", actor=controller
        )
    (message,) = mail.outbox
    assert message.subject.startswith("Votre contestation a bien été reçue")
    assert "contestation du 20/10/2026" in message.body
    assert message.reply_to == [claim.creditor.contact_email]
    assert SentMessage.objects.get(dossier=claim.dossier).kind == "dispute_ack"


@pytest.mark.django_db
def test_commands_make_the_batch_and_record_a_bounce(frozen, walk):
    from django.core.management import CommandError, call_command

    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r30-courrier"])
    out = io.StringIO()
    call_command("letters_batch", "--date", "2026-11-02", stdout=out)
    assert "Lot du 02/11/2026 (1 courriers)" in out.getvalue()
    with pytest.raises(CommandError, match="Aucun courrier"):
        call_command("letters_batch")

    sent = SentMessage.objects.get(reminder__step__code="r7-email", dossier=claim.dossier)
    call_command("record_bounce", sent.message_id, "550 boîte inconnue", stdout=io.StringIO())
    assert reminder(claim, "r7-email").status == Reminder.Status.FAILED
    with pytest.raises(CommandError):
        call_command("record_bounce", "<inconnu@x>", "550")


@pytest.mark.django_db
def test_no_thank_you_unless_the_creditor_asks_for_it(frozen, controller):
    claim = make_claim(frozen, waives_accessories=True)
    with frozen(D(2026, 10, 20)), delivery_on_commit():
        dossier_services.payment_record(
            dossier=claim.dossier,
            amount=Decimal("1200.00"),
            received_on=D(2026, 10, 20),
            actor=controller,
            reason="virement reçu",
        )
    from dossiers.models import Dossier

    assert Dossier.objects.get(pk=claim.dossier.pk).state == "paid"
    assert mail.outbox == []
    assert not SentMessage.objects.filter(dossier=claim.dossier).exists()


# --- Exactly once in effect: the outbox (issue #20) -------------------------------------------


@pytest.mark.django_db
def test_the_attempt_is_recorded_before_the_send_and_its_result_after(
    frozen, smtp_server, monkeypatch
):
    from courriers.models import DeliveryAttempt

    claim = make_claim(frozen)
    with frozen(STEP_DAYS["r7-email"]):
        services.run_cadence(on=STEP_DAYS["r7-email"])
    planned = reminder(claim, "r7-email")
    seen_during_the_send = []
    send = delivery.send_email

    def watched(document, **kwargs):
        seen_during_the_send.append(
            list(DeliveryAttempt.objects.values_list("status", "message_id", "recipient"))
        )
        return send(document, **kwargs)

    monkeypatch.setattr(delivery, "send_email", watched)
    with frozen(STEP_DAYS["r7-email"]):
        assert delivery.reminder_deliver(reminder_id=planned.pk) is True

    attempt = DeliveryAttempt.objects.get()
    contact = claim.dossier.debtor.contacts.get()
    assert seen_during_the_send == [[("pending", attempt.message_id, contact.email)]]
    assert attempt.status == DeliveryAttempt.Status.ACCEPTED
    assert attempt.channel == "email" and attempt.finished_at is not None
    sent = SentMessage.objects.get(reminder=planned)
    assert sent.message_id == attempt.message_id
    content = "\0".join([sent.subject, sent.body_text, sent.body_html]).encode()
    assert attempt.content_sha256 == hashlib.sha256(content + b"\0" + sent.pdf.read()).hexdigest()
    received = email.message_from_bytes(smtp_server.messages[0].content)
    assert received["Message-ID"] == attempt.message_id


@pytest.mark.django_db
def test_a_worker_killed_after_the_smtp_server_accepted_resends_with_the_same_message_id(
    frozen, smtp_server, monkeypatch, settings
):
    """Issue #20, finding 1: the redelivered task no longer sends a second e-mail with a new
    Message-ID: it resends with the same one (mail clients fold the two), and the evidence
    keeps both attempts."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from courriers.models import DeliveryAttempt

    class Killed(BaseException):
        """kill -9 between the SMTP server's « 250 » and the commit."""

    claim = make_claim(frozen)
    day = STEP_DAYS["r7-email"]
    with frozen(day):
        services.run_cadence(on=day)
    planned = reminder(claim, "r7-email")

    record = delivery._record_sent

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(delivery, "_record_sent", killed)
    with frozen(day), pytest.raises(Killed):
        delivery.reminder_deliver(reminder_id=planned.pk)
    assert len(smtp_server.messages) == 1
    planned.refresh_from_db()
    assert planned.status == Reminder.Status.PLANNED
    (first,) = DeliveryAttempt.objects.all()
    assert first.status == DeliveryAttempt.Status.PENDING  # committed before the send

    # Redelivered at once (a duplicate task): the attempt may still be running, nothing goes.
    monkeypatch.setattr(delivery, "_record_sent", record)
    with frozen(day):
        assert delivery.reminder_deliver(reminder_id=planned.pk) is False
    assert len(smtp_server.messages) == 1

    # Redelivered after the lease (the visibility timeout, or the sweeper).
    later = timezone.now() + dt.timedelta(seconds=settings.DELIVERY_ATTEMPT_LEASE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert delivery.reminder_deliver(reminder_id=planned.pk) is True
    ids = [email.message_from_bytes(m.content)["Message-ID"] for m in smtp_server.messages]
    assert ids == [first.message_id, first.message_id]
    first.refresh_from_db()
    second = DeliveryAttempt.objects.exclude(pk=first.pk).get()
    assert first.status == DeliveryAttempt.Status.UNKNOWN
    assert second.status == DeliveryAttempt.Status.ACCEPTED
    assert second.message_id == first.message_id
    sent = SentMessage.objects.get(reminder=planned)
    assert sent.message_id == first.message_id
    planned.refresh_from_db()
    assert planned.status == Reminder.Status.SENT


@pytest.mark.django_db
def test_an_attempt_refused_by_the_smtp_server_is_closed_and_the_retry_keeps_the_message_id(
    frozen, settings, smtp_server
):
    from courriers.models import DeliveryAttempt

    claim = make_claim(frozen)
    day = STEP_DAYS["r7-email"]
    with frozen(day):
        services.run_cadence(on=day)
    planned = reminder(claim, "r7-email")
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = _free_port(), 2
    with frozen(day), pytest.raises(ConnectionError):
        delivery.reminder_deliver(reminder_id=planned.pk)
    failed = DeliveryAttempt.objects.get()
    assert failed.status == DeliveryAttempt.Status.FAILED
    assert failed.error == "serveur SMTP injoignable"
    settings.EMAIL_PORT = working_port
    with frozen(day):
        assert delivery.reminder_deliver(reminder_id=planned.pk) is True
    accepted = DeliveryAttempt.objects.exclude(pk=failed.pk).get()
    assert accepted.message_id == failed.message_id
    assert len(smtp_server.messages) == 1
