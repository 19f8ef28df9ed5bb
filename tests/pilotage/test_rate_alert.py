"""A half-year that starts without its reference rates (docs/legal.md, *Never carried forward*):
the manager is told on « Ma journée » and on the dashboard, the add_rate form one click away."""

import datetime
import html

import pytest
import time_machine
from django.urls import reverse

from dossiers.models import EcbRate, LegalInterestRate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_half_of_2026():
    """No rate is recorded for 2026-S2 in the shipped tables (none was published here)."""
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10), tick=False):
        yield


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_manager_is_told_on_the_worklist_and_the_dashboard(client, manager):
    client.force_login(manager)
    for url in (reverse("journee:worklist"), reverse("pilotage:dashboard")):
        text = _text(client.get(url))
        assert "Taux de référence manquant pour le semestre en cours" in text, url
        assert "Taux de l'intérêt légal manquant pour le 2e semestre 2026" in text, url
        assert "Taux BCE de refinancement manquant pour le 2e semestre 2026" in text, url
        assert "taux en vigueur au 1er juillet 2026" in text, url
        assert reverse("pilotage:rate_add") in text, url


def test_the_dashboard_reads_the_rates_in_a_query_it_runs_anyway(client, manager):
    """The banner costs the dashboard no query: the rates' three facts come with the
    arrangements' row (tests/pilotage/test_dashboard_page.py counts the page's queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    url = reverse("pilotage:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    rate_tables = ("dossiers_legalinterestrate", "dossiers_ecbrate")
    reading = [q["sql"] for q in captured if any(t in q["sql"] for t in rate_tables)]
    assert len(reading) == 1
    assert "pilotage_costsettings" in reading[0]


def test_a_half_year_with_its_rates_has_no_banner_on_the_dashboard(client, manager):
    """Once both rates of the half-year are recorded, the dashboard only links the form."""
    LegalInterestRate.objects.create(
        half_year_start=datetime.date(2026, 7, 1),
        half_year_end=datetime.date(2026, 12, 31),
        consumer_creditor_percent="6.50",
        other_creditor_percent="2.40",
        source="test",
    )
    EcbRate.objects.create(
        effective_from=datetime.date(2026, 7, 1), rate_percent="2.15", source="test"
    )
    client.force_login(manager)
    text = _text(client.get(reverse("pilotage:dashboard")))
    assert "Taux de référence manquant" not in text
    assert reverse("pilotage:rate_add") in text


def test_a_controller_has_no_banner(client, controller):
    client.force_login(controller)
    assert "Taux de référence manquant" not in _text(client.get(reverse("journee:worklist")))


def test_the_form_records_the_rates_and_the_banner_goes(client, manager):
    """C. mon. fin. L313-2 (legal rate of the half-year); C. com. L441-10 II (ECB rate in force
    on 1 July). The figures here are the form's syntax, not the published rates."""
    client.force_login(manager)
    url = reverse("pilotage:rate_add")
    refused = client.post(
        url,
        {
            "kind": "legal",
            "half_year": "2026-S2",
            "consumer": "abc",
            "other": "2,40",
            "source": "arrêté du …",
            "verified": "check",
            "reason": "saisie du semestre",
        },
    )
    assert refused.status_code == 400
    assert "n'est pas un taux" in _text(refused)
    assert not LegalInterestRate.objects.filter(half_year_start=datetime.date(2026, 7, 1)).exists()

    legal = client.post(
        url,
        {
            "kind": "legal",
            "half_year": "2026-S2",
            "consumer": "6,50",
            "other": "2,40",
            "source": "arrêté du …",
            "verified": "check",
            "reason": "saisie du semestre",
        },
    )
    assert legal.status_code == 302
    ecb = client.post(
        url,
        {
            "kind": "ecb",
            "effective_from": "2026-07-01",
            "rate": "2,15",
            "source": "BCE, taux en vigueur au 01/07/2026",
            "verified": "check",
            "reason": "taux du 1er juillet",
        },
    )
    assert ecb.status_code == 302
    row = LegalInterestRate.objects.get(half_year_start=datetime.date(2026, 7, 1))
    assert row.history.first().history_user == manager
    assert EcbRate.objects.filter(effective_from=datetime.date(2026, 7, 1)).exists()
    text = _text(client.get(reverse("journee:worklist")))
    assert "Taux de référence manquant" not in text


def test_an_ecb_rate_needs_its_date(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("pilotage:rate_add"),
        {"kind": "ecb", "rate": "2,15", "source": "BCE", "verified": "check", "reason": "x"},
    )
    assert response.status_code == 400
    assert "Indiquez la date d'effet du taux." in _text(response)
