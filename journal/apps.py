from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JournalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "journal"
    verbose_name = "Journal probatoire"

    def ready(self) -> None:
        from journal.triggers import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="journal-triggers")

        from celery.signals import task_postrun

        from journal.tasks import seal_after_daily_runs

        task_postrun.connect(seal_after_daily_runs, dispatch_uid="journal-seal-after-runs")
