"""The dossier state machine's rules, and its picture in the docs kept in step with the code."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from dossiers import services, state_graph
from dossiers.models import Dossier
from tests.factories import ClaimFactory, ConsumerFactory

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "state-machine.md"


def test_the_docs_picture_is_generated_from_the_code():
    assert DOC.read_text(encoding="utf-8") == state_graph.document(), (
        "docs/state-machine.md is out of date: run `python manage.py state_graph --write`"
    )
    assert "formal_notice --> go_no_go : délai de mise en demeure expiré" in DOC.read_text()


def test_state_cannot_be_written_directly():
    dossier = ClaimFactory().dossier
    with pytest.raises(AttributeError):
        dossier.state = "paid"


def test_cadence_never_goes_back():
    dossier = ClaimFactory().dossier
    dossier.advance("reminder_2")
    with pytest.raises(ValueError, match="ne revient pas"):
        dossier.advance("reminder_1")


def test_a_side_state_remembers_where_to_resume():
    dossier = ClaimFactory().dossier
    dossier.advance("reminder_3")
    dossier.open_dispute()
    dossier.open_insolvency()  # insolvency over a dispute keeps the original resume point
    assert dossier.resume_state == "reminder_3"


def test_dossier_cannot_be_settled_while_money_is_due():
    dossier = ClaimFactory().dossier
    with pytest.raises(TransitionNotAllowed):
        dossier.settle(on=datetime.date(2026, 11, 23))


def test_restricted_debtor_cannot_be_advanced():
    claim = ClaimFactory()
    services.restriction_set(
        debtor=claim.dossier.debtor,
        restricted=True,
        actor=None,
        reason="demande de limitation du débiteur (art. 18 RGPD)",
    )
    dossier = Dossier.objects.get(pk=claim.dossier.pk)
    assert dossier.state == "restricted"
    with pytest.raises(TransitionNotAllowed):
        dossier.advance("reminder_1")
    services.restriction_set(
        debtor=dossier.debtor, restricted=False, actor=None, reason="limitation levée"
    )
    assert Dossier.objects.get(pk=dossier.pk).state == "open"


def test_a_refused_action_says_why_in_french():
    claim = ClaimFactory(debtor=ConsumerFactory())  # paid late, a consumer owes no accessories
    services.payment_record(
        dossier=claim.dossier,
        amount=claim.amount,
        received_on=datetime.date(2026, 11, 2),
        actor=None,
    )
    with pytest.raises(ValidationError) as exc:
        services.dossier_decide(
            dossier=claim.dossier, decision="litigation", actor=None, reason="test"
        )
    (message,) = exc.value.messages
    assert "est clos (Payé le " in message and "décision Go/No-Go impossible" in message


def test_a_professional_dossier_paid_late_refuses_the_court_with_its_accessories_state():
    claim = ClaimFactory()
    services.payment_record(
        dossier=claim.dossier,
        amount=claim.amount,
        received_on=datetime.date(2026, 11, 2),
        actor=None,
    )
    with pytest.raises(ValidationError) as exc:
        services.dossier_decide(
            dossier=claim.dossier, decision="litigation", actor=None, reason="test"
        )
    assert exc.value.messages == ["Action impossible dans l'état « Accessoires dus »."]


def test_plan_must_cover_the_balance():
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as exc:
        services.plan_accept(
            dossier=claim.dossier,
            installments=[(datetime.date(2099, 1, 5), Decimal("100.00"))],
            actor=None,
        )
    assert exc.value.messages == [
        "Le total des échéances (100,00 €) doit être égal au reste dû (1\xa0200,00 €)."
    ]
    assert Dossier.objects.get(pk=claim.dossier.pk).state == "open"
