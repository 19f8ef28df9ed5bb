from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Getting invoices in: file imports, e-invoices, outside signals, exports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "imports"
    verbose_name = "Imports et exports"
