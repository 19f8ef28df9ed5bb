"""Portfolios: which creditors a manager answers for, and whether their unassigned dossiers are
open to every controller (``dossiers.scoping`` reads both)."""

from django.contrib.auth.models import AbstractBaseUser as User
from django.db import transaction

from dossiers.models import Creditor
from journal.journaled import journaled_save, require_reason


def creditor_pool_set(
    *, creditor: Creditor, pool_open: bool, actor: User | None, reason: str
) -> Creditor:
    """Open (or close) the creditor's unassigned dossiers to the controllers, journaled."""
    reason = require_reason(reason)
    with transaction.atomic():
        creditor = Creditor.objects.select_for_update().get(pk=creditor.pk)
        if creditor.unassigned_pool_open != pool_open:
            creditor.unassigned_pool_open = pool_open
            journaled_save(creditor, actor=actor, reason=reason)
    return creditor
