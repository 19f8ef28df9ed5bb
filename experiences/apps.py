from django.apps import AppConfig


class ExperiencesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "experiences"
    verbose_name = "Expériences de cadence"

    def ready(self) -> None:
        from experiences import receivers  # noqa: F401 - connects the signal receivers
