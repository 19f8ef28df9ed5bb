"""``make demo`` runs on the embedded SQLite database, not on the suite's PostgreSQL: the demo is
seeded there once, in a process of its own, the way the command does it (SQLite sums decimals
as floats and has no triggers: both once broke the demo while the suite stayed green)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_the_demo_seeds_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "recouvrement.settings.local",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "JOURNAL_HEAD_DIR": str(tmp_path / "heads"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "CELERY_BROKER_URL": "",  # as `make demo`: no broker, tasks in-process
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    outputs = []
    outbox = (
        "from courriers import delivery, outbox; from dossiers.models import Dossier; "
        "print([delivery.outage_text(o) for o in delivery.outages_alerting()]); "
        "print([outbox.attempt_state(a) for a in outbox.open_attempts(Dossier.objects.all())])"
    )
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["seed_demo"],
        ["journal_verify"],
        ["shell", "-c", outbox],
    ):
        done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            manage + command, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        outputs.append(done.stdout)
    seeded = outputs[1]
    assert "Identifiants de connexion" in seeded
    assert "Go/No-Go complet, à décider" in seeded
    assert "RGPD : purge exécutée" in seeded
    # The history played under the moving clock, then sealed: the journal checks out.
    assert "Journal intègre" in outputs[2]
    # The outbox in action (issue #20): the SMTP server down for 25 minutes, the managers
    # alerted, a call's recap e-mail waiting for its next attempt.
    assert "Envoi en attente (serveur SMTP en panne) : récapitulatif de l'appel" in seeded
    alerts, attempts = outputs[3].splitlines()[-2:]
    assert "Envoi par e-mail en panne depuis" in alerts
    assert "serveur SMTP injoignable, 5 essais en échec" in alerts
    assert "Nouvel essai à" in attempts and "serveur SMTP injoignable" in attempts
