"""The cadence experiments' part of the demo (issue #26): a finished experiment and a running
one, on the demo's own dossiers, drawn by the real mechanism as they open.

``plan_experiments`` runs before the cadence's walk: it puts the two starts on the agenda, so
the dossiers opened afterwards are drawn into a variant and walked under its cadence; and the
finished experiment's intake: each Monday of its inclusions, the second creditor hands over
its new unpaid invoices by an import (``imports.services``: a few set-based statements for the
week's debtors, dossiers and invoices; each new dossier drawn as it opens), so that each
variant has a few tens of dossiers. Their debtors then answer the first e-mail the daily run
sends them (``_answer``): they pay within days, or promise on the phone to pay in five to seven
weeks and do. Planted: a reminder that comes while the invoice is fresh is paid at once more
often (``QUICK_AT_3_DAYS`` against ``QUICK_AT_7_DAYS``), so that the verdict has something to
find; the figures and the verdict are then computed by the experiment's own statistics.
``end_finished`` runs after the walk: the manager reads the finished experiment's verdict and
ends it, keeping the variant the verdict favours (the control when there is no difference).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import roles
from demo import seeder as demo_seeder
from demo.seeder import plural
from dossiers import services as dossier_services
from dossiers.models import Creditor, Dossier, Payment
from experiences import results, services
from experiences.models import Experiment, Measure
from legal.calendar import is_working_day
from relances.models import CadencePolicy, CadenceStep, Reminder

EARLY_POLICY = "Relance amiable dès J+3 — professionnels"
FINISHED = "Première relance à J+3 plutôt qu'à J+7"
RUNNING = "Relance à J+3 : montant recouvré"
# The finished experiment's inclusions, in days before the seed's day: every dossier drawn is
# observed by yesterday (30 days after a first reminder, or 60 after the draw if never reminded).
FINISHED_START_DAYS, FINISHED_END_DAYS = 112, 65
RUNNING_START_DAYS, RUNNING_SIZE = 40, 60
# The intake: new debtors' invoices handed over each Monday of the inclusions (one per debtor).
INTAKE_INVOICES = 48
INTAKE_HOUR, ANSWER_HOUR = 10, 15
# The share of debtors who pay within a week of a first reminder sent this many days after the
# due date, or sooner, or later (the others promise to pay in five to seven weeks), in between
# by a straight line.
QUICK_AT_3_DAYS, QUICK_AT_7_DAYS = 0.8, 0.45


def _manager(seeder):
    return (
        get_user_model().objects.filter(groups__name=roles.MANAGER).order_by("pk").first()
        or seeder.actor
    )


EARLY_POLICIES = {
    "professional": EARLY_POLICY,
    "consumer": "Relance amiable dès J+3 — consommateurs",
}


def _early_policy(kind: str = "professional") -> CadencePolicy:
    """The standard cadence of ``kind`` with its first reminder at J+3 instead of J+7."""
    standard = CadencePolicy.objects.get(debtor_kind=kind, is_default=True)
    policy, created = CadencePolicy.objects.get_or_create(
        name=EARLY_POLICIES[kind], defaults={"debtor_kind": kind}
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
        early = {kind: _early_policy(kind) for kind in EARLY_POLICIES}
    standard = {
        kind: CadencePolicy.objects.get(debtor_kind=kind, is_default=True)
        for kind in EARLY_POLICIES
    }

    def start(creditor, kind, name, measure, days, **end):
        services.experiment_start(
            creditor=creditor,
            debtor_kind=kind,
            name=name,
            measure=measure,
            variants=[(standard[kind], 50), (early[kind], 50)],
            actor=manager,
            reason="une première relance plus tôt fait-elle payer plus vite ?",
            seed=2026 + days,
            on=today - timedelta(days=days),
            **end,
        )

    # Before the day's openings (9 h): the dossiers opened from then on are drawn. The finished
    # one on the second creditor's consumers (no late-payment accessories to pursue once paid).
    seeder.schedule(
        today - timedelta(days=FINISHED_START_DAYS),
        8,
        lambda: start(
            creditors[1],
            "consumer",
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
            creditors[0],
            "professional",
            RUNNING,
            Measure.AMOUNT,
            RUNNING_START_DAYS,
            planned_size=RUNNING_SIZE,
        ),
    )
    Intake(seeder, creditors[1]).plan()
    return []


INTAKE_HEADER = (
    "Numéro de facture;Date d'émission;Date d'échéance;Montant TTC;Débiteur;Type de débiteur;"
    "Adresse;Code postal;Ville;E-mail;Téléphone\n"
)


class Intake:
    """The finished experiment's dossiers: the creditor's new consumers' unpaid invoices
    imported each Monday of the inclusions, then each debtor's answer to the first reminder.
    Its own random generator: the rest of the demo draws the same whatever it does."""

    def __init__(self, seeder, creditor: Creditor) -> None:
        self.seeder, self.creditor = seeder, creditor
        self.rng = random.Random(f"intake:{seeder.today:%Y}:{FINISHED}")

    def mondays(self) -> list[date]:
        today = self.seeder.today
        first = today - timedelta(days=FINISHED_START_DAYS)
        days = (first + timedelta(days=n) for n in range(FINISHED_START_DAYS - FINISHED_END_DAYS))
        return [day for day in days if day.weekday() == 0 and is_working_day(day)]

    def plan(self) -> None:
        mondays = self.mondays()
        if not mondays:
            return
        number = 0
        for index, monday in enumerate(mondays):
            lines = []
            for _ in range(len(range(index, INTAKE_INVOICES, len(mondays)))):
                number += 1
                lines.append(self.line(monday, number))
            self.seeder.schedule(
                monday, INTAKE_HOUR, lambda day=monday, lines=lines: self.receive(day, lines)
            )

    def line(self, monday: date, number: int) -> str:
        """One new consumer's invoice, falling due within the week it is handed over (the
        creditor hands over its invoices of the week: the cadence counts from the due date)."""
        rng, seeder = self.rng, self.seeder
        due = monday + timedelta(days=rng.randint(0, 6))
        issued = due - timedelta(days=rng.choice((15, 30)))
        name = seeder.unique(
            "name",
            lambda: f"{rng.choice(demo_seeder.FIRST_NAMES)} {rng.choice(demo_seeder.SURNAMES)}",
        )
        city, postal_code = rng.choice(demo_seeder.CITIES)
        street = f"{rng.randint(1, 120)} {rng.choice(demo_seeder.STREETS)}"
        email = seeder.email(demo_seeder._ascii_slug(name), "example.com")
        phone = seeder.unique(
            "phone",
            lambda: f"01 99 00 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
            exhausted=lambda value, _: value,
        )
        amount = f"{rng.uniform(60, 1800):.2f}".replace(".", ",")
        return (
            f"FA-{issued:%Y}-{70000 + number:05d};{issued:%d/%m/%Y};{due:%d/%m/%Y};{amount};"
            f"{name};consommateur;{street};{postal_code};{city};{email};{phone}"
        )

    def receive(self, day: date, lines: list[str]) -> None:
        """The week's file imported as a user would (« Imports »): new debtors, dossiers and
        invoices, each dossier drawn into a variant as it opens."""
        from imports import services as imports

        user = self.seeder.actor  # the demo's records are written by its administrator
        upload = SimpleUploadedFile(
            f"{self.creditor.legal_name.split()[0].lower()}-impayes-{day:%Y-%m-%d}.csv",
            (INTAKE_HEADER + "".join(f"{line}\n" for line in lines)).encode("utf-8"),
            content_type="text/csv",
        )
        batch = imports.batch_create(
            kind="claims", creditor=self.creditor, upload=upload, actor=user
        )
        batch = imports.batch_check(batch_id=batch.pk)
        batch = imports.batch_import(
            batch_id=imports.batch_confirm(batch=batch, actor=user).pk, actor=user
        )
        created = (batch.summary or {}).get("done", {}).get("create", 0)
        for counter in ("debtors", "dossiers", "claims"):  # one invoice per new debtor
            setattr(self.seeder.tally, counter, getattr(self.seeder.tally, counter) + created)
        numbers = [line.split(";", 1)[0] for line in lines]
        for dossier_id, due in Dossier.objects.filter(
            creditor=self.creditor, claims__invoice_number__in=numbers
        ).values_list("pk", "claims__due_date"):
            self.seeder.schedule(
                day + timedelta(days=1),
                ANSWER_HOUR,
                lambda d=dossier_id, due=due: self.watch(d, due),
            )

    def watch(self, dossier_id: int, due: date, tries: int = 0) -> None:
        """Each afternoon until the first reminder has gone: then the debtor's answer."""
        first = (
            Reminder.objects.filter(dossier_id=dossier_id, status=Reminder.Status.SENT)
            .order_by("scheduled_for")
            .values_list("scheduled_for", flat=True)
            .first()
        )
        day = timezone.localdate()
        if first is None:
            if tries < 20 and day < self.seeder.today:
                self.seeder.schedule(
                    day + timedelta(days=1),
                    ANSWER_HOUR,
                    lambda: self.watch(dossier_id, due, tries + 1),
                )
            return
        self.answer(dossier_id, first, late=(first - due).days)

    def answer(self, dossier_id: int, first: date, *, late: int) -> None:
        """Pays within a week of the reminder, or promises on the phone to pay in five to
        seven weeks, and pays on that day: the fresher the invoice, the likelier at once."""
        rng, seeder = self.rng, self.seeder
        fresh = (7 - min(max(late, 3), 7)) / 4  # 1 at 3 days late or less, 0 at 7 or more
        share = QUICK_AT_7_DAYS + (QUICK_AT_3_DAYS - QUICK_AT_7_DAYS) * fresh
        dossier = Dossier.objects.get(pk=dossier_id)
        if rng.random() < share:
            seeder.schedule(
                first + timedelta(days=rng.randint(1, 7)),
                demo_seeder.PAYMENT_HOUR,
                lambda: seeder.pay_off(dossier, Payment.Method.CARD, None),
            )
            return
        said_on = first + timedelta(days=rng.randint(1, 5))
        pays_on = first + timedelta(days=rng.randint(35, 50))

        def promise():
            balance = Dossier.objects.with_balance().get(pk=dossier_id).balance
            dossier_services.promise_record(
                dossier=dossier,
                amount=Decimal(balance).quantize(Decimal("0.01")),
                due_on=pays_on,
                actor=seeder.controller,
                reason="promesse obtenue au téléphone",
                on=said_on,
            )
            seeder.schedule(
                pays_on,
                demo_seeder.PAYMENT_HOUR,
                lambda: seeder.pay_off(dossier, Payment.Method.TRANSFER, None),
            )

        seeder.schedule(said_on, demo_seeder.OFFICE_HOUR, promise)


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
