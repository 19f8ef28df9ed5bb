"""Lawful by design: no personal or sensitive field enters the score, two debtors who differ only
by who they are get the same features, and no rule of the product acts on the score (it orders
work, a person decides: GDPR art. 22)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.apps import apps
from django.db import models

from dossiers import services as dossier_services
from dossiers.models import Promise
from journal.personal_data import PERSONAL_FIELDS
from relances.models import CallLog
from scoring import features
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 3)
# Coded facts, not free text: the debtor's kind, a public activity code, statuses and outcomes.
CODED = {"kind", "naf_code", "state", "status", "outcome"}


def _field(label: str, name: str):
    return apps.get_model(label)._meta.get_field(name)


def test_no_personal_field_is_read():
    for label, names in features.SOURCES.items():
        for name in names:
            assert name not in PERSONAL_FIELDS.get(label, ()), f"{label}.{name} est personnel"


def test_no_free_text_is_read():
    """Free text may hold anything (health, family, opinions): the score reads only dates,
    amounts, links and coded values."""
    for label, names in features.SOURCES.items():
        for name in names:
            field = _field(label, name)
            if isinstance(field, models.CharField | models.TextField):
                assert name in CODED, f"{label}.{name} : texte libre lu par le score"
                assert field.choices or name == "naf_code"


def _dossier(creditor, *, name: str, city: str, postal_code: str, note: str):
    debtor = ConsumerFactory(name=name, city=city, postal_code=postal_code, address_line1=note)
    claim = ClaimFactory(
        creditor=creditor,
        debtor=debtor,
        amount=Decimal("800.00"),
        issue_date=TODAY - timedelta(days=90),
        due_date=TODAY - timedelta(days=60),
    )
    dossier = claim.dossier
    Promise.objects.create(
        dossier=dossier,
        amount=Decimal("100"),
        made_on=TODAY - timedelta(days=30),
        due_on=TODAY - timedelta(days=20),
        status=Promise.Status.BROKEN,
        settled_on=TODAY - timedelta(days=19),
        note=note,
    )
    dossier_services.dispute_open(
        dossier=dossier, reason_code="quality", actor=None, description=note, on=TODAY
    )
    CallLog.objects.create(
        dossier=dossier,
        called_at=f"{TODAY - timedelta(days=10)}T10:00:00+01:00",
        outcome=CallLog.Outcome.REACHED,
        debtor_said=note,
        summary=note,
    )
    return dossier


@pytest.mark.django_db
def test_who_the_debtor_is_changes_nothing():
    creditor = CreditorFactory()
    a = _dossier(creditor, name="Jeanne Dupont", city="Paris", postal_code="75020", note="RAS")
    b = _dossier(
        creditor,
        name="Mohamed Benali",
        city="Saint-Denis",
        postal_code="93200",
        note="Malade, en instance de divorce, pratiquant, syndiqué",
    )
    snap = features.snapshot(features.load(), TODAY)
    rows = {pk: i for i, pk in enumerate(snap.dossier_ids.tolist())}
    assert np.array_equal(snap.X[rows[a.pk]], snap.X[rows[b.pk]])
    x = snap.X[rows[a.pk]]
    assert x[features.INDEX["promises_broken"]] == 1
    assert x[features.INDEX["dispute_open"]] == 1
    assert x[features.INDEX["calls_reached"]] == 1
    assert x[features.INDEX["kind_consumer"]] == 1


# Where the score may be read: its own app, the pages that show it, the priority that may count
# it (when a manager allows it), and the DPO's register and exports.
READERS = {"scoring", "journee", "pilotage", "rgpd", "demo"}
DECIDERS = (
    "dossiers",
    "relances",
    "courriers",
    "escalade",
    "imports",
    "api",
    "portail_web",
    "experiences",
)


def test_no_rule_acts_on_the_score():
    """No cadence step, escalation, letter, exclusion or API decision reads the score."""
    pattern = re.compile(r"payment_score|DossierScore|PriorityScoring|from scoring|import scoring")
    for app in DECIDERS:
        for path in (ROOT / app).rglob("*.py"):
            assert not pattern.search(path.read_text()), f"{path} lit le score"
    for path in (ROOT / "templates").rglob("*.html"):
        if pattern.search(path.read_text()) or "payment_score" in path.read_text():
            assert path.relative_to(ROOT / "templates").parts[0] in READERS, path
