"""The journaled save: every evidentiary write says who did it and why.

Each history row (django-simple-history) carries ``history_user`` and ``history_change_reason``;
services call ``journaled_save`` rather than ``save`` so that neither is ever forgotten, and
``require_reason`` where a person must give the reason.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from accounts.roles import user_or_none


def journaled_save(instance: models.Model, *, actor, reason: str, exclude=()) -> None:
    """Validate and save one row, stamping its history row with who and why."""
    instance.full_clean(exclude=list(exclude))
    instance._history_user = user_or_none(actor)
    instance._change_reason = reason
    instance.save()


def require_reason(reason: str) -> str:
    """The reason a person typed, stripped; refused when empty (it goes into the journal)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif de cette opération (il figure au journal).")
    return reason
