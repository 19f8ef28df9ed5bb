"""The daily cadence run, reminders, calls and holds.

``run_cadence(on=...)`` selects the due dossiers with one indexed query and handles each in its
own transaction under the dossier's row lock. Reminders are unique per (dossier, step, cycle), so
a second run, a duplicate beat tick or two concurrent runs create nothing twice. Delivery (in
``courriers``) is queued by name with ``transaction.on_commit`` and sends only a reminder still
``planned``.
"""

from __future__ import annotations

import gc
import logging
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.roles import user_or_none
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierState, Promise, Task
from dossiers.services import work as dossier_work
from journal.bulk import journaled_insert, journaled_update_each, rows_written_together
from legal import wording
from legal.formatting import euros
from recouvrement.celery import queue
from relances import calls, planning
from relances.models import (
    ADVANCING_STAGES,
    DELIVERED_CHANNELS,
    CadenceRun,
    CadenceShard,
    CadenceStep,
    CallLog,
    Channel,
    DossierHold,
    Reminder,
)

logger = logging.getLogger(__name__)
S = DossierState
CADENCE_ACTOR_LABEL = "cadence automatique"
# The note of a step a catch-up skipped (written cancelled, never sent).
SKIPPED_NOTE = "Étape dépassée, non émise"
# The delivery of one reminder, performed by ``courriers`` (above this app): queued by name.
DELIVER_TASK = "courriers.deliver_reminder"


@dataclass
class RunReport:
    """What a run did (or, dry, would do), for the command's output, the logs and the
    ``CadenceRun`` row that records it (``run``, None for a dry run)."""

    on: date
    dry_run: bool = False
    examined: int = 0
    reminders: int = 0
    caught_up: int = 0
    counts: Counter = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)
    fired: Counter = field(default_factory=Counter)  # steps fired, by stage
    skipped: int = 0  # steps a catch-up skipped (written cancelled, never sent)
    holds: int = 0  # dossiers waiting because a person put them on hold
    errors: list[tuple[int, str]] = field(default_factory=list)  # (dossier id, message)
    details: dict[str, list[int]] = field(default_factory=dict)  # hold, go_no_go, error: ids
    planned: list[tuple[int, str, bool]] = field(default_factory=list)  # (id, steps, catch-up)
    run: CadenceRun | None = None


def _queue_delivery(reminder: Reminder) -> None:
    transaction.on_commit(partial(queue, DELIVER_TASK, reminder_id=reminder.pk))


def dossier_advance(
    *, dossier: Dossier, on: date, actor=None, dry_run: bool = False, run: CadenceRun | None = None
) -> planning.Decision:
    """Handle one dossier for one day: fire its due step, check its promise or plan, or
    open the Go/No-Go. Runs in its own transaction under the dossier's row lock. The reminders
    it creates are linked to ``run``, the daily run that asked."""
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dossier)
        if dossier.is_closed or dossier.next_action_at is None or dossier.next_action_at > on:
            return planning.Decision("none", "déjà traité")
        decision = planning.decide(dossier, on=on)
        if dry_run:
            transaction.set_rollback(True)
            return decision
        if decision.action in ("promise", "plan"):
            _check_arrangement(dossier, decision, on=on, actor=actor)
            # A broken promise or plan resumes the cadence: a step due today fires today.
            dossier = dossier_services.lock_dossier(dossier)
            decision = planning.decide(dossier, on=on)
        if decision.action == "go_no_go":
            dossier.notice_deadline_passed()
            dossier_services.save_dossier(
                dossier, actor=actor, reason="délai de la mise en demeure expiré", on=on
            )
            dossier_services.task_create(
                dossier=dossier,
                kind=Task.Kind.GO_NO_GO,
                due_on=on,
                actor=actor,
                note="Mise en demeure restée sans effet : décider de la suite (Go/No-Go).",
                reason="délai de la mise en demeure expiré",
            )
        elif decision.action == "fire":
            _fire(dossier, decision, on=on, actor=actor, run=run)
        elif decision.action not in ("promise", "plan"):
            dossier_services.save_dossier(dossier, actor=actor, reason=decision.reason, on=on)
    return decision


def _check_arrangement(dossier: Dossier, decision: planning.Decision, *, on: date, actor) -> None:
    if decision.action == "promise":
        dossier_services.promise_check(dossier=dossier, actor=actor, on=on)
    else:
        policy = planning.policy_for(dossier)
        dossier_services.plan_check(
            dossier=dossier, grace_days=policy.grace_days, actor=actor, on=on
        )


class _Planned(NamedTuple):
    """One reminder row a fired decision writes (skipped steps are written cancelled)."""

    step: CadenceStep
    status: str
    caught_up: bool
    note: str

    @property
    def reason(self) -> str:
        """The journal's why for the reminder row."""
        return self.note or f"cadence : {self.step.label}"

    @property
    def to_deliver(self) -> bool:
        return (
            self.status == Reminder.Status.PLANNED
            and self.step.channel in DELIVERED_CHANNELS
            and not self.step.needs_approval
        )


def _fired_rows(decision: planning.Decision, *, on: date) -> list[_Planned]:
    """The reminders of a fired step, after those of the steps a catch-up skips (cancelled,
    with the catch-up notes)."""
    rows = []
    caught_up_note = ""
    if decision.skipped:
        codes = ", ".join(step.label for step in decision.skipped)
        caught_up_note = f"Rattrapage au {on:%d/%m/%Y} : étapes non émises ({codes})."
        note = f"{SKIPPED_NOTE} (rattrapage au {on:%d/%m/%Y})."
        rows += [
            _Planned(step, Reminder.Status.CANCELLED, False, note) for step in decision.skipped
        ]
    caught_up = bool(decision.skipped)
    rows += [
        _Planned(step, Reminder.Status.PLANNED, caught_up, caught_up_note) for step in decision.fire
    ]
    return rows


def _fire(dossier: Dossier, decision: planning.Decision, *, on: date, actor, run=None) -> None:
    rows = _fired_rows(decision, on=on)
    if decision.stage in ADVANCING_STAGES and decision.stage != dossier.state:
        dossier.advance(decision.stage)
    for row in rows:
        reminder = _create_reminder(dossier, row, on=on, actor=actor, run=run)
        if row.to_deliver:
            _queue_delivery(reminder)
    labels = " + ".join(step.label for step in decision.fire)
    reason = f"cadence : {labels}" + (" (rattrapage)" if decision.skipped else "")
    dossier_services.save_dossier(dossier, actor=actor, reason=reason, on=on)


def _create_reminder(dossier: Dossier, row: _Planned, *, on: date, actor, run=None) -> Reminder:
    reminder = Reminder(
        run=run,
        dossier=dossier,
        step=row.step,
        cycle=dossier.cycle,
        channel=row.step.channel,
        status=row.status,
        scheduled_for=on,
        caught_up=row.caught_up,
        note=row.note,
    )
    reminder._history_user = actor
    reminder._change_reason = row.reason
    # The unique constraint (dossier, step, cycle) is the final guard against a double run.
    with transaction.atomic():
        reminder.save()
    return reminder


def due_dossiers(on: date):
    """The active dossiers due on ``on`` (partial index dossier_due_action_idx)."""
    return Dossier.objects.filter(closed_on__isnull=True, next_action_at__lte=on)


def due_dossier_ids(on: date) -> list[int]:
    """The one indexed query of the daily run."""
    return list(due_dossiers(on).order_by("pk").values_list("pk", flat=True))


BATCH_SIZE = 500


def run_cadence(
    *, on: date | None = None, actor=None, dry_run: bool = False, trigger: str | None = None
) -> RunReport:
    """Advance every due dossier for the day ``on``; safe to run any number of times.

    A run (not a dry one) is recorded as a ``CadenceRun``: when it started and ended, who or
    what started it (``trigger``: the beat, the command, a user; a script by default), and
    what it did; the reminders it creates point to it. A dossier that fails is logged, counted
    as an error with its message, and the run goes on with the others.

    Dossiers go by batches of ``BATCH_SIZE`` in primary-key order, each batch in one
    transaction under its dossiers' row locks: the planner reads the batch in a few queries
    (``planning.BatchContext``), the reminders and their journal rows are created in two
    statements, the dossiers and theirs updated in one (``journal.bulk``: the history rows are
    copied by the database from the rows as saved). Promises, payment plans and Go/No-Go take the
    per-dossier path (``dossier_advance``). A batch that meets a reminder another run created
    first is done again dossier by dossier, as before.
    """
    on = on or timezone.localdate()
    report = RunReport(on=on, dry_run=dry_run)
    if not dry_run:
        report.run = CadenceRun.objects.create(
            on=on,
            started_at=timezone.now(),
            trigger=trigger or (CadenceRun.Trigger.USER if actor else CadenceRun.Trigger.SCRIPT),
            started_by=user_or_none(actor),
        )
    try:
        with _older_objects_frozen():
            _run_batches(due_dossier_ids(on), on=on, actor=actor, dry_run=dry_run, report=report)
    except Exception as exc:
        _record_run(report, error=f"{type(exc).__name__} : {exc}")
        raise
    _record_run(report)
    return report


# --- The daily run spread over workers ------------------------------------------------------

SHARD_TASK = "relances.run_cadence_shard"


def shard_bounds(ids: list[int], size: int) -> list[tuple[int | None, int | None, int]]:
    """Split the due ids (sorted) into id ranges of ``size`` due dossiers each, as
    ``(first_id, last_id, due)``; the ranges are contiguous and cover every id (the first starts
    from the beginning, the last has no end), so a dossier that falls due meanwhile belongs to
    exactly one shard."""
    size = max(int(size), 1)
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    bounds = []
    for k, chunk in enumerate(chunks):
        first = None if k == 0 else chunk[0]
        last = None if k == len(chunks) - 1 else chunks[k + 1][0] - 1
        bounds.append((first, last, len(chunk)))
    return bounds


def run_cadence_spread(
    *,
    on: date | None = None,
    actor=None,
    trigger: str | None = None,
    shard_size: int | None = None,
) -> CadenceRun:
    """The daily run split into shards (id ranges of ``shard_size`` due dossiers, by default
    ``settings.CADENCE_SHARD_SIZE``), each queued as one task (``relances.run_cadence_shard``)
    that any Celery worker, on any machine sharing the database and the broker, takes. The run
    is recorded at once (``CadenceRun``, *En cours*, with its ``CadenceShard`` rows); the last
    shard to finish gathers what they did on it. Idempotent like ``run_cadence``: a shard run
    twice, two spread runs or a spread run beside a single one create each reminder once."""
    on = on or timezone.localdate()
    size = shard_size or settings.CADENCE_SHARD_SIZE
    bounds = shard_bounds(due_dossier_ids(on), size)
    with transaction.atomic():
        run = CadenceRun.objects.create(
            on=on,
            started_at=timezone.now(),
            trigger=trigger or (CadenceRun.Trigger.USER if actor else CadenceRun.Trigger.SCRIPT),
            started_by=user_or_none(actor),
            shard_count=len(bounds),
        )
        shards = CadenceShard.objects.bulk_create(
            CadenceShard(run=run, number=k, first_id=first, last_id=last, due=due)
            for k, (first, last, due) in enumerate(bounds, start=1)
        )
        if shards:
            pks = [shard.pk for shard in shards]
            transaction.on_commit(partial(_queue_shards, pks))
    if not shards:
        cadence_run_gather(run=run)
        run.refresh_from_db()
    return run


def _queue_shards(shard_ids: list[int]) -> None:
    for pk in shard_ids:
        queue(SHARD_TASK, shard_id=pk)


def cadence_shard_run(*, shard_id: int, worker: str = "") -> CadenceShard:
    """Run one shard: the dossiers due on the run's day whose id lies in the shard's range, by
    batches like ``run_cadence``; record what it did on the shard and, if it is the last one,
    gather the shards on the run. A shard already done is left as it is (a redelivered task);
    one left *En cours* by a worker that died is run again (what that worker committed is no
    longer due: nothing is created twice) and adds what it did to what was recorded."""
    with transaction.atomic():
        shard = CadenceShard.objects.select_for_update().select_related("run").get(pk=shard_id)
        if shard.status in (CadenceShard.Status.DONE, CadenceShard.Status.FAILED):
            return shard
        CadenceShard.objects.filter(pk=shard.pk).update(
            status=CadenceShard.Status.RUNNING,
            started_at=timezone.now(),
            worker=worker[:200],
            attempts=shard.attempts + 1,
        )
    run = shard.run
    actor = run.started_by
    report = RunReport(on=run.on)
    report.run = run
    ids = due_dossiers(run.on)
    if shard.first_id is not None:
        ids = ids.filter(pk__gte=shard.first_id)
    if shard.last_id is not None:
        ids = ids.filter(pk__lte=shard.last_id)
    error = ""
    try:
        with _older_objects_frozen():
            _run_batches(
                list(ids.order_by("pk").values_list("pk", flat=True)),
                on=run.on,
                actor=actor,
                dry_run=False,
                report=report,
            )
    except Exception as exc:  # the database gone: the shard is marked, the others go on
        logger.exception("cadence du %s : lot %s interrompu", run.on, shard.number)
        error = f"{type(exc).__name__} : {exc}"
    # Added to what an earlier attempt recorded (none if its worker died before recording):
    # each attempt did only what was still due, so the sums count every dossier once.
    shard.refresh_from_db()
    fired = Counter(shard.fired)
    fired.update(report.fired)
    details = {key: list(pks) for key, pks in shard.details.items()}
    for key, pks in report.details.items():
        details.setdefault(key, []).extend(pks)
    errors = [f"dossier {pk} : {message}" for pk, message in report.errors]
    CadenceShard.objects.filter(pk=shard.pk).update(
        status=CadenceShard.Status.FAILED if error else CadenceShard.Status.DONE,
        finished_at=timezone.now(),
        examined=shard.examined + report.examined,
        reminders=shard.reminders + report.reminders,
        fired=dict(fired),
        skipped=shard.skipped + report.skipped,
        caught_up=shard.caught_up + report.caught_up,
        go_no_go=shard.go_no_go + report.counts["go_no_go"],
        arrangements=shard.arrangements + report.counts["promise"] + report.counts["plan"],
        errors=shard.errors + len(report.errors) + bool(error),
        details=details,
        error="\n".join([shard.error, *errors, error][:50]).strip(),
    )
    cadence_run_gather(run=run)
    shard.refresh_from_db()
    return shard


def cadence_run_gather(*, run: CadenceRun) -> bool:
    """Once every shard of ``run`` is done (or failed), write their sum on the run: dossiers
    examined, steps fired per level, skipped, catch-ups, holds, Go/No-Go, arrangements, errors
    and the dossiers concerned; *Interrompue* if a shard failed. Under the run's row lock, so
    that of two shards finishing together exactly one gathers. Returns whether it gathered."""
    with transaction.atomic():
        run = CadenceRun.objects.select_for_update().get(pk=run.pk)
        shards = list(run.shards.order_by("number"))
        if any(
            s.status in (CadenceShard.Status.QUEUED, CadenceShard.Status.RUNNING) for s in shards
        ):
            return False
        report = RunReport(on=run.on)
        report.run = run
        failed = []
        for s in shards:
            report.examined += s.examined
            report.reminders += s.reminders
            report.fired.update(s.fired)
            report.skipped += s.skipped
            report.caught_up += s.caught_up
            report.counts["go_no_go"] += s.go_no_go
            report.counts["promise"] += s.arrangements
            for key, pks in s.details.items():
                report.details.setdefault(key, []).extend(pks)
            if s.status == CadenceShard.Status.FAILED:
                failed.append(s)
        lines = [s.error for s in shards if s.error]
        if failed:
            lines.append(
                f"{len(failed)} lot(s) interrompu(s) : " + ", ".join(str(s.number) for s in failed)
            )
        _record_run(
            report, lines=lines, failed=bool(failed), error_count=sum(s.errors for s in shards)
        )
    return True


def _record_run(
    report: RunReport,
    *,
    error: str = "",
    lines: list[str] | None = None,
    failed: bool = False,
    error_count: int | None = None,
) -> None:
    """Write what the run did on its ``CadenceRun`` row (one UPDATE); a spread run gives its
    shards' error ``lines``, whether one ``failed`` and their ``error_count``."""
    run = report.run
    if run is None:
        return
    errors = (
        lines
        if lines is not None
        else [f"dossier {pk} : {message}" for pk, message in report.errors]
    )
    # The dossiers on hold that day: the planner does not look at them until their hold ends
    # (their next action date is the day after), so the run would not meet most of them.
    held = set(report.details.get("hold", []))
    held.update(
        DossierHold.objects.filter(
            released_on__isnull=True, started_on__lte=report.on, until__gte=report.on
        ).values_list("dossier_id", flat=True)
    )
    report.holds = len(held)
    report.details["hold"] = sorted(held)
    CadenceRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        status=CadenceRun.Status.FAILED if error or failed else CadenceRun.Status.DONE,
        examined=report.examined,
        reminders=report.reminders,
        fired=dict(report.fired),
        skipped=report.skipped,
        caught_up=report.caught_up,
        holds=report.holds,
        go_no_go=report.counts["go_no_go"],
        arrangements=report.counts["promise"] + report.counts["plan"],
        errors=len(report.errors) + bool(error) if error_count is None else error_count,
        details=report.details,
        error="\n".join([*errors, error][:50]).strip(),
    )


@contextmanager
def _older_objects_frozen():
    """Keep Python's full garbage collections off the objects the process held before the run.

    A run builds and drops a few hundred thousand objects (rows, dossiers, decisions); each time
    that triggers a full collection, Python scans again every object of the process (Django,
    the apps: ~100,000), about a tenth of the run's time at 20,000 dossiers. Frozen (``gc``),
    those are left out until the run ends (one of them that became garbage meanwhile is
    collected after it); nothing is left frozen. A process that froze its objects itself (a
    pre-forking server) is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_batches(ids, *, on: date, actor, dry_run: bool, report: RunReport) -> None:
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        if dry_run:
            _run_one_by_one(chunk, on=on, actor=actor, dry_run=True, report=report)
            continue
        try:
            outcome = _run_batch(chunk, on=on, actor=actor, run=report.run)
        except IntegrityError:
            # Another run created one of these reminders first: nothing is done twice.
            _run_one_by_one(chunk, on=on, actor=actor, dry_run=False, report=report)
            continue
        except Exception:
            # One dossier of the batch fails: the batch is rolled back and done again dossier by
            # dossier, so that only the failing one is left out (and reported).
            logger.exception("cadence du %s : lot repris dossier par dossier", on)
            _run_one_by_one(chunk, on=on, actor=actor, dry_run=False, report=report)
            continue
        for pk, decision in outcome:
            _report(report, pk, decision)


def _report(report: RunReport, pk: int, decision: planning.Decision) -> None:
    report.examined += 1
    report.counts[decision.action] += 1
    if decision.action == "wait" and decision.reason.startswith(planning.HOLD_REASON):
        report.holds += 1
        report.details.setdefault("hold", []).append(pk)
    if decision.action == "go_no_go":
        report.details.setdefault("go_no_go", []).append(pk)
    if decision.action == "fire":
        report.reminders += len(decision.fire)
        report.caught_up += int(decision.caught_up)
        report.skipped += len(decision.skipped)
        for step in decision.fire:
            report.fired[step.stage] += 1
        labels = " + ".join(step.label for step in decision.fire)
        flag = " (rattrapage)" if decision.caught_up else ""
        report.lines.append(f"dossier {pk} : {labels}{flag}")
        report.planned.append((pk, labels, decision.caught_up))
    elif decision.action in ("go_no_go", "promise", "plan"):
        report.lines.append(f"dossier {pk} : {decision.reason or decision.action}")


def _run_one_by_one(ids, *, on: date, actor, dry_run: bool, report: RunReport) -> None:
    for pk in ids:
        try:
            decision = dossier_advance(
                dossier=pk, on=on, actor=actor, dry_run=dry_run, run=report.run
            )
        except IntegrityError:
            report.examined += 1
            report.counts["already_done"] += 1
            continue
        except Exception as exc:
            logger.exception("cadence du %s : dossier %s en erreur", on, pk)
            report.examined += 1
            report.counts["error"] += 1
            report.errors.append((pk, f"{type(exc).__name__} : {exc}"))
            report.details.setdefault("error", []).append(pk)
            report.lines.append(f"dossier {pk} : erreur ({type(exc).__name__})")
            continue
        _report(report, pk, decision)


def _run_batch(ids, *, on: date, actor, run=None) -> list[tuple[int, planning.Decision]]:
    """One batch in one transaction: plan in memory, write in bulk.

    The batch is the dossiers still due between its first and last id, locked: a dossier done
    meanwhile (by another run) drops out, one that fell due meanwhile is done now."""
    outcome = []
    # rows_written_together: the batch's bulk writes (its reminders, its dossiers' moves) bring
    # « Ma journée »'s stored priority in step once, at the end of the batch, inside its
    # transaction — one re-scoring of its dossiers instead of one per write (each re-scoring
    # rewrites the dossiers' rows and their 13 indexes).
    with transaction.atomic(), rows_written_together():
        batch = due_dossiers(on).filter(pk__gte=ids[0], pk__lte=ids[-1])
        locked = {
            d.pk: d
            for d in planning.with_debtor(batch.select_for_update(of=("self",))).order_by("pk")
        }
        dossiers = list(locked.values())
        ctx = planning.BatchContext(dossiers, on=on, batch=batch)
        reminders, changed = [], []
        for pk in sorted(locked.keys() | set(ids)):
            dossier = locked.get(pk)
            if dossier is None:
                outcome.append((pk, planning.Decision("none", "déjà traité")))
                continue
            decision = planning.decide(dossier, on=on, ctx=ctx)
            if decision.action == "fire":
                reminders += _plan_fire(dossier, decision, on=on, ctx=ctx)
                labels = " + ".join(step.label for step in decision.fire)
                reason = f"cadence : {labels}" + (" (rattrapage)" if decision.skipped else "")
            elif decision.action in ("wait", "none"):
                reason = decision.reason
            else:
                # Promise, plan, Go/No-Go: the services that own them, one dossier at a time,
                # after the reminders planned so far (they count as contacts) are written.
                _create_planned(reminders, on=on, actor=actor, run=run)
                reminders = []
                outcome.append((pk, dossier_advance(dossier=dossier, on=on, actor=actor, run=run)))
                ctx.refresh_debtor(dossier.debtor_id)
                continue
            dossier.next_action_at = planning.next_action_at(dossier, on=on, ctx=ctx)
            dossier._history_user = actor
            dossier._change_reason = reason
            changed.append(dossier)
            outcome.append((pk, decision))
        _create_planned(reminders, on=on, actor=actor, run=run)
        _update_dossiers(changed, actor=actor)
    return outcome


def _update_dossiers(dossiers: list[Dossier], *, actor) -> None:
    """Save the dossiers' stage and next action date and their journal rows (each with its
    reason), in one statement."""
    journaled_update_each(dossiers, ["state", "next_action_at"], actor=actor)


def _create_planned(planned: list[tuple[Dossier, _Planned]], *, on: date, actor, run=None) -> None:
    """Write the planned reminders and their journal rows in bulk; queue the deliveries."""
    if not planned:
        return
    pks = journaled_insert(
        Reminder,
        [
            {
                "dossier_id": dossier.pk,
                "step_id": row.step.pk,
                "cycle": dossier.cycle,
                "channel": row.step.channel,
                "status": row.status,
                "caught_up": row.caught_up,
                "note": row.note,
            }
            for dossier, row in planned
        ],
        reasons=[row.reason for _dossier, row in planned],
        common={"scheduled_for": on, "run_id": getattr(run, "pk", None)},
        actor=actor,
    )
    to_deliver = [pk for pk, (_d, row) in zip(pks, planned, strict=True) if row.to_deliver]
    if to_deliver:
        transaction.on_commit(partial(_queue_deliveries, to_deliver))


def _queue_deliveries(reminder_ids: list[int]) -> None:
    """One message for the batch; a worker fans it out into one delivery task per reminder."""
    queue("relances.queue_deliveries", reminder_ids=reminder_ids)


def _plan_fire(dossier: Dossier, decision: planning.Decision, *, on: date, ctx) -> list[tuple]:
    """The reminder rows of a fired decision, not yet written, as ``(dossier, row)``; the
    dossier moves to the stage reached. The same rows as ``_fire``."""
    rows = _fired_rows(decision, on=on)
    for row in rows:
        ctx.planned(dossier, row.step, status=row.status, on=on)
    if decision.stage in ADVANCING_STAGES and decision.stage != dossier.state:
        dossier.advance(decision.stage)
    return [(dossier, row) for row in rows]


def reminders_cancel(*, dossier: Dossier, actor, reason: str) -> int:
    """Cancel the dossier's planned reminders (dispute, promise, insolvency, payment...)."""
    count = 0
    for reminder in Reminder.objects.select_for_update().filter(
        dossier=dossier, status=Reminder.Status.PLANNED
    ):
        reminder.status = Reminder.Status.CANCELLED
        reminder.note = f"Annulée : {reason}"
        reminder._history_user = actor
        reminder._change_reason = f"relance annulée : {reason}"
        reminder.save()
        count += 1
    return count


def reminders_cancel_many(*, dossiers, actor, reason: str) -> int:
    """``reminders_cancel`` for many dossiers: one journaled statement (same rows, same note and
    reason)."""
    reminders = list(
        Reminder.objects.select_for_update()
        .filter(dossier_id__in=[d.pk for d in dossiers], status=Reminder.Status.PLANNED)
        .order_by("pk")
    )
    for reminder in reminders:
        reminder.status = Reminder.Status.CANCELLED
        reminder.note = f"Annulée : {reason}"
        reminder._change_reason = f"relance annulée : {reason}"
    journaled_update_each(reminders, ["status", "note"], actor=actor)
    return len(reminders)


# --- A person's actions on reminders ----------------------------------------------------------


def _active_hold(dossier: Dossier, on: date) -> DossierHold | None:
    hold = dossier.holds.filter(released_on__isnull=True).first()
    return hold if hold is not None and hold.is_active(on) else None


def reminder_approve(*, reminder: Reminder, actor, on: date | None = None) -> Reminder:
    """A person approves a letter the cadence planned (formal notice...): it is queued for
    delivery once the approval is committed."""
    on = on or timezone.localdate()
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(reminder.dossier_id)
        reminder = Reminder.objects.select_for_update().select_related("step").get(pk=reminder.pk)
        if reminder.status != Reminder.Status.PLANNED:
            raise ValidationError("Cette relance n'est plus en attente de validation.")
        if not reminder.step.needs_approval or reminder.channel not in DELIVERED_CHANNELS:
            raise ValidationError("Cette relance ne demande pas de validation.")
        if dossier.is_closed or dossier.is_paused:
            raise ValidationError(
                f"Dossier « {dossier.get_state_display()} » : aucun courrier ne part."
            )
        if hold := _active_hold(dossier, on):
            raise ValidationError(f"Dossier en attente jusqu'au {hold.until:%d/%m/%Y}.")
        reminder.approved_by = user_or_none(actor)
        reminder.approved_at = reminder.next_attempt_at = timezone.now()
        dossier_services.journaled_save(
            reminder, actor=actor, reason=f"relance validée : {reminder.step.label}"
        )
        _queue_delivery(reminder)
    return reminder


def reminders_stuck(*, now: datetime | None = None, older_than: timedelta | None = None):
    """Planned, due reminders a machine delivers whose delivery was expected more than
    ``older_than`` ago (``DELIVERY_REQUEUE_AFTER_MINUTES``) and never happened: its task was
    lost (a worker killed, a message never acknowledged). Never a letter waiting for a
    person's approval, never a retry planned later."""
    now = now or timezone.now()
    if older_than is None:
        older_than = timedelta(minutes=settings.DELIVERY_REQUEUE_AFTER_MINUTES)
    return (
        Reminder.objects.annotate(
            expected_at=Coalesce("next_attempt_at", "approved_at", "created_at")
        )
        .filter(
            status=Reminder.Status.PLANNED,
            channel__in=DELIVERED_CHANNELS,
            scheduled_for__lte=timezone.localdate(now),
            expected_at__lt=now - older_than,
        )
        .filter(Q(step__needs_approval=False) | Q(approved_at__isnull=False))
        .order_by("expected_at", "pk")
    )


def reminders_requeue_stuck(*, now: datetime | None = None, limit: int = 2000) -> list[int]:
    """Queue again the deliveries of the stuck reminders (``reminders_stuck``), after commit.

    Each is stamped ``next_attempt_at = now`` in the journal, so a delivery still waiting in a
    long queue is not queued again before another threshold. A reminder being delivered
    (locked) is skipped; a duplicate delivery task is harmless: it sends only a reminder still
    planned, under its row lock."""
    now = now or timezone.now()
    minutes = settings.DELIVERY_REQUEUE_AFTER_MINUTES
    with transaction.atomic():
        stuck = list(
            reminders_stuck(now=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(None)[:limit]
        )
        for row in stuck:
            row.next_attempt_at = now
            row._change_reason = (
                f"envoi remis en file : aucun essai depuis plus de {minutes} minutes"
            )
        journaled_update_each(stuck, ["next_attempt_at"], actor=None)
        ids = [row.pk for row in stuck]
        if ids:
            transaction.on_commit(partial(_queue_deliveries, ids))
    if ids:
        logger.warning(
            "%d relance(s) planifiée(s) sans essai d'envoi depuis plus de %d minutes remise(s) "
            "en file : %s",
            len(ids),
            minutes,
            ", ".join(str(pk) for pk in ids[:50]),
        )
    return ids


def reminder_delivery_retrying(*, reminder_id: int, error: str, retry_at: datetime) -> bool:
    """A delivery attempt failed and another is scheduled (an SMTP outage): the reminder stays
    planned, and says so on the dossier: « Nouvel essai à 14 h 32 — serveur SMTP injoignable »,
    with the count of failed attempts. Journaled, so the evidence keeps every attempt."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update()
            .filter(pk=reminder_id, status=Reminder.Status.PLANNED)
            .first()
        )
        if reminder is None:
            return False
        local = timezone.localtime(retry_at)
        reminder.delivery_attempts += 1
        reminder.next_attempt_at = retry_at
        reminder.note = f"Nouvel essai à {local.hour} h {local:%M} — {error}"[:300]
        dossier_services.journaled_save(
            reminder,
            actor=None,
            reason=f"essai d'envoi n° {reminder.delivery_attempts} en échec : {error}",
        )
    return True


def reminder_mark_failed(
    *, reminder_id: int, error: str, actor=None, attempt_failed: bool = False
) -> bool:
    """A delivery failed (bounce, returned letter, the last retry...): the reminder shows in
    the worklist. ``attempt_failed``: this failure is one more delivery attempt."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update()
            .filter(pk=reminder_id, status__in=[Reminder.Status.PLANNED, Reminder.Status.SENT])
            .first()
        )
        if reminder is None:
            return False
        reminder.status = Reminder.Status.FAILED
        reminder.note = f"Échec de l'envoi : {error}"[:300]
        reminder.next_attempt_at = None
        if attempt_failed:
            reminder.delivery_attempts += 1
        dossier_services.journaled_save(reminder, actor=actor, reason=f"échec de l'envoi : {error}")
    return True


def reminder_retry(*, reminder: Reminder, actor, reason: str) -> Reminder:
    """Send a failed reminder again (after correcting the address...): back to planned, queued."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez ce qui a été corrigé avant le nouvel envoi.")
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(reminder.dossier_id)
        reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
        dossier_services.refuse_closed(dossier, action="renvoyer une relance")
        if reminder.status != Reminder.Status.FAILED:
            raise ValidationError("Seule une relance en échec peut être renvoyée.")
        if dossier.is_paused:
            raise ValidationError(
                f"Dossier « {dossier.get_state_display()} » : aucun courrier ne part."
            )
        reminder.status = Reminder.Status.PLANNED
        reminder.note = f"Nouvel envoi : {reason}"[:300]
        reminder.next_attempt_at = timezone.now()
        if reminder.step.needs_approval:
            reminder.approved_by = user_or_none(actor)
            reminder.approved_at = timezone.now()
        dossier_services.journaled_save(reminder, actor=actor, reason=f"nouvel envoi : {reason}")
        if reminder.channel in DELIVERED_CHANNELS:
            _queue_delivery(reminder)
    return reminder


def reminder_abandon(*, reminder: Reminder, actor, reason: str) -> Reminder:
    """Give up a failed reminder (the debtor was reached otherwise...), with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez pourquoi cette relance est abandonnée.")
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(reminder.dossier_id)
        dossier_services.refuse_closed(dossier, action="abandonner une relance")
        reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
        if reminder.status != Reminder.Status.FAILED:
            raise ValidationError("Seule une relance en échec peut être abandonnée.")
        reminder.status = Reminder.Status.CANCELLED
        reminder.note = f"Abandonnée : {reason}"[:300]
        dossier_services.journaled_save(
            reminder, actor=actor, reason=f"relance abandonnée : {reason}"
        )
    return reminder


# --- Calls ------------------------------------------------------------------------------------


def call_attempts(dossier: Dossier, *, on: date) -> int:
    """Calls to this debtor (all dossiers) in the last 30 days, ``on`` included."""
    since = on - timedelta(days=calls.CALL_ATTEMPTS_WINDOW_DAYS - 1)
    return CallLog.objects.filter(
        dossier__debtor_id=dossier.debtor_id, called_at__date__gte=since
    ).count()


def call_log(
    *,
    dossier: Dossier,
    actor,
    outcome: str,
    contact_name: str = "",
    contact_role: str = "",
    delay_reason: str = "",
    debtor_said: str = "",
    objections: str = "",
    commitment_amount: Decimal | None = None,
    commitment_date: date | None = None,
    plan_offered: bool = False,
    summary: str = "",
    at: datetime | None = None,
) -> CallLog:
    """Log a call made with the 10-step script.

    A call that reached the debtor completes the planned phone reminders and the call tasks due.
    A commitment (amount and date) becomes a promise; paid within 7 days → a follow-up call a
    week after the call; further out → the recap e-mail of the commitments is recorded as to send
    (``recap_status``; ``courriers`` renders and sends it). At most 4 attempts per debtor
    in 30 days (docs/legal.md §6).
    """
    at = at or timezone.now()
    on = timezone.localdate(at)
    reached = outcome == CallLog.Outcome.REACHED
    if commitment_date is not None and commitment_date < on:
        raise ValidationError({"commitment_date": "La date promise est déjà passée."})
    if commitment_amount is not None:
        # The contact's name is typed here and printed in the recap e-mail: the wording check
        # of docs/legal.md §5 applies to it as to a template.
        findings = wording.forbidden_phrases(
            contact_name, debtor_kind=dossier.debtor.kind, letter_kind="call_recap"
        )
        if findings:
            raise ValidationError(
                {
                    "contact_name": [
                        f"Formulation interdite « {f.phrase} » : {f.reason} ({f.reference})."
                        for f in findings
                    ]
                }
            )
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dossier)
        dossier_services.refuse_closed(dossier, action="enregistrer un appel")
        if call_attempts(dossier, on=on) >= calls.MAX_CALL_ATTEMPTS:
            raise ValidationError(
                f"Déjà {calls.MAX_CALL_ATTEMPTS} tentatives d'appel auprès de ce débiteur en "
                f"{calls.CALL_ATTEMPTS_WINDOW_DAYS} jours : privilégiez l'écrit."
            )
        call = CallLog(
            dossier=dossier,
            called_at=at,
            called_by=user_or_none(actor),
            outcome=outcome,
            contact_name=contact_name.strip(),
            contact_role=contact_role,
            delay_reason=delay_reason if reached else "",
            debtor_said=debtor_said.strip(),
            objections=objections.strip(),
            commitment_amount=commitment_amount,
            commitment_date=commitment_date,
            plan_offered=plan_offered and reached,
            summary=summary.strip(),
        )
        label = f"appel : {call.get_outcome_display().lower()}"
        dossier_services.journaled_save(call, actor=actor, reason=label)
        if reached:
            for reminder in Reminder.objects.select_for_update().filter(
                dossier=dossier,
                channel=Channel.PHONE,
                status=Reminder.Status.PLANNED,
                scheduled_for__lte=on,
            ):
                reminder.status = Reminder.Status.SENT
                reminder.sent_at = at
                reminder.content = call.summary or label
                dossier_services.journaled_save(reminder, actor=actor, reason="appel passé")
            for task in dossier.tasks.filter(
                kind=Task.Kind.CALL, status=Task.Status.OPEN, due_on__lte=on
            ):
                dossier_work.task_close(task=task, actor=actor, reason="appel passé")
        # A promise still pending holds: the call is logged beside it, the commitment noted on
        # the call (its follow-up too), never a second promise (one pending per dossier).
        call.pending_promise = dossier.promises.filter(status=Promise.Status.PENDING).first()
        if commitment_amount is not None and call.pending_promise is None:
            call.promise = dossier_services.promise_record(
                dossier=dossier,
                amount=commitment_amount,
                due_on=commitment_date,
                actor=actor,
                reason=f"promesse obtenue au téléphone le {on:%d/%m/%Y}",
                note=f"Appel du {on:%d/%m/%Y} ({call.contact_name or 'interlocuteur'})",
                on=on,
            )
        if commitment_amount is not None:
            follow_up = calls.follow_up_for(
                called_on=on,
                commitment_date=commitment_date,
                postal_code=dossier.debtor.postal_code,
            )
            if follow_up.call_on:
                call.follow_up_task = dossier_services.task_create(
                    dossier=dossier,
                    kind=Task.Kind.CALL,
                    due_on=follow_up.call_on,
                    actor=actor,
                    note=(
                        f"Rappeler : vérifier le paiement de {euros(commitment_amount)} promis "
                        f"pour le {commitment_date:%d/%m/%Y}."
                    ),
                    reason="rappel prévu après une promesse à court terme",
                )
            if follow_up.recap:
                transaction.on_commit(partial(queue, "courriers.call_recap", call_id=call.pk))
                call.recap_status = CallLog.Recap.TO_SEND
                call.recap_content = calls.recap_text(
                    creditor=dossier.creditor.legal_name,
                    reference=dossier.reference,
                    contact_name=call.contact_name,
                    called_on=on,
                    amount=commitment_amount,
                    due_on=commitment_date,
                    invoices=list(
                        dossier.claims.open()
                        .order_by("due_date")
                        .values_list("invoice_number", flat=True)
                    ),
                )
            dossier_services.journaled_save(call, actor=actor, reason="engagement enregistré")
    return call


# --- Holds ------------------------------------------------------------------------------------


def hold_set(
    *, dossier: Dossier, until: date, reason: str, actor, on: date | None = None
) -> DossierHold:
    """Put a dossier on hold until a date, with a reason: the cadence waits (the planner reads
    the hold) and no letter is approved meanwhile."""
    on = on or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de la mise en attente."})
    if until < on:
        raise ValidationError({"until": "La date de fin est déjà passée."})
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dossier)
        dossier_services.refuse_closed(dossier, action="mettre le dossier en attente")
        for old in dossier.holds.select_for_update().filter(released_on__isnull=True):
            if old.is_active(on):
                raise ValidationError(
                    f"Ce dossier est déjà en attente jusqu'au {old.until:%d/%m/%Y}."
                )
            old.released_on = max(old.until, old.started_on)
            dossier_services.journaled_save(old, actor=actor, reason="mise en attente échue")
        hold = DossierHold(
            dossier=dossier,
            reason=reason,
            started_on=on,
            until=until,
            created_by=user_or_none(actor),
        )
        dossier_services.journaled_save(hold, actor=actor, reason=f"mise en attente : {reason}")
        dossier_services.save_dossier(
            dossier,
            actor=actor,
            reason=f"mis en attente jusqu'au {until:%d/%m/%Y} : {reason}",
            on=on,
        )
    return hold


def hold_release(*, hold: DossierHold, actor, reason: str, on: date | None = None) -> DossierHold:
    """End a hold early: the cadence takes up where it stood."""
    on = on or timezone.localdate()
    reason = (reason or "").strip() or "reprise du dossier"
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(hold.dossier_id)
        dossier_services.refuse_closed(dossier, action="lever la mise en attente")
        hold = DossierHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_on is not None:
            raise ValidationError("Cette mise en attente est déjà levée.")
        hold.released_on = max(on, hold.started_on)
        dossier_services.journaled_save(
            hold, actor=actor, reason=f"fin de la mise en attente : {reason}"
        )
        dossier_services.save_dossier(
            dossier, actor=actor, reason=f"fin de la mise en attente : {reason}", on=on
        )
    return hold


# --- Disputes ---------------------------------------------------------------------------------


def dispute_settle_with_corrected_invoice(
    *,
    dispute,
    invoice_number: str,
    amount: Decimal,
    issue_date: date,
    due_date: date,
    resolution: str,
    actor,
    on: date | None = None,
):
    """An invoice error: the corrected invoice is recorded in the dossier, then the dispute is
    upheld, which cancels the wrong one; the cadence starts again from the corrected invoice's
    due date. One transaction: both or neither."""
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dispute.dossier_id)
        # A closed dossier is not joined by a new invoice: one would open a new dossier.
        dossier_services.refuse_closed(dossier, action="enregistrer une facture corrigée")
        claim = dossier_services.claim_create(
            creditor=dossier.creditor,
            debtor=dossier.debtor,
            invoice_number=invoice_number,
            issue_date=issue_date,
            due_date=due_date,
            amount=amount,
            actor=actor,
            reason=f"facture corrigée après contestation : {resolution}",
        )
        dossier_services.dispute_resolve(
            dispute=dispute,
            upheld=True,
            resolution=f"{resolution} (facture corrigée {claim.invoice_number})",
            actor=actor,
            on=on,
        )
    return claim


def dossiers_replan(*, dossier_ids, actor, reason: str, on: date | None = None) -> int:
    """Recompute the next action date of active dossiers after their policy changed."""
    on = on or timezone.localdate()
    count = 0
    for pk in sorted(dossier_ids):
        with transaction.atomic():
            dossier = dossier_services.lock_dossier(pk)
            if dossier.is_closed:
                continue
            dossier_services.save_dossier(dossier, actor=actor, reason=reason, on=on)
            count += 1
    return count
