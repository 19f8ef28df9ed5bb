"""The imports' reads."""

from django.db.models import Q, QuerySet

from accounts import roles
from dossiers import scoping
from imports.models import ImportBatch


def visible_batches(user) -> QuerySet[ImportBatch]:
    """The import batches a user may open: their own; a manager's, also those of the creditors
    in their charge; every batch for an administrator. A batch's preview names debtors: it is
    personal data of its creditor's portfolio."""
    batches = ImportBatch.objects.all()
    held = roles.roles_of(user)
    if roles.ADMIN in held:
        return batches
    mine = Q(created_by_id=user.pk)
    if roles.MANAGER in held:
        mine |= Q(creditor_id__in=scoping.managed_creditor_ids(user))
    return batches.filter(mine)
