"""The call form (issue #18, item 10): the sensitive-word warning shows the box it asks to tick,
and a call is logged beside a pending promise without touching it."""

import datetime
import html
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dossiers import services as dossier_services
from dossiers.models import Dossier, Promise
from dossiers.services import work
from relances.models import CallLog
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)
CONFIRM = "confirmer_donnees_sensibles"


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 30), tick=False):
        yield


@pytest.fixture
def dossier(controller):
    claim = ClaimFactory(
        issue_date=TODAY - datetime.timedelta(days=50),
        due_date=TODAY - datetime.timedelta(days=20),
        amount=Decimal("1200.00"),
    )
    return work.dossier_assign(
        dossier=claim.dossier, assignee=controller, actor=None, reason="affectation"
    )


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


def test_the_sensitive_word_warning_shows_the_box_it_asks_to_tick(client, controller, dossier):
    client.force_login(controller)
    url = reverse("journee:call", args=[dossier.pk])
    call = {"outcome": "voicemail", "summary": "Le gérant est malade, rappeler lundi."}

    warned = text(client.post(url, call))
    assert "cochez la confirmation" in warned
    assert f'type="checkbox" name="{CONFIRM}"' in warned
    assert "Je confirme que ces mentions sont nécessaires au recouvrement" in warned
    assert not CallLog.objects.exists()

    assert client.post(url, {**call, CONFIRM: "on"}).status_code == 302
    assert CallLog.objects.get().summary == "Le gérant est malade, rappeler lundi."


def test_a_call_is_logged_beside_a_pending_promise_which_holds(client, controller, dossier):
    promise = dossier_services.promise_record(
        dossier=dossier,
        amount=Decimal("100.00"),
        due_on=TODAY + datetime.timedelta(days=10),
        actor=controller,
        on=TODAY - datetime.timedelta(days=1),
    )
    client.force_login(controller)
    response = client.post(
        reverse("journee:call", args=[dossier.pk]),
        {
            "outcome": "reached",
            "contact_name": "M. Moreau",
            "delay_reason": "cash_flow",
            "commitment_amount": "100",
            "commitment_date": "2026-12-03",
            "summary": "Confirme le paiement promis pour le 03/12.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Appel enregistré" in text(response)
    assert "Une promesse est en cours (100,00 € pour le 03/12/2026) : elle est conservée" in text(
        response
    )
    call = CallLog.objects.get()
    assert call.commitment_amount == Decimal("100.00") and call.promise is None
    promise.refresh_from_db()
    assert (promise.status, promise.amount, promise.due_on) == (
        Promise.Status.PENDING,
        Decimal("100.00"),
        datetime.date(2026, 12, 3),
    )
    assert Promise.objects.count() == 1
    assert Dossier.objects.get(pk=dossier.pk).state == "promise"
