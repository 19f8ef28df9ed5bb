from django.apps import AppConfig


class PortailWebConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portail_web"
    verbose_name = "Espace débiteur (pages)"
