import datetime

import pytest

from experiences import services
from experiences.models import Measure
from relances.models import CadencePolicy, CadenceStep
from tests.factories import CreditorFactory

TODAY = datetime.date(2026, 11, 23)


def copy_policy(name: str, *, first_offset: int, channel: str = "sms") -> CadencePolicy:
    """A professional cadence like the standard one, whose first reminder comes at
    ``first_offset`` days on ``channel``."""
    standard = CadencePolicy.objects.get(debtor_kind="professional", is_default=True)
    policy = CadencePolicy.objects.create(name=name, debtor_kind="professional")
    for step in standard.steps.all():
        CadenceStep.objects.create(
            policy=policy,
            code=step.code,
            label=step.label,
            offset_days=first_offset if step.code == "r7-email" else step.offset_days,
            stage=step.stage,
            channel=channel if step.code == "r7-email" else step.channel,
            template_code=step.template_code,
            needs_approval=step.needs_approval,
        )
    return policy


@pytest.fixture
def standard(db):
    return CadencePolicy.objects.get(debtor_kind="professional", is_default=True)


@pytest.fixture
def quick(db):
    return copy_policy("Relance rapide par SMS — professionnels", first_offset=3)


@pytest.fixture
def creditor(db, manager):
    creditor = CreditorFactory(legal_name="Transports Lefèvre SAS")
    creditor.managers.add(manager)
    return creditor


@pytest.fixture
def experiment(creditor, standard, quick, manager):
    return services.experiment_start(
        creditor=creditor,
        debtor_kind="professional",
        name="SMS à J+3",
        measure=Measure.PAID_30,
        variants=[(standard, 50), (quick, 50)],
        planned_size=40,
        actor=manager,
        reason="tester une relance plus précoce",
        seed=1234,
        on=TODAY,
    )
