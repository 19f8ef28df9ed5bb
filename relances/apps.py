from django.apps import AppConfig


class RelancesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "relances"
    verbose_name = "Relances et cadence"

    def ready(self) -> None:
        from dossiers import scheduling
        from relances import planning, receivers  # noqa: F401 - connects the signal receivers

        scheduling.register_planner(planning.next_action_at, batch=planning.next_action_dates)
