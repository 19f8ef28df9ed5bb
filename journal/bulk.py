"""Bulk writes that stay in the journal: simple-history's bulk helpers with who and why.

``QuerySet.update()`` and ``bulk_create()`` write no history row: an import or a mass change
must go through these two functions instead (one history row per object, stamped with the
actor and the reason, sealed into the chain by the next ``seal()``, as every other row).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dossiers.services._common import require_reason


def _stamp(objs, actor, reason: str) -> list[models.Model]:
    """simple-history prefers an object's own ``_history_user``/``_change_reason`` (left by an
    earlier save) to the defaults: stamp every object with this operation's who and why."""
    objs = list(objs)
    for obj in objs:
        obj._history_user = actor
        obj._change_reason = reason
    return objs


def journaled_bulk_create(
    objs: Sequence[models.Model], *, actor, reason: str, batch_size: int | None = 500
) -> list[models.Model]:
    if not objs:
        return []
    model = type(objs[0])
    reason = require_reason(reason)
    return bulk_create_with_history(
        _stamp(objs, actor, reason),
        model,
        batch_size=batch_size,
        default_user=actor,
        default_change_reason=reason,
    )


def journaled_bulk_update(
    objs: Sequence[models.Model],
    fields: list[str],
    *,
    actor,
    reason: str,
    batch_size: int | None = 500,
) -> int:
    if not objs:
        return 0
    model = type(objs[0])
    reason = require_reason(reason)
    return bulk_update_with_history(
        _stamp(objs, actor, reason),
        model,
        fields,
        batch_size=batch_size,
        default_user=actor,
        default_change_reason=reason,
    )
