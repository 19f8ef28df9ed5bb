"""The cadence experiments' part of the demo (issue #26): a finished experiment and a running
one, on the demo's own dossiers, drawn by the real mechanism as they open.

``plan_experiments`` runs before the cadence's walk: it puts the two starts on the agenda, so
the dossiers opened afterwards are drawn into a variant and walked under its cadence.
``end_finished`` runs after the walk: the manager reads the finished experiment's verdict and
ends it, keeping the variant the verdict favours (the control when there is no difference).
No effect is planted: the verdict is whatever the demo's dossiers give.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from accounts import roles
from demo.seeder import plural
from dossiers.models import Creditor
from experiences import results, services
from experiences.models import Experiment, Measure
from relances.models import CadencePolicy, CadenceStep

EARLY_POLICY = "Relance amiable dès J+3 — professionnels"
FINISHED = "Première relance à J+3 plutôt qu'à J+7"
RUNNING = "Relance à J+3 : montant recouvré"
FINISHED_START_DAYS, FINISHED_END_DAYS = 400, 45
RUNNING_START_DAYS, RUNNING_SIZE = 40, 60


def _manager(seeder):
    return (
        get_user_model().objects.filter(groups__name=roles.MANAGER).order_by("pk").first()
        or seeder.actor
    )


def _early_policy() -> CadencePolicy:
    """The standard professional cadence with its first reminder at J+3 instead of J+7."""
    standard = CadencePolicy.objects.get(debtor_kind="professional", is_default=True)
    policy, created = CadencePolicy.objects.get_or_create(
        name=EARLY_POLICY, defaults={"debtor_kind": "professional"}
    )
    if created:
        for step in standard.steps.all():
            first = step.stage == "reminder_1"
            CadenceStep.objects.create(
                policy=policy,
                code="r3-email" if first else step.code,
                label=step.label,
                offset_days=3 if first else step.offset_days,
                stage=step.stage,
                channel=step.channel,
                template_code=step.template_code,
                needs_approval=step.needs_approval,
            )
    return policy


def plan_experiments(*, seeder) -> list[str]:
    today, clock = seeder.today, seeder.clock
    manager = _manager(seeder)
    creditors = list(Creditor.objects.order_by("pk")[:2])
    if len(creditors) < 2:
        return []
    with clock.moment(today - timedelta(days=FINISHED_START_DAYS + 1), 8):
        early = _early_policy()
    standard = CadencePolicy.objects.get(debtor_kind="professional", is_default=True)

    def start(creditor, name, measure, days, **end):
        services.experiment_start(
            creditor=creditor,
            debtor_kind="professional",
            name=name,
            measure=measure,
            variants=[(standard, 50), (early, 50)],
            actor=manager,
            reason="une première relance plus tôt fait-elle payer plus vite ?",
            seed=2026 + days,
            on=today - timedelta(days=days),
            **end,
        )

    # Before the day's openings (9 h): the dossiers opened from then on are drawn.
    seeder.schedule(
        today - timedelta(days=FINISHED_START_DAYS),
        8,
        lambda: start(
            creditors[1],
            FINISHED,
            Measure.PAID_30,
            FINISHED_START_DAYS,
            end_on=today - timedelta(days=FINISHED_END_DAYS),
        ),
    )
    seeder.schedule(
        today - timedelta(days=RUNNING_START_DAYS),
        8,
        lambda: start(
            creditors[0], RUNNING, Measure.AMOUNT, RUNNING_START_DAYS, planned_size=RUNNING_SIZE
        ),
    )
    return []


def end_finished(*, seeder) -> list[str]:
    experiment = Experiment.objects.filter(name=FINISHED, status="running").first()
    running = Experiment.objects.filter(name=RUNNING).first()
    if experiment is None:
        return []
    day = seeder.today - timedelta(days=1)
    report = results.report(experiment, on=day)
    winner = report.rows[0].variant
    if report.ready:
        for row in report.rows[1:]:
            if results.better(row.comparison, report.measure):
                winner = row.variant
        why = f"verdict rendu : {report.verdict}"
    else:
        why = "verdict non rendu à temps : la cadence actuelle est gardée"
    with seeder.clock.moment(day, 16):
        services.experiment_end(
            experiment=experiment, winner=winner, actor=_manager(seeder), reason=why, on=day
        )
    drawn = running.assignments.count() if running else 0
    return [
        f"Expériences « {FINISHED} » terminée ({plural(report.assigned, 'dossier')}, variante "
        f"{winner.label} retenue) ; « {RUNNING} » en cours ({plural(drawn, 'dossier')} "
        f"tiré(s) sur {RUNNING_SIZE})"
    ]
