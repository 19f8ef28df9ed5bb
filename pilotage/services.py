"""The dashboards' only write: the manager sets the cost of an action per channel."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.roles import user_or_none
from journal.journaled import journaled_save
from pilotage.models import CostSettings

COST_FIELDS = ("email", "letter", "registered_letter", "call_minute", "sms", "call_minutes")


def cost_settings_get() -> CostSettings:
    """The one row of costs (created with zero costs the first time)."""
    settings, _ = CostSettings.objects.get_or_create(pk=CostSettings.SINGLETON_PK)
    return settings


def cost_settings_update(*, actor, reason: str, **costs: Decimal) -> CostSettings:
    """Set the unit costs; who and why go to the history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de cette modification."})
    unknown = set(costs) - set(COST_FIELDS)
    if unknown:
        raise ValueError(f"Coûts inconnus : {', '.join(sorted(unknown))}")
    with transaction.atomic():
        cost_settings_get()
        settings = CostSettings.objects.select_for_update().get(pk=CostSettings.SINGLETON_PK)
        for name, value in costs.items():
            setattr(settings, name, value)
        settings.updated_by = user_or_none(actor)
        journaled_save(settings, actor=actor, reason=f"coûts des actions : {reason}")
    return settings
