"""The score read from the base: facts as they stood, the scoring run's rows and their reasons."""

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from dossiers.models import Dossier, Promise
from portail.models import PortalAccess, PortalEvent
from scoring import features, learning, services, synthetic
from scoring.models import DossierScore, ScoreModel
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 3)


def _kept_promises(dossier, count):
    for i in range(count):
        Promise.objects.create(
            dossier=dossier,
            amount=Decimal("50"),
            made_on=TODAY - timedelta(days=40 - i),
            due_on=TODAY - timedelta(days=30 - i),
            status=Promise.Status.KEPT,
            settled_on=TODAY - timedelta(days=29 - i),
        )


def test_facts_as_they_stood_on_each_day():
    creditor = CreditorFactory()
    claim = ClaimFactory(
        creditor=creditor,
        debtor=DebtorFactory(naf_code="43.22A"),
        amount=Decimal("1000.00"),
        issue_date=TODAY - timedelta(days=100),
        due_date=TODAY - timedelta(days=70),
    )
    dossier = claim.dossier
    Dossier.objects.filter(pk=dossier.pk).update(opened_on=TODAY - timedelta(days=70))
    _kept_promises(dossier, 3)
    access = PortalAccess.objects.create(
        dossier=dossier, key_hash="a" * 64, expires_at=timezone.now() + timedelta(days=30)
    )
    PortalEvent.objects.create(
        dossier=dossier, access=access, kind=PortalEvent.Kind.VIEW, summary="vu"
    )
    history = features.load()
    now = features.snapshot(history, TODAY)
    x = now.X[list(now.dossier_ids).index(dossier.pk)]
    assert x[features.INDEX["promises_kept"]] == 3
    assert x[features.INDEX["sector_F"]] == 1  # 43.22A: construction
    assert x[features.INDEX["portal_visits"]] == pytest.approx(np.log1p(1))
    assert round(float(x[features.INDEX["age_months"]]) * 30) == 70
    assert now.balance[list(now.dossier_ids).index(dossier.pk)] == pytest.approx(1000)
    # Forty days ago, no promise had been settled yet.
    before = features.snapshot(history, TODAY - timedelta(days=40))
    x = before.X[list(before.dossier_ids).index(dossier.pk)]
    assert x[features.INDEX["promises_kept"]] == 0


def test_scoring_writes_each_open_dossier_with_its_reasons():
    history, _ = synthetic.generate(dossiers=4000, today=TODAY, effect="promises", seed=4)
    model = services.train(as_of=TODAY, history=history, trigger=ScoreModel.Trigger.SCRIPT)
    creditor = CreditorFactory()
    good = ClaimFactory(creditor=creditor, issue_date=TODAY - timedelta(days=60)).dossier
    _kept_promises(good, 3)
    bad = ClaimFactory(creditor=creditor, issue_date=TODAY - timedelta(days=60)).dossier

    assert services.score(on=TODAY) == 2
    scores = {s.dossier_id: s for s in DossierScore.objects.all()}
    assert scores[good.pk].model == model
    assert scores[good.pk].probability > scores[bad.pk].probability
    assert ("+", "a tenu 3 promesses sur 3") in scores[good.pk].reason_lines
    assert scores[good.pk].points == round(scores[good.pk].probability * 20)
    # The next run replaces the rows; a dossier closed since is no longer scored.
    good.closed_on = TODAY
    good.save(update_fields=["closed_on"])
    assert services.score(on=TODAY) == 1
    assert list(DossierScore.objects.values_list("dossier_id", flat=True)) == [bad.pk]


# --- The daily scoring's fast path gives the reference path's rows -----------------------------


def _varied_base(today: date, *, dossiers: int = 180, seed: int = 7) -> None:
    """Dossiers with every kind of fact the score reads, around ``today`` (before, on, after;
    timestamps near midnight, where the local day differs from UTC's), written in bulk."""
    from datetime import UTC, datetime

    from dossiers.models import (
        Claim,
        Debtor,
        Dispute,
        Installment,
        Payment,
        PaymentPlan,
    )
    from relances.models import CadenceStep, CallLog, Reminder

    rng = np.random.default_rng(seed)

    def day(low: int, high: int) -> date:
        return today + timedelta(days=int(rng.integers(low, high + 1)))

    def moment(low: int, high: int) -> datetime:
        at = datetime.combine(day(low, high), datetime.min.time(), tzinfo=UTC)
        return at + timedelta(minutes=int(rng.choice([30, 60 * 12, 60 * 22 + 30, 60 * 23 + 50])))

    def cents(low: int, high: int) -> Decimal:
        return Decimal(int(rng.integers(low * 100, high * 100))) / 100

    creditors = [CreditorFactory(), CreditorFactory()]
    codes = ["43.22A", "01.11Z", "1", "", "AB12", "99.00Z", "56.10A", "4", "86.21Z"]
    kinds = [Debtor.Kind.PROFESSIONAL, Debtor.Kind.CONSUMER, Debtor.Kind.UNKNOWN]
    insolvent = rng.random(120) < 0.1
    debtors = Debtor.objects.bulk_create(
        Debtor(
            kind=kinds[i % 3],
            name=f"Débiteur {i}",
            naf_code=codes[i % len(codes)],
            insolvency_status="receivership" if insolvent[i] else "",
            insolvency_opened_on=day(-90, 20) if insolvent[i] else None,
        )
        for i in range(120)
    )
    # One open dossier per creditor and debtor; the closed ones are earlier dossiers of a pair.
    pairs = rng.permutation(len(debtors) * 2).tolist()
    rows = []
    for i in range(dossiers):
        opened = day(-400, 10)
        closed = opened + timedelta(days=int(rng.integers(0, 300))) if rng.random() < 0.35 else None
        pair = int(rng.integers(len(debtors) * 2)) if closed else pairs.pop()
        rows.append(
            Dossier(
                creditor=creditors[pair % 2],
                debtor=debtors[pair // 2],
                reference=f"V{i:05d}",
                state=str(rng.choice(["paid", "written_off", "litigation", "reminder_2"]))
                if closed
                else "reminder_2",
                opened_on=opened,
                closed_on=closed,
                reference_date=today,
                formal_notice_sent_on=day(-60, 20) if rng.random() < 0.2 else None,
            )
        )
    made = Dossier.objects.bulk_create(rows)
    step = CadenceStep.objects.order_by("pk").first()
    claims, payments, promises, plans, disputes, calls, reminders, events = ([] for _ in range(8))
    for n, dossier in enumerate(made):
        owed = Decimal(0)
        for k in range(int(rng.integers(1, 6))):
            amount = cents(5, 3000)
            issue = dossier.opened_on - timedelta(days=int(rng.integers(-20, 60)))
            cancelled = day(-100, 20) if rng.random() < 0.1 else None
            owed += amount if cancelled is None else 0
            claims.append(
                Claim(
                    dossier=dossier,
                    creditor_id=dossier.creditor_id,
                    invoice_number=f"V{n}-{k}",
                    issue_date=issue,
                    due_date=issue + timedelta(days=int(rng.integers(0, 45))),
                    amount=amount,
                    outstanding=amount if cancelled is None else 0,
                    cancelled_on=cancelled,
                )
            )
        if n % 17 == 0:  # paid but one euro, or a cent more: on either side of the tolerance
            payments.append(
                Payment(
                    dossier=dossier,
                    amount=owed - Decimal("1.00") - Decimal("0.01") * (n % 2),
                    received_on=day(-20, -1),
                    method="transfer",
                )
            )
        for _ in range(int(rng.integers(0, 4))):
            kind = str(rng.choice(["payment", "credit_note"]))
            payments.append(
                Payment(
                    dossier=dossier,
                    kind=kind,
                    amount=cents(1, 800),
                    received_on=day(-120, 20),
                    method="transfer" if kind == "payment" else "credit_note",
                    reversed_on=day(-30, 20) if rng.random() < 0.15 else None,
                )
            )
        for k in range(int(rng.integers(0, 4))):
            # At most one pending promise per dossier.
            status = str(rng.choice(["pending", "kept", "broken", "cancelled"][bool(k) :]))
            made_on = day(-120, 10)
            promises.append(
                Promise(
                    dossier=dossier,
                    amount=cents(10, 500),
                    made_on=made_on,
                    due_on=made_on + timedelta(days=10),
                    status=status,
                    settled_on=made_on + timedelta(days=int(rng.integers(5, 40)))
                    if status in ("kept", "broken")
                    else None,
                )
            )
        if rng.random() < 0.25:
            active = rng.random() < 0.5
            plans.append(
                (
                    PaymentPlan(
                        dossier=dossier,
                        accepted_on=day(-150, 5),
                        status="active" if active else "broken",
                        ended_on=None if active else day(-40, 15),
                    ),
                    [day(-100, 20) if rng.random() < 0.4 else None for _ in range(3)],
                )
            )
        if rng.random() < 0.2:
            resolved = day(-30, 15) if rng.random() < 0.5 else None
            disputes.append(
                Dispute(
                    dossier=dossier,
                    reason="quality",
                    opened_on=day(-90, 5),
                    status="resolved" if resolved else "open",
                    resolved_on=resolved,
                )
            )
        for _ in range(int(rng.integers(0, 4))):
            calls.append(
                CallLog(
                    dossier=dossier,
                    called_at=moment(-60, 3),
                    outcome=str(rng.choice(["reached", "voicemail", "no_answer", "wrong_number"])),
                )
            )
        for cycle in range(1, int(rng.integers(1, 5))):
            status = str(rng.choice(["sent", "failed", "planned", "cancelled"]))
            reminders.append(
                Reminder(
                    dossier=dossier,
                    step=step,
                    cycle=cycle,
                    channel="email",
                    status=status,
                    scheduled_for=day(-90, 10),
                    sent_at=moment(-90, 3) if status == "sent" or rng.random() < 0.5 else None,
                )
            )
        if rng.random() < 0.3:
            access = PortalAccess.objects.create(
                dossier=dossier, key_hash=f"{n:064d}", expires_at=timezone.now() + timedelta(30)
            )
            for _ in range(int(rng.integers(1, 5))):
                kind = str(rng.choice(["view", "view", "promise", "plan", "document", "dispute"]))
                events.append(
                    PortalEvent(dossier=dossier, access=access, kind=kind, at=moment(-60, 3))
                )
    Claim.objects.bulk_create(claims)
    Payment.objects.bulk_create(payments)
    Promise.objects.bulk_create(promises)
    for plan, missed in plans:
        plan.save()
        Installment.objects.bulk_create(
            Installment(
                plan=plan,
                due_on=plan.accepted_on + timedelta(days=30 * (k + 1)),
                amount=Decimal("50"),
                missed_on=m,
            )
            for k, m in enumerate(missed)
        )
    Dispute.objects.bulk_create(disputes)
    CallLog.objects.bulk_create(calls)
    Reminder.objects.bulk_create(reminders)
    PortalEvent.objects.bulk_create(events)


def test_the_facts_counted_by_the_database_are_the_ones_read_from_the_events():
    _varied_base(TODAY)
    history = features.load(open_only=True)
    for day in (TODAY, TODAY - timedelta(days=30), TODAY + timedelta(days=2)):
        reference = features.snapshot(history, day)
        fast = features.scoring_snapshot(day)
        assert len(reference.dossier_ids) > 40
        assert fast.dossier_ids.tolist() == reference.dossier_ids.tolist()
        assert np.array_equal(fast.X, reference.X)
        assert np.allclose(fast.balance, reference.balance, rtol=0, atol=1e-9)
    # Every kind of fact is there, on either side of zero.
    X = features.scoring_snapshot(TODAY).X
    for name in features.NAMES:
        if not name.startswith("sector_") or name in ("sector_A", "sector_F", "sector_I"):
            assert len(set(X[:, features.INDEX[name]].tolist())) > 1, name


def test_the_fast_scoring_writes_the_reference_scores_and_reasons():
    _varied_base(TODAY)
    reference = features.snapshot(features.load(open_only=True), TODAY)
    rng = np.random.default_rng(3)
    # A weight on every feature, so that every group's phrase comes up among the reasons.
    params = learning.Params(
        mean=reference.X.mean(axis=0).astype(np.float64),
        scale=reference.X.std(axis=0).astype(np.float64).clip(0.1, None),
        coef=rng.normal(0, 1, len(features.NAMES)),
        intercept=0.2,
    )
    model = ScoreModel.objects.create(
        version=1,
        trained_at=timezone.now(),
        as_of=TODAY,
        trigger=ScoreModel.Trigger.SCRIPT,
        status=ScoreModel.Status.TRAINED,
        algorithm=learning.ALGORITHM,
        features=list(features.NAMES),
        parameters=params.as_json(),
        better_than_chance=True,
        verdict="test",
    )

    def rows():
        return list(
            DossierScore.objects.order_by("dossier_id").values_list(
                "dossier_id", "model_id", "probability", "points", "reasons", "scored_on"
            )
        )

    count = services.score(on=TODAY, model=model, reference=True)
    expected = rows()
    assert count == len(expected) == len(reference.dossier_ids)
    assert services.score(on=TODAY, model=model) == count
    assert rows() == expected
    # The phrases of most groups were compared, with both signs.
    lines = [line for row in expected for line in row[4].splitlines()]
    assert len({line.split(" ", 1)[1].split(" ")[0] for line in lines}) > 12
    assert {line[0] for line in lines} == {"+", "−"}


def test_a_model_learnt_in_another_process_is_recorded_as_if_learnt_here():
    """``learn`` reads and writes nothing (the demo's seed runs it in its pool of processes):
    the fields it returns there (pickled back), given to ``train``, record the same model."""
    import multiprocessing

    history, _ = synthetic.generate(dossiers=1500, today=TODAY, effect="promises", seed=4)
    here = services.train(as_of=TODAY, history=history, trigger=ScoreModel.Trigger.SCRIPT)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        learned = pool.apply(services.learn, (), {"as_of": TODAY, "history": history})
    given = services.train(as_of=TODAY, learned=learned, trigger=ScoreModel.Trigger.SCRIPT)
    assert (given.status, given.parameters, given.verdict) == (
        here.status,
        here.parameters,
        here.verdict,
    )
    assert (given.auc, given.brier, given.calibration, given.training_size) == (
        here.auc,
        here.brier,
        here.calibration,
        here.training_size,
    )
    assert given.version == here.version + 1
