"""Typed query-string filters for the list endpoints, documented in the OpenAPI schema; a bad
value is a French 400, never a server error."""

from __future__ import annotations

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1


def _int(raw: str) -> int:
    value = int(raw)
    if not 0 < value <= MAX_ID:
        raise ValueError
    return value


def _date(raw: str) -> date:
    return date.fromisoformat(raw)


def _bool(raw: str) -> bool:
    if raw.lower() in ("true", "1", "oui"):
        return True
    if raw.lower() in ("false", "0", "non"):
        return False
    raise ValueError


def _str(raw: str) -> str:
    if "\x00" in raw or len(raw) > 200:
        raise ValueError
    return raw


PARSERS = {"int": _int, "date": _date, "bool": _bool, "str": _str}
MESSAGES = {
    "int": "Identifiant invalide : un entier positif est attendu.",
    "date": "Date invalide : utilisez le format AAAA-MM-JJ (2026-11-23).",
    "bool": "Valeur invalide : true ou false.",
    "str": "Valeur invalide.",
}
TYPES = {
    "int": OpenApiTypes.INT,
    "date": OpenApiTypes.DATE,
    "bool": OpenApiTypes.BOOL,
    "str": OpenApiTypes.STR,
}


class FilterMixin:
    """``filters``: query parameter → (ORM lookup, kind, description)."""

    filters: dict[str, tuple[str, str, str]] = {}

    def filter_queryset(self, queryset):
        errors = {}
        params = self.request.query_params
        for name, (lookup, kind, _help) in self.filters.items():
            raw = params.get(name)
            if raw in (None, ""):
                continue
            try:
                value = PARSERS[kind](raw)
            except ValueError:
                errors[name] = [MESSAGES[kind]]
                continue
            if lookup.endswith("__isnull_inverse"):
                queryset = queryset.filter(**{lookup.replace("_inverse", ""): not value})
            else:
                queryset = queryset.filter(**{lookup: value})
        if errors:
            raise ValidationError(errors)
        return super().filter_queryset(queryset)


def parameters(filters: dict[str, tuple[str, str, str]]) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(name, TYPES[kind], OpenApiParameter.QUERY, description=help_text)
        for name, (_lookup, kind, help_text) in filters.items()
    ]
