from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data: seed_demo and seed_load, each domain's part called in an explicit order."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Démonstration"
