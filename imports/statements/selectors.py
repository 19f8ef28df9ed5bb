"""The statements' reads, cut by scoping."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import roles
from dossiers import scoping
from imports.statements.models import BankStatement, BankTransaction

OPEN = (
    BankTransaction.Status.PROPOSED,
    BankTransaction.Status.UNMATCHED,
    BankTransaction.Status.TO_REVIEW,
)


def visible_statements(user) -> QuerySet[BankStatement]:
    """A statement names many payers: its author, the managers of its creditor and the
    administrators open it (as an import batch)."""
    statements = BankStatement.objects.all()
    held = roles.roles_of(user)
    if roles.ADMIN in held:
        return statements
    mine = Q(created_by_id=user.pk)
    if roles.MANAGER in held:
        mine |= Q(creditor_id__in=scoping.managed_creditor_ids(user))
    return statements.filter(mine)


def queue(user) -> QuerySet[BankTransaction]:
    """The lines waiting for a person: a proposal on a dossier the user reads; a line with no
    dossier of a creditor the user works for (a manager: those in their charge); the lines of
    a statement the user imported."""
    rows = BankTransaction.objects.filter(status__in=OPEN)
    if scoping.sees_every_dossier(user) and roles.ADMIN in roles.roles_of(user):
        return rows
    condition = (
        Q(dossier__in=scoping.visible_dossiers(user).values("pk"))
        | Q(
            dossier__isnull=True,
            statement__creditor__in=scoping.visible_creditors(user).values("pk"),
        )
        | Q(statement__created_by_id=user.pk)
    )
    return rows.filter(condition)
