"""The Celery application.

Without ``CELERY_BROKER_URL`` the settings make tasks run in-process (eager), which is what the
demo uses; with a broker (Redis) a worker and beat run them.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvrement.settings.local")

app = Celery("recouvrement")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def queue(task_name: str, **kwargs) -> None:
    """Queue a task by its name: how a lower app starts the work of a higher one without
    importing it (``relances`` queues the delivery that ``courriers`` performs). Eager in the
    demo and the tests, as a direct ``delay`` would be."""
    if task_name not in app.tasks:
        app.loader.import_default_modules()  # every app's tasks.py (autodiscovery)
    app.signature(task_name, kwargs=kwargs).delay()
