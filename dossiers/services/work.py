"""A person's work on a dossier: closing a task, handing the dossier to another controller."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from dossiers.models import Dossier, DossierState, Task
from dossiers.services._common import User, lock_dossier, refuse_closed
from journal.journaled import journaled_save, require_reason


def task_close(
    *, task: Task, actor: User | None, reason: str, status: str = Task.Status.DONE
) -> Task:
    """Mark a task done (or cancelled), with what was done in the journal. On a closed dossier
    only the court route's deadlines still close (a dossier in litigation)."""
    reason = require_reason(reason)
    if status not in (Task.Status.DONE, Task.Status.CANCELLED):
        raise ValidationError("Une tâche se clôt comme faite ou annulée.")
    with transaction.atomic():
        dossier = lock_dossier(task.dossier_id)
        task = Task.objects.select_for_update().get(pk=task.pk)
        court_follow_up = (
            (DossierState.LITIGATION,) if task.kind == Task.Kind.COURT_DEADLINE else ()
        )
        refuse_closed(dossier, action="clore une tâche", allow=court_follow_up)
        if task.status != Task.Status.OPEN:
            raise ValidationError("Cette tâche est déjà close.")
        task.status = status
        journaled_save(task, actor=actor, reason=f"tâche close : {reason}")
    return task


def dossier_assign(
    *, dossier: Dossier, assignee: User | None, actor: User | None, reason: str
) -> Dossier:
    """Hand a dossier (and its open tasks) to a controller, or back to the unassigned queue."""
    reason = require_reason(reason)
    if assignee is not None and not get_user_model().objects.filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": "Utilisateur inconnu."})
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        refuse_closed(dossier, action="réattribuer le dossier")
        dossier.assigned_to = assignee
        journaled_save(dossier, actor=actor, reason=f"réattribution : {reason}", exclude=["state"])
        for task in Task.objects.select_for_update().filter(
            dossier=dossier, status=Task.Status.OPEN
        ):
            task.assigned_to = assignee
            journaled_save(task, actor=actor, reason=f"réattribution : {reason}")
    return dossier
