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
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    outputs = []
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"], ["journal_verify"]):
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
