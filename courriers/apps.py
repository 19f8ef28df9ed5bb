from django.apps import AppConfig


class CourriersConfig(AppConfig):
    """Letters and messages: versioned templates, rendering, sending by e-mail, SMS and post,
    and the evidence of what went out."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "courriers"
    verbose_name = "Courriers et messages"

    def ready(self) -> None:
        from courriers import receivers  # noqa: F401 - connects the signal receivers
