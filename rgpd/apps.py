from django.apps import AppConfig


class RgpdConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rgpd"
    verbose_name = "RGPD"

    def ready(self) -> None:
        from rgpd import retention  # noqa: F401  (signal receivers)
