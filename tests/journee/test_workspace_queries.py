"""The worklist and the dossier page run the same number of queries for 10 and for 200 dossiers
(keyset pagination, one query per kind of detail, each relation read once)."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.relances import portfolio

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 30), tick=False):
        yield


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_worklist_and_dossier_page_query_counts_do_not_grow_with_dossiers(client, controller):
    dossiers = portfolio.build(controller=controller, count=10, day=TODAY)
    client.force_login(controller)
    worklist = reverse("journee:worklist")
    page = reverse("journee:dossier", args=[dossiers[0].pk])
    searched = worklist + "?q=SARL&type=call"
    client.get(worklist)  # warm the caches that are not per request (content types...)
    small = {url: _queries(client, url) for url in (worklist, page, searched)}

    portfolio.build(controller=controller, count=190, day=TODAY, start=10)
    large = {url: _queries(client, url) for url in (worklist, page, searched)}
    response = client.get(worklist)
    cursor = response.context["result"].next_cursor
    assert cursor and len(response.context["result"].rows) == 25
    next_page = _queries(client, f"{worklist}?apres={cursor}")

    print(f"\nrequêtes — 10 dossiers : {small} ; 200 dossiers : {large}, page 2 : {next_page}")
    assert small == large
    assert next_page == large[worklist]
    assert large[worklist] <= 15 and large[page] <= 45


def test_worklist_never_counts_the_whole_set(client, controller):
    portfolio.build(controller=controller, count=30, day=TODAY)
    client.force_login(controller)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("journee:worklist"))
    assert not [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
