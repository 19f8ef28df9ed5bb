"""Issue #20, « done when »: a real Celery worker (a subprocess, on the test's Redis database and
the test database) is killed with ``kill -9`` at each stage of a delivery, then a worker and the
sweeper are started again; the SMTP server (aiosmtpd on loopback) counts what each reminder
sent. Every time: one Message-ID per reminder (the documented rule: an attempt of unknown
outcome is sent again with the same Message-ID, docs/courriers.md), the reminder sent once, the
evidence keeping every attempt. Then an SMTP outage, and a server that drops the connection
after accepting the message.

The worker stops at a named stage through ``courriers.delivery.fault_point`` (a file in
``DELIVERY_FAULT_DIR``, read by the test settings only), so that the kill is deterministic.
"""

import datetime
import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.utils import timezone

from courriers.models import DeliveryAttempt, SentMessage
from recouvrement.celery import app
from relances import services
from relances.models import CadenceStep, Channel, Reminder
from tests.factories import ClaimFactory, DebtorFactory
from tests.fixtures.app_role import app_role, database_url

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="un vrai worker Celery demande PostgreSQL et le broker Redis",
    ),
    # The worker sees only committed rows; serialized_rollback restores the migrations' data.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Inbox:
    """What the SMTP server accepted; ``drop_after_data``: it keeps the message, then cuts the
    connection instead of answering « 250 » (the client cannot know the message arrived)."""

    def __init__(self):
        self.messages = []
        self.drop_after_data = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        if self.drop_after_data:
            self.drop_after_data -= 1
            server.transport.abort()
            return None
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Smtp:
    def __init__(self):
        self.inbox = Inbox()
        self.port = _free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = Smtp()
    server.start()
    yield server
    server.stop()


def _database_url() -> str:
    """The worker acts as the application's role, as the tests and production do."""
    return database_url(connection.settings_dict)


class Workers:
    """Start and ``kill -9`` real workers: ``celery worker --pool=solo`` (the task runs in the
    process killed), both queues, with the test's Redis, database and SMTP server."""

    def __init__(self, tmp_path: Path, smtp: Smtp):
        self.folder = tmp_path / "fault"
        self.folder.mkdir()
        self.smtp = smtp
        self.process = None
        self.logs = []
        self.seen = set()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "recouvrement.settings.local",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
            "EMAIL_TIMEOUT": "5",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "JOURNAL_HEAD_DIR": str(tmp_path / "heads"),
            "DELIVERY_FAULT_DIR": str(self.folder),
            # Time compressed: an interrupted attempt is taken as such at once (the lease, 600 s
            # in production), the back-off counts seconds instead of minutes.
            "DELIVERY_ATTEMPT_LEASE_SECONDS": "0",
            "DELIVERY_RETRY_BACKOFF_SECONDS": "1",
            "PYTHONPATH": str(ROOT),
        }

    def start(self, *, visibility_timeout: int = 3600):
        """``visibility_timeout``: how long Redis keeps a message taken by a worker that never
        acknowledged it before handing it out again (3,600 s in production; a worker started
        with 1 s takes back at once the message of the worker killed before it)."""
        log = self.folder / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        env = {**self.env, "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout)}
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "recouvrement",
                "worker",
                "--pool=solo",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                f"--queues=celery,{settings.DELIVERY_RETRY_QUEUE}",
                f"--hostname=kill-test-{len(self.logs)}@localhost",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        assert _wait(lambda: b" ready." in log.read_bytes(), timeout=40), self.log()

    def acting_role(self) -> str:
        """The role a process started with the workers' settings acts as on the database."""
        script = (
            "import django; django.setup(); from django.db import connection\n"
            "with connection.cursor() as cursor:\n"
            "    cursor.execute('SELECT current_user')\n"
            "    print(cursor.fetchone()[0])\n"
        )
        done = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return done.stdout.strip().splitlines()[-1]

    def pause(self, reminder: Reminder, stage: str):
        (self.folder / f"pause-reminder{reminder.pk}-{stage}").touch()

    def reached(self, reminder: Reminder, stage: str, timeout=30) -> bool:
        return _wait(
            lambda: (self.folder / f"reached-reminder{reminder.pk}-{stage}").exists(), timeout
        )

    def any_reached(self, reminders: dict) -> str | None:
        """The stage a worker stopped at and that the test has not handled yet."""
        for stage, reminder in reminders.items():
            if (
                stage not in self.seen
                and (self.folder / f"reached-reminder{reminder.pk}-{stage}").exists()
            ):
                return stage
        return None

    def idle(self, timeout=30) -> bool:
        """Every message queued has been taken and acknowledged (kombu's Redis transport keeps
        the queue in a list and the messages taken but not acknowledged in a hash)."""
        import redis

        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        queues = ["celery", settings.DELIVERY_RETRY_QUEUE]
        return _wait(
            lambda: not any(broker.llen(q) for q in queues) and not broker.hlen("unacked"),
            timeout,
        )

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs)


@pytest.fixture
def workers(tmp_path, smtp):
    """The test process queues through Redis (not eagerly) while a worker subprocess runs."""
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()  # messages (and unacknowledged ones) left by an interrupted run
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    pool = Workers(tmp_path, smtp)
    try:
        yield pool
    finally:
        pool.stop()
        app.conf.task_always_eager = saved
        broker.flushdb()


def _wait(condition, timeout=30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _planned_email(**debtor) -> Reminder:
    """A reminder e-mail planned today for an invoice due ten days ago (the real clock: the
    worker's)."""
    today = timezone.localdate()
    claim = ClaimFactory(
        debtor=DebtorFactory(**debtor),
        issue_date=today - datetime.timedelta(days=40),
        due_date=today - datetime.timedelta(days=10),
    )
    step = CadenceStep.objects.get(
        policy__debtor_kind="professional", policy__is_default=True, code="r7-email"
    )
    return Reminder.objects.create(
        dossier=claim.dossier, step=step, cycle=1, channel=Channel.EMAIL, scheduled_for=today
    )


def _queue(reminder: Reminder):
    from courriers.tasks import reminder_deliver_task

    reminder_deliver_task.apply_async(kwargs={"reminder_id": reminder.pk})


_ticks = iter(range(1, 1000))


def _sweep():
    """The sweeper's beat tick, each a threshold after the one before (a reminder it queued
    waits a threshold before it is queued again)."""
    minutes = (settings.DELIVERY_REQUEUE_AFTER_MINUTES + 1) * next(_ticks)
    return services.reminders_requeue_stuck(
        now=timezone.now() + datetime.timedelta(minutes=minutes)
    )


def _sent(reminder: Reminder, timeout=30) -> bool:
    return _wait(
        lambda: Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.SENT, timeout
    )


def _message_ids(inbox: Inbox, reminder: Reminder) -> list[str]:
    ours = set(reminder.attempts.values_list("message_id", flat=True))
    return [mid for mid in inbox.message_ids() if mid in ours]


STAGES = {
    # stage: (e-mails at the server when the worker is killed, copies received in the end)
    "before_send": (0, 1),
    "after_send": (1, 2),
    "before_commit": (1, 2),
}


def test_a_worker_killed_at_each_stage_of_a_delivery_sends_one_message_id(smtp, workers):
    """Three reminders, each stopping its worker at one stage; each kill is followed by a new
    worker, to which Redis hands the killed worker's message, and by the sweeper's tick."""
    if app_role():  # the worker writes as production's does: history and links append-only
        assert workers.acting_role() == app_role()
    reminders = {stage: _planned_email() for stage in STAGES}
    for stage, reminder in reminders.items():
        workers.pause(reminder, stage)
    workers.start()
    for reminder in reminders.values():
        _queue(reminder)

    at_kill = {}
    for _ in STAGES:
        assert _wait(lambda: workers.any_reached(reminders), timeout=60), workers.log()
        stage = workers.any_reached(reminders)
        reminder = reminders[stage]
        workers.kill()
        at_kill[stage] = len(_message_ids(smtp.inbox, reminder))
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.PLANNED  # nothing committed after the attempt
        (pending,) = reminder.attempts.all()
        assert pending.status == DeliveryAttempt.Status.PENDING  # committed before the send
        workers.seen.add(stage)
        # Another worker: Redis hands it the killed worker's message (its visibility timeout
        # passed), and the sweeper queues the delivery again; they run one after the other.
        # The sweeper skips a reminder the new worker is delivering (row lock) or has sent.
        time.sleep(1.1)
        workers.start(visibility_timeout=1)
        assert reminder.pk in _sweep() or _sent(reminder), workers.log()

    for reminder in reminders.values():
        assert _sent(reminder), workers.log()
    assert workers.idle(), workers.log()
    assert _sweep() == []  # a later tick has nothing to do

    for stage, reminder in reminders.items():
        expected_at_kill, expected_in_the_end = STAGES[stage]
        assert at_kill[stage] == expected_at_kill, stage
        first = reminder.attempts.order_by("started_at", "pk").first()
        ids = _message_ids(smtp.inbox, reminder)
        assert len(ids) == expected_in_the_end, stage
        assert set(ids) == {first.message_id}, stage  # one Message-ID: clients fold the copies
        statuses = list(reminder.attempts.order_by("started_at", "pk").values_list("status"))
        assert statuses == [(DeliveryAttempt.Status.UNKNOWN,), (DeliveryAttempt.Status.ACCEPTED,)]
        (sent,) = SentMessage.objects.filter(reminder=reminder)
        assert sent.message_id == first.message_id
        assert reminder.history.filter(status=Reminder.Status.SENT).count() == 1


def test_an_smtp_outage_is_retried_with_backoff_shown_then_one_email_goes(smtp, workers):
    """The server down: each delivery retries with back-off and says so; the server back: one
    e-mail each. Then a server that cuts the connection after taking the message: the retry
    carries the same Message-ID."""
    reminders = [_planned_email() for _ in range(2)]
    smtp.stop()
    workers.start()
    for reminder in reminders:
        _queue(reminder)

    def retrying():
        notes = [Reminder.objects.get(pk=r.pk).note for r in reminders]
        return all(note.startswith("Nouvel essai à ") for note in notes)

    assert _wait(retrying, timeout=30), workers.log()
    for reminder in reminders:
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.PLANNED
        assert reminder.note.endswith("— serveur SMTP injoignable")
        assert reminder.next_attempt_at is not None
        failed = reminder.attempts.filter(status=DeliveryAttempt.Status.FAILED).first()
        assert failed.error == "serveur SMTP injoignable"

    smtp.start()
    for reminder in reminders:
        assert _sent(reminder, timeout=40), workers.log()
        ids = _message_ids(smtp.inbox, reminder)
        assert len(ids) == 1
        assert set(reminder.attempts.values_list("message_id", flat=True)) == set(ids)
        reminder.refresh_from_db()
        assert reminder.note.startswith("Envoyée au ")
    log = workers.log()
    assert "WARNING" in log and "serveur SMTP injoignable" in log

    cut = _planned_email()
    smtp.inbox.drop_after_data = 1
    _queue(cut)
    assert _sent(cut), workers.log()
    ids = _message_ids(smtp.inbox, cut)
    assert len(ids) == 2 and len(set(ids)) == 1
    statuses = list(cut.attempts.order_by("started_at", "pk").values_list("status", "error"))
    assert statuses == [
        (DeliveryAttempt.Status.FAILED, "serveur SMTP : connexion interrompue"),
        (DeliveryAttempt.Status.ACCEPTED, ""),
    ]
