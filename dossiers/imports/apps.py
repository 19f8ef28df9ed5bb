from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Getting invoices in: file imports, e-invoices, outside signals, exports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dossiers.imports"
    label = "imports"
    verbose_name = "Imports et exports"

    def ready(self) -> None:
        from . import demo  # noqa: F401 - connects the demo receiver
