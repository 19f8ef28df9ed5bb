from django.apps import AppConfig


class EscaladeConfig(AppConfig):
    """Go/No-Go: the checklist, the routes, the reasoned decision and the evidence bundle."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "escalade"
    verbose_name = "Go/No-Go"
