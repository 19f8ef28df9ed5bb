from django.apps import AppConfig


class PilotageConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pilotage"
    verbose_name = "Pilotage"

    def ready(self) -> None:
        from . import demo  # noqa: F401 - connects the demo receiver
