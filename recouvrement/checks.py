"""A model's fields checked as ``full_clean`` checks them, for thousands of rows written
together (a bank statement's lines and payments): each (field, value) checked once, and, where
a field's check depends on a value's shape alone, each shape once.

``Field.clean`` costs ~40 µs a value; a statement's 50,000 lines and 28,000 payments share their
account, dates, kinds and statuses, but their line numbers, amounts and times are nearly all
distinct. What decides such a value's check is read here once per field: a text without
choices is checked by its length (``MaxLengthValidator``), an integer by its range
(``MinValueValidator``, ``MaxValueValidator``: the database's), a decimal by its digits and
exponent (``DecimalValidator``), a date or a time by its type. Any other field, or a value of
another type, goes through ``Field.clean`` as ``full_clean`` would take it. The same refusals
and French errors as ``full_clean`` (``tests/imports/test_statements_bulk.py`` compares them).
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models

_INTEGERS = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


def clean_fields_once(obj: models.Model, *, exclude, valid: set[tuple]) -> None:
    """``obj.full_clean(exclude=exclude)`` without the uniqueness and the constraints (checked
    by the database), each (field, value) found valid kept in ``valid`` (one set per batch of
    rows) and not checked again; no foreign key may be checked here (``exclude`` them): their
    check reads the database. Raises ``ValidationError`` with the fields' errors, as
    ``full_clean`` does, after ``obj.clean()``."""
    errors = {}
    for f, attname, shape, by_shape in _fields(type(obj), frozenset(exclude)):
        raw = getattr(obj, attname)
        if shape is not None and raw and _fits(shape, raw):
            continue  # what ``f.clean`` checks of such a value: its length, range or type
        if type(raw) is Decimal:
            number = raw.as_tuple()
            _sign, digits, exponent = number
            # ``DecimalValidator`` reads the number of digits and the exponent alone; with
            # other validators, a Decimal is kept by its digits and exponent (« 10.500 » is not
            # « 10.50 »).
            value = (len(digits), digits == (0,), exponent) if by_shape else number
            key = (attname, value, Decimal)
        else:
            key = (attname, raw, type(raw))
        try:
            if key in valid:
                continue
        except TypeError:  # a list or a dict (an invoice list): checked each time
            key = None
        if f.blank and raw in f.empty_values:
            continue
        try:
            setattr(obj, attname, f.clean(raw, obj))
        except ValidationError as error:
            errors[f.name] = error.error_list
            continue
        if key is not None and getattr(obj, attname) == raw:
            valid.add(key)
    obj.clean()
    if errors:
        raise ValidationError(errors)


@functools.cache
def _fields(model: type[models.Model], exclude: frozenset) -> tuple:
    """(field, attname, shape, decimal checked by its shape) of the fields to check."""
    return tuple(
        (f, f.attname, _shape(f), _decimal_only(f))
        for f in model._meta.concrete_fields
        if f.name not in exclude and not f.primary_key and not f.generated
    )


def _fits(shape: tuple, raw) -> bool:
    """Whether ``f.clean`` would take the non-empty ``raw`` unchanged, for a field of this
    ``shape``; False: to check by ``clean``."""
    if shape[0] == "text":
        return type(raw) is str and len(raw) <= shape[1]
    if shape[0] == "integer":
        return type(raw) is int and shape[1] <= raw <= shape[2]
    return type(raw) is shape[1]


@functools.cache
def _shape(f: models.Field) -> tuple | None:
    """What decides ``f.clean`` of a value of the field's own type, when that is all: a text's
    length, an integer's range, a date's or a time's type; None for any other field (choices,
    other validators, other kinds)."""
    if f.choices:
        return None
    validators = list(f.validators)
    if type(f) is models.CharField:
        if all(type(v) is MaxLengthValidator for v in validators):
            return ("text", min((v.limit_value for v in validators), default=f.max_length))
        return None
    if type(f) in _INTEGERS:
        low, high = -(2**63), 2**63 - 1
        for v in validators:
            if type(v) not in (MinValueValidator, MaxValueValidator) or callable(v.limit_value):
                return None
            if type(v) is MinValueValidator:
                low = max(low, v.limit_value)
            else:
                high = min(high, v.limit_value)
        return ("integer", low, high)
    if type(f) is models.DateTimeField and not validators:
        return ("type", datetime)
    if type(f) is models.DateField and not validators:
        return ("type", date)
    return None


@functools.cache
def _decimal_only(f: models.Field) -> bool:
    """Whether a decimal field checks a ``Decimal`` by ``DecimalValidator`` alone."""
    return (
        type(f) is models.DecimalField
        and not f.choices
        and all(type(v) is DecimalValidator for v in f.validators)
    )
