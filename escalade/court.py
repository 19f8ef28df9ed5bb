"""The court route after Go (docs/legal.md §8): each route opens its deadlines as tasks on the
dossier, with their article (``legal.court``), and each act recorded closes them and opens the
next ones.

The dossier is closed to amicable actions once in litigation (« Contentieux »); the court
route's tasks still open and close on it: they are the follow-up of the route the manager chose.

- Simplified procedure for small claims (CPCE L125-1): hand the file to the commissaire de
  justice → invitation sent (the debtor's month to accept) → agreement (enforceable title) or
  failure (the other routes are open).
- Injonction de payer (CPC 1405 et s.): file the request → order (served within 3 months, 6 for
  an order before 01/09/2026) → served (one month to oppose, then the executory formula within
  the next month) → opposition, or executory formula; an order not served in time is void.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dossiers.models import Dossier, DossierState, Task
from dossiers.services import lock_dossier, task_create
from dossiers.services.work import task_close
from escalade.models import CourtProceeding
from escalade.routes import Route
from journal.journaled import journaled_save
from legal import court
from legal.calendar import roll_forward
from legal.formatting import french_date

Stage = CourtProceeding.Stage
INJUNCTIONS = (Route.INJUNCTION_COMMERCE, Route.INJUNCTION_JUDICIAIRE)
FOLLOWED_ROUTES = (Route.SMALL_CLAIMS, *INJUNCTIONS)
# The task that watches an opposition left open by a service not made to the person.
OPPOSITION_WATCH = "Signification non faite à personne : opposition recevable"
# Policy (no rule of law): the first act of the route is prepared within this many days.
FIRST_ACT_DAYS = 7


@dataclass(frozen=True)
class Event:
    code: str
    label: str
    sources: tuple[str, ...]  # the stages it may follow
    target: str | None  # None: the stage stays (an act that only opens a deadline)


EVENTS = {
    e.code: e
    for e in (
        Event("invited", "Invitation du débiteur envoyée", (Stage.TO_INVITE,), Stage.INVITED),
        Event("agreed", "Accord du débiteur : titre exécutoire", (Stage.INVITED,), Stage.TITLE),
        Event("failed", "Refus ou silence du débiteur", (Stage.INVITED,), Stage.FAILED),
        Event("ordered", "Ordonnance d'injonction rendue", (Stage.TO_FILE,), Stage.ORDERED),
        Event(
            "served", "Ordonnance signifiée au débiteur à personne", (Stage.ORDERED,), Stage.SERVED
        ),
        Event(
            "served_elsewhere",
            "Ordonnance signifiée, mais pas à personne (à domicile, à l'étude…)",
            (Stage.ORDERED,),
            Stage.SERVED,
        ),
        Event(
            "personal_act",
            "Premier acte signifié à personne ou première mesure d'exécution rendant les biens "
            "indisponibles (CPC 1416 al. 2)",
            (Stage.SERVED, Stage.ENFORCEABLE),
            None,
        ),
        Event(
            "opposed", "Opposition du débiteur", (Stage.SERVED, Stage.ENFORCEABLE), Stage.OPPOSED
        ),
        Event("enforceable", "Formule exécutoire apposée", (Stage.SERVED,), Stage.ENFORCEABLE),
        Event("void", "Ordonnance non signifiée dans le délai", (Stage.ORDERED,), Stage.VOID),
    )
}
DATE_FIELD = {
    "invited": "invited_on",
    "agreed": "answered_on",
    "failed": "answered_on",
    "ordered": "order_on",
    "served": "served_on",
    "served_elsewhere": "served_on",
    "personal_act": "first_personal_act_on",
    "opposed": "opposed_on",
    "enforceable": "enforceable_on",
}


def _allowed(proceeding: CourtProceeding, event: Event) -> bool:
    if proceeding.stage not in event.sources:
        return False
    if event.code == "personal_act":
        # CPC 1416 al. 2: only after a service not made to the person, once.
        return proceeding.opposition_open_until_personal_act
    if event.code == "opposed" and proceeding.stage == Stage.ENFORCEABLE:
        # After the executory formula, an opposition only on a service not made to the person,
        # within the month of the first act served to the person (CPC 1416 al. 2).
        return not proceeding.is_over
    return True


def events_for(proceeding: CourtProceeding) -> list[Event]:
    """The acts that may follow the proceeding's stage."""
    return [e for e in EVENTS.values() if _allowed(proceeding, e)]


def _task(dossier: Dossier, *, due_on: date, note: str, actor, reason: str) -> Task:
    return task_create(
        dossier=dossier,
        kind=Task.Kind.COURT_DEADLINE,
        due_on=due_on,
        actor=actor,
        note=note[:300],
        reason=reason,
    )


def _deadline_task(dossier, deadline: court.Deadline, *, actor, reason: str, what: str = ""):
    note = f"{what or deadline.label} : au plus tard le {french_date(deadline.last_day)} "
    note += f"({deadline.reference})."
    return _task(dossier, due_on=deadline.last_day, note=note, actor=actor, reason=reason)


def proceeding_open(*, dossier: Dossier, route: str, actor, on: date) -> CourtProceeding | None:
    """Open the route's follow-up after a Go decision (small claims, injonction de payer); the
    other routes have no deadline the product follows. Runs inside the decision's transaction."""
    if route not in FOLLOWED_ROUTES:
        return None
    first_due = roll_forward(on + timedelta(days=FIRST_ACT_DAYS))
    if route == Route.SMALL_CLAIMS:
        stage = Stage.TO_INVITE
        note = (
            "Transmettre le dossier au commissaire de justice, qui invite le débiteur à la "
            "procédure simplifiée de recouvrement des petites créances (CPCE L125-1, R125-1)."
        )
    else:
        stage = Stage.TO_FILE
        cerfa = "12946" if route == Route.INJUNCTION_COMMERCE else "12948"
        note = (
            f"Déposer la requête en injonction de payer (Cerfa {cerfa}, CPC 1405 et s.) : "
            "données prêtes dans « Requête à déposer » sur la page du dossier."
        )
    proceeding = CourtProceeding(dossier=dossier, route=route, stage=stage, started_on=on)
    reason = f"procédure judiciaire engagée : {Route(route).label}"
    journaled_save(proceeding, actor=actor, reason=reason)
    _task(dossier, due_on=first_due, note=note, actor=actor, reason=reason)
    return proceeding


def court_event_record(
    *, proceeding: CourtProceeding, event: str, on: date, actor, note: str = ""
) -> CourtProceeding:
    """Record an act of the route: its date, the tasks it closes and the deadlines it opens."""
    if event not in EVENTS:
        raise ValidationError({"event": "Choisissez une étape parmi celles proposées."})
    if on > timezone.localdate():
        raise ValidationError({"on": "La date ne peut pas être dans le futur."})
    step = EVENTS[event]
    with transaction.atomic():
        dossier = lock_dossier(proceeding.dossier_id)
        proceeding = CourtProceeding.objects.select_for_update().get(pk=proceeding.pk)
        if dossier.state != DossierState.LITIGATION:
            raise ValidationError("Le dossier n'est pas au contentieux.")
        if proceeding.stage in step.sources:
            _check_dates(proceeding, event, on)  # a date out of time says so first
        if not _allowed(proceeding, step):
            raise ValidationError(
                {
                    "event": f"« {step.label} » ne peut pas suivre l'étape « "
                    f"{proceeding.get_stage_display()} »."
                }
            )
        if event in DATE_FIELD:
            setattr(proceeding, DATE_FIELD[event], on)
        if event in ("served", "served_elsewhere"):
            proceeding.served_in_person = event == "served"
        if step.target is not None:
            proceeding.stage = step.target
        reason = f"{step.label} le {french_date(on)}" + (f" : {note.strip()}" if note else "")
        journaled_save(proceeding, actor=actor, reason=reason)
        open_tasks = Task.objects.filter(
            dossier=dossier, kind=Task.Kind.COURT_DEADLINE, status=Task.Status.OPEN
        ).order_by("pk")
        if event == "personal_act":
            # Only the watch on the open opposition ends; the formula's deadline stays.
            open_tasks = open_tasks.filter(note__startswith=OPPOSITION_WATCH)
        for task in open_tasks:
            task_close(task=task, actor=actor, reason=reason)
        _open_deadlines(dossier, proceeding, event, on, actor=actor, reason=reason)
    return proceeding


def _check_dates(proceeding: CourtProceeding, event: str, on: date) -> None:
    if on < proceeding.started_on:
        raise ValidationError({"on": "La date précède la décision d'engager la procédure."})
    if event in ("served", "served_elsewhere") and proceeding.order_on:
        if on < proceeding.order_on:
            raise ValidationError({"on": "La signification ne peut pas précéder l'ordonnance."})
        limit = court.injunction_service(proceeding.order_on)
        if on > limit.last_day:
            raise ValidationError(
                {
                    "on": f"Signifiée après le {french_date(limit.last_day)} : l'ordonnance "
                    f"est non avenue ({limit.reference}). Enregistrez-la comme telle."
                }
            )
    if event in ("agreed", "failed") and proceeding.invited_on and on < proceeding.invited_on:
        raise ValidationError({"on": "La réponse ne peut pas précéder l'invitation."})
    after_service = ("opposed", "enforceable", "personal_act")
    if event in after_service and proceeding.served_on and on < proceeding.served_on:
        raise ValidationError({"on": "La date ne peut pas précéder la signification."})
    if event == "enforceable" and proceeding.served_on:
        opposition = court.injunction_opposition(proceeding.served_on)
        if on <= opposition.last_day:
            raise ValidationError(
                {
                    "on": "La formule exécutoire se demande après le délai d'opposition, qui "
                    f"court jusqu'au {french_date(opposition.last_day)} ({opposition.reference})."
                }
            )
        limit = court.injunction_enforcement(proceeding.served_on)
        if on > limit.last_day:
            raise ValidationError(
                {
                    "on": f"Demandée après le {french_date(limit.last_day)} : l'ordonnance ne "
                    f"produit plus aucun effet ({limit.reference})."
                }
            )
    if event == "opposed" and proceeding.served_on:
        if proceeding.served_in_person is False:
            limit = (
                court.injunction_late_opposition(proceeding.first_personal_act_on)
                if proceeding.first_personal_act_on
                else None
            )
        else:
            limit = court.injunction_opposition(proceeding.served_on)
        if limit is not None and on > limit.last_day:
            raise ValidationError(
                {
                    "on": f"Opposition après le {french_date(limit.last_day)} : hors délai "
                    f"({limit.reference}), elle n'est plus recevable."
                }
            )


def _open_deadlines(dossier, proceeding, event: str, on: date, *, actor, reason: str) -> None:
    postal_code = dossier.debtor.postal_code
    if event == "invited":
        _deadline_task(
            dossier,
            court.small_claims_acceptance(on, postal_code=postal_code),
            actor=actor,
            reason=reason,
        )
    elif event == "ordered":
        _deadline_task(
            dossier,
            court.injunction_service(on, postal_code=postal_code),
            actor=actor,
            reason=reason,
            what="Faire signifier l'ordonnance par commissaire de justice",
        )
    elif event == "served_elsewhere":
        _task(
            dossier,
            due_on=court.injunction_opposition(on, postal_code=postal_code).last_day,
            note=f"{OPPOSITION_WATCH} jusqu'à un mois après le premier acte signifié à personne "
            "ou la première mesure d'exécution rendant les biens indisponibles : enregistrez "
            "cet acte (CPC 1416 al. 2).",
            actor=actor,
            reason=reason,
        )
        _deadline_task(
            dossier,
            court.injunction_enforcement(on, postal_code=postal_code),
            actor=actor,
            reason=reason,
            what="Sans opposition, demander au greffe la formule exécutoire (après le premier "
            "mois, quelles que soient les modalités de la signification, CPC 1422)",
        )
    elif event == "personal_act":
        _deadline_task(
            dossier,
            court.injunction_late_opposition(on, postal_code=postal_code),
            actor=actor,
            reason=reason,
            what="Surveiller une éventuelle opposition du débiteur",
        )
    elif event == "served":
        _deadline_task(
            dossier,
            court.injunction_opposition(on, postal_code=postal_code),
            actor=actor,
            reason=reason,
            what="Surveiller une éventuelle opposition du débiteur",
        )
        _deadline_task(
            dossier,
            court.injunction_enforcement(on, postal_code=postal_code),
            actor=actor,
            reason=reason,
            what="Sans opposition, demander au greffe la formule exécutoire (après le délai "
            "d'opposition)",
        )


@dataclass(frozen=True)
class Progress:
    """What the dossier page shows of a route: its acts done and the deadlines ahead."""

    proceeding: CourtProceeding
    done: list[tuple[str, date]]
    deadlines: list[Task]
    events: list[Event]


def progress(dossier: Dossier) -> list[Progress]:
    """The dossier's court routes, latest first (two queries)."""
    proceedings = list(dossier.proceedings.all())
    if not proceedings:
        return []
    tasks = list(
        Task.objects.filter(dossier=dossier, kind=Task.Kind.COURT_DEADLINE).order_by(
            "status", "due_on", "pk"
        )
    )
    out = []
    for proceeding in proceedings:
        done = [
            (label, getattr(proceeding, field))
            for label, field in (
                ("Procédure engagée", "started_on"),
                ("Invitation du débiteur", "invited_on"),
                ("Réponse du débiteur", "answered_on"),
                ("Ordonnance", "order_on"),
                ("Signification", "served_on"),
                ("Premier acte à personne / mesure d'exécution", "first_personal_act_on"),
                ("Opposition", "opposed_on"),
                ("Titre exécutoire / formule exécutoire", "enforceable_on"),
            )
            if getattr(proceeding, field)
        ]
        open_tasks = [t for t in tasks if t.status == Task.Status.OPEN]
        events = events_for(proceeding)
        if proceeding.is_over and not events:
            open_tasks = []
        out.append(Progress(proceeding, done, open_tasks, events))
        tasks = []  # the open deadlines belong to the latest route
    return out
