"""The journaled save: every evidentiary write says who did it and why.

Each history row (django-simple-history) carries ``history_user`` and ``history_change_reason``;
services call ``journaled_save`` rather than ``save`` so that neither is ever forgotten, and
``require_reason`` where a person must give the reason.
"""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, router, transaction

from accounts.roles import user_or_none

# The name of the check constraint a database refused, as PostgreSQL and SQLite say it.
_CHECK_NAME = re.compile(r'check constraint "?(\w+)"?|CHECK constraint failed: (\w+)', re.I)


def journaled_save(instance: models.Model, *, actor, reason: str, exclude=()) -> None:
    """Validate and save one row, stamping its history row with who and why.

    Fields and unique constraints are validated before the save (their French messages name
    the field); check constraints are enforced by the database on the save itself, inside a
    savepoint, and a refusal becomes the constraint's French message: the same error as
    ``full_clean`` gives, without one query per check constraint on every save (a fifth of the
    demo's seeding went there)."""
    exclude = list(exclude)
    _full_clean(instance, exclude)
    _validate_unique_constraints(instance, exclude)
    instance._history_user = user_or_none(actor)
    instance._change_reason = reason
    try:
        with transaction.atomic(using=router.db_for_write(type(instance), instance=instance)):
            instance.save()
    except IntegrityError as error:
        constraint = _check_refused(instance, error)
        if constraint is None:
            raise
        raise ValidationError(
            constraint.get_violation_error_message(), code=constraint.violation_error_code
        ) from error


def _full_clean(instance: models.Model, exclude: list[str]) -> None:
    """``Model.full_clean`` without the check constraints, and without reading again the rows
    its foreign keys point to when the caller holds them (``_held_relations``); the same
    errors otherwise (fields, ``clean``, unique fields and ``unique_together``)."""
    errors: dict = {}
    try:
        instance.clean_fields(exclude={*exclude, *_held_relations(instance, exclude)})
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    # The unique checks, for the fields that passed (as ``full_clean``).
    failed = {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        instance.validate_unique(exclude={*exclude, *failed})
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _held_relations(instance: models.Model, exclude: list[str]) -> list[str]:
    """The foreign keys whose related object the instance carries, read from (or saved to) the
    database and the same row as the key: ``full_clean`` would read that row once more to
    check that it exists (one query per key on every journaled save — thousands in the demo's
    seed). A key without its object, set by id, or limited to some rows
    (``limit_choices_to``) is still checked."""
    held = []
    for field in instance._meta.concrete_fields:
        if not field.many_to_one or field.name in exclude or field.get_limit_choices_to():
            continue
        value = getattr(instance, field.attname)
        if value is None or not field.is_cached(instance):
            continue
        related = field.get_cached_value(instance)
        if (
            related is not None
            and not related._state.adding
            and getattr(related, field.target_field.attname) == value
        ):
            held.append(field.name)
    return held


def _validate_unique_constraints(instance: models.Model, exclude: list[str]) -> None:
    """``Model.validate_constraints`` for the unique constraints only."""
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict = {}
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            if not isinstance(constraint, models.UniqueConstraint):
                continue
            try:
                constraint.validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as exc:
                if getattr(exc, "code", None) == "unique" and len(constraint.fields) == 1:
                    errors.setdefault(constraint.fields[0], []).append(exc)
                else:
                    errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _check_refused(instance: models.Model, error: IntegrityError):
    """The model's check constraint the database refused, if that is what happened."""
    match = _CHECK_NAME.search(str(error))
    if match is None:
        return None
    name = match.group(1) or match.group(2)
    for _model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            if isinstance(constraint, models.CheckConstraint) and constraint.name == name:
                return constraint
    return None


def require_reason(reason: str) -> str:
    """The reason a person typed, stripped; refused when empty (it goes into the journal)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif de cette opération (il figure au journal).")
    return reason
