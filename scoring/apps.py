from django.apps import AppConfig


class ScoringConfig(AppConfig):
    """The payment-probability score: learned from the base's history, explained, never deciding
    alone (docs/scoring.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
    verbose_name = "Probabilité de paiement"
