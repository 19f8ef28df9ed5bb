"""Celery beat sweeps the cadence every hour with a task the worker knows."""

from django.conf import settings

from recouvrement.celery import app


def test_beat_runs_the_cadence_sweep_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["cadence-sweep"]
    assert entry["schedule"] == 3600.0
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert "courriers.deliver_reminder" in app.tasks
