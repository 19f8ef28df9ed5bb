from django.apps import AppConfig


class JourneeConfig(AppConfig):
    """The controller's workspace: worklist, dossier and debtor pages, actions, timeline."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "journee"
    verbose_name = "Ma journée"

    def ready(self) -> None:
        from journee import priority

        priority.connect()
