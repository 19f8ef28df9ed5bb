"""French display in the workspace's templates: ``{{ amount|euros }}``, ``{{ day|date_fr }}``."""

from django import template

from legal import formatting

register = template.Library()


@register.filter
def euros(amount):
    """``1234.5`` → ``1 234,50 €``; empty stays empty (a figure the engine could not give)."""
    if amount is None or amount == "":
        return "—"
    return formatting.euros(amount)


@register.filter
def date_fr(day):
    """``date(2026, 11, 23)`` → ``23/11/2026``; a datetime shows in local time with its hour."""
    if not day:
        return ""
    if hasattr(day, "hour"):
        from django.utils import timezone

        day = timezone.localtime(day) if timezone.is_aware(day) else day
        return f"{day:%d/%m/%Y %H:%M}"
    return formatting.french_date(day)
