"""The score read from the base: facts as they stood, the scoring run's rows and their reasons."""

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from dossiers.models import Dossier, Promise
from portail.models import PortalAccess, PortalEvent
from scoring import features, services, synthetic
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
