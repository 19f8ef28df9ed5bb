"""Display of the dashboard's cells in French: 1 234,56 €, 42,5 %, 12,3 j."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from legal.formatting import euros

register = template.Library()


@register.filter
def cell(value, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "money":
        return euros(value)
    if kind == "percent":
        return f"{number_format(Decimal(value) * 100, 1, use_l10n=True)} %"
    if kind == "days":
        return f"{number_format(value, 1, use_l10n=True, force_grouping=True)} j"
    if kind == "per_euro":
        return f"{number_format(value, 4, use_l10n=True)} €"
    if kind == "decimal":
        return number_format(value, 2, use_l10n=True, force_grouping=True)
    if kind == "int":
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    return str(value)


@register.filter
def pair(row, columns):
    """A row's cells with their column, for the table template."""
    return zip(row, columns, strict=True)
