"""A manager opens « Pilotage » in Debian's Chromium (Playwright), sees the charts drawn from the
local Chart.js, narrows the figures to one creditor, and keeps screenshots in
``test-artifacts/`` (git-ignored)."""

import re
from pathlib import Path

import pytest
import time_machine

from dossiers.models import Creditor
from tests.factories import UserFactory
from tests.fixtures.browser import ARTIFACTS, CHROMIUM
from tests.pilotage import dataset
from tests.pilotage.dataset import TODAY

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium de Debian absent (/usr/bin/chromium) : `make test` l'installe",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def portfolio(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Built on its own day; the server then runs on the real clock, with the period in the URL.
    with time_machine.travel(dataset.at(TODAY, 10), tick=False):
        return dataset.build()


def test_a_manager_reads_the_dashboard_and_filters_it(live_server, browser, portfolio):
    manager = UserFactory(username="responsable", role="manager")
    for creditor in Creditor.objects.all():  # the dashboard counts the manager's portfolio
        creditor.managers.add(manager)
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("responsable")
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/ma-journee/$"))

    page.get_by_role("navigation").get_by_role("link", name="Pilotage").click()
    page.wait_for_url(re.compile(r"/pilotage/$"))
    page.get_by_label("Du", exact=True).fill("2026-09-01")
    page.get_by_label("Au", exact=True).fill("2026-11-23")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile(r"du=2026-09-01"))
    page.wait_for_selector("html[data-charts-ready=true]")
    assert page.get_by_role("heading", name="Pilotage du recouvrement").is_visible()
    # Every chart was drawn (Chart.js attaches itself to its canvas) and has its table.
    charts = page.locator("canvas[data-chart]")
    assert charts.count() == 11  # the debtor space (#23) made it eleven
    assert page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]')).every(c => c.chart)"
    )
    aging = page.locator("#kpi-aging table")
    assert re.search(r"2\s100,00\s€", aging.locator("tfoot").inner_text())
    page.screenshot(path=str(Path(ARTIFACTS) / "pilotage-dashboard.png"), full_page=True)

    page.get_by_label("Créancier").select_option(label="A — Fournitures Durand SAS")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile(rf"creancier={portfolio.a.pk}"))
    page.wait_for_selector("html[data-charts-ready=true]")
    assert re.search(r"1\s400,00\s€", page.locator("#kpi-aging tfoot").inner_text())
    assert page.get_by_label("Créancier").input_value() == str(portfolio.a.pk)
    page.screenshot(path=str(Path(ARTIFACTS) / "pilotage-dashboard-creancier.png"), full_page=True)
    # The export links keep the filters.
    href = page.get_by_role("link", name=re.compile("^CSV")).first.get_attribute("href")
    assert f"creancier={portfolio.a.pk}" in href
    assert errors == []
    context.close()
