from django.apps import AppConfig


class RelancesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "relances"
    verbose_name = "Relances et cadence"

    def ready(self) -> None:
        from dossiers import scheduling

        from . import demo, planning, receivers  # noqa: F401 - connects the signal receivers
        from .letters import demo as letters_demo  # noqa: F401 - after the cadence's walk

        scheduling.register_planner(planning.next_action_at)
        scheduling.register_formal_notice_date(planning.formal_notice_date_expression)
