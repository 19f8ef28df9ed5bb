"""Template tags of the admin's home page: the reference rates missing for the current
half-year, so that an admin adds them before any computation needs them."""

from django import template

from dossiers import selectors

register = template.Library()


@register.simple_tag
def missing_rates() -> list[str]:
    """French messages for each rate missing for today's half-year (empty when complete)."""
    return selectors.missing_rates()
