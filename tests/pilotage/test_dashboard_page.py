"""The dashboard page: who may see it, its query count with 10 and 10,000 claims, its filters,
its CSV and XLSX exports and the cost settings form."""

import csv
import datetime
import io
import re
import time
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dossiers.models import Claim, Debtor, Dossier, Payment, PaymentAllocation
from pilotage.models import CostSettings
from pilotage.selectors import dashboard_data
from relances.models import CadenceStep, Reminder
from tests.factories import CreditorFactory, UserFactory
from tests.pilotage import dataset
from tests.pilotage.dataset import TODAY

pytestmark = pytest.mark.django_db
URL = reverse("pilotage:dashboard")


@pytest.fixture(autouse=True)
def monday(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(dataset.at(TODAY, 10), tick=False):
        yield


def bulk_portfolio(creditor, controller, *, claims: int, start: int = 0) -> None:
    """``claims`` claims, five per dossier, with a payment and a sent reminder per dossier,
    written with bulk_create (no history: only the reads are measured here)."""
    dossiers = claims // 5 or 1
    debtors = Debtor.objects.bulk_create(
        Debtor(
            kind=Debtor.Kind.PROFESSIONAL if i % 3 else Debtor.Kind.CONSUMER,
            name=f"Débiteur {i}",
            address_line1="1 rue de la Paix",
            postal_code="75002",
            city="Paris",
        )
        for i in range(start, start + dossiers)
    )
    files = Dossier.objects.bulk_create(
        Dossier(
            creditor=creditor,
            debtor=debtor,
            reference=f"DOS-B-{start + i:06d}",
            opened_on=datetime.date(2026, 1, 1),
            assigned_to=controller if i % 2 else None,
        )
        for i, debtor in enumerate(debtors)
    )
    rows = []
    for i in range(claims):
        issued = datetime.date(2025, 12, 1) + datetime.timedelta(days=(start + i) % 330)
        rows.append(
            Claim(
                dossier=files[i % len(files)],
                creditor=creditor,
                invoice_number=f"FB-{start + i:07d}",
                issue_date=issued,
                due_date=issued + datetime.timedelta(days=30),
                amount=Decimal("1000.00"),
                outstanding=Decimal("1000.00") if i % 4 else Decimal("600.00"),
            )
        )
    saved = Claim.objects.bulk_create(rows)
    payments = Payment.objects.bulk_create(
        Payment(
            dossier=dossier,
            amount=Decimal("400.00"),
            received_on=datetime.date(2026, 6, 1) + datetime.timedelta(days=i % 150),
            method=Payment.Method.TRANSFER,
        )
        for i, dossier in enumerate(files)
    )
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=payment, claim=claim, amount=Decimal("400.00"))
        for payment, claim in zip(payments, saved[::5][: len(payments)], strict=False)
    )
    step = CadenceStep.objects.get(policy__debtor_kind="professional", code="r7-email")
    Reminder.objects.bulk_create(
        Reminder(
            dossier=dossier,
            step=step,
            cycle=1,
            channel="email",
            status=Reminder.Status.SENT,
            scheduled_for=datetime.date(2026, 5, 1),
            sent_at=dataset.at(datetime.date(2026, 5, 1) + datetime.timedelta(days=i % 150)),
            content="Relance",
        )
        for i, dossier in enumerate(files)
    )


def manager_of_every_creditor():
    """A manager in charge of every creditor there is (the dashboard counts their portfolio)."""
    from dossiers.models import Creditor

    manager = UserFactory(username="responsable", role="manager")
    for creditor in Creditor.objects.all():
        creditor.managers.add(manager)
    return manager


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_dashboard_makes_the_same_queries_for_10_and_10000_claims(client):
    controller = UserFactory(username="camille", role="controller")
    creditor = CreditorFactory()
    manager = manager_of_every_creditor()
    bulk_portfolio(creditor, controller, claims=10)
    client.force_login(manager)
    filtered = f"{URL}?creancier={creditor.pk}&charge={controller.pk}&type=professional"
    client.get(URL)  # warm what is cached per process (content types...)
    small = {url: _queries(client, url) for url in (URL, filtered)}
    with CaptureQueriesContext(connection) as captured:
        dashboard_data(today=TODAY)
    selector_queries = len(captured)

    bulk_portfolio(creditor, controller, claims=9_990, start=10)
    assert Claim.objects.count() == 10_000
    large = {url: _queries(client, url) for url in (URL, filtered)}
    started = time.perf_counter()
    response = client.get(URL)
    elapsed = time.perf_counter() - started
    print(f"\nrequêtes — 10 factures : {small} ; 10 000 factures : {large} ({elapsed:.2f} s)")
    assert small == large
    # session, user, roles, creditors of the filter, the 7 selector queries, the channel outages
    assert max(large.values()) <= 12
    # claims, dossiers, payments, reminders, costs, team, bank lines
    assert selector_queries == 7
    # One claim in four has 600 € left, the others 1 000 €: 2 501 × 600 + 7 499 × 1 000.
    assert response.context["data"].figures["outstanding"] == Decimal("8999600.00")


def test_only_managers_see_the_dashboard(client):
    client.force_login(UserFactory(username="camille", role="controller"))
    response = client.get(URL)
    assert response.status_code == 403
    assert "réservé aux responsables" in response.content.decode()
    assert client.get(reverse("pilotage:export", args=["aging", "csv"])).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_dashboard_shows_charts_from_local_files_and_tables(client):
    dataset.build()
    client.force_login(manager_of_every_creditor())
    response = client.get(URL, {"du": "2026-09-01", "au": "2026-11-23"})
    html = response.content.decode()
    assert "/static/js/vendor/chart.umd.js" in html and "/static/js/pilotage.js" in html
    assert 'id="pilotage-charts" type="application/json"' in html
    assert "<script>" not in html and "onclick=" not in html and "style=" not in html
    assert re.search(r"2\s100,00\s€", html)  # total outstanding
    assert "Pilotage" in html  # the nav entry


def test_a_bad_filter_is_refused_with_a_french_message(client):
    client.force_login(UserFactory(username="responsable", role="manager"))
    response = client.get(URL, {"du": "2026-11-01", "au": "2026-10-01", "charge": "999999"})
    html = response.content.decode()
    assert "La date de début doit précéder la date de fin." in html
    assert "Ce chargé de recouvrement n&#x27;existe pas." in html
    assert response.context["filters"].controller is None
    response = client.get(URL, {"du": "2020-01-01", "au": "2026-11-23", "creancier": "abc"})
    html = response.content.decode()
    assert "La période ne peut pas dépasser 36 mois." in html


def test_every_table_exports_as_csv_and_xlsx(client):
    portfolio = dataset.build()
    client.force_login(manager_of_every_creditor())
    query = {"du": "2026-09-01", "au": "2026-11-23", "creancier": portfolio.a.pk}
    data = dashboard_data(start=datetime.date(2026, 9, 1), end=TODAY, creditor=portfolio.a)
    for key in data.tables:
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse("pilotage:export", args=[key, fmt]), query)
            assert response.status_code == 200, (key, fmt)
            assert f"pilotage-{key}-2026-11-23.{fmt}" in response["Content-Disposition"]

    response = client.get(reverse("pilotage:export", args=["aging", "csv"]), query)
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Balance âgée"]
    assert lines[2] == ["Retard", "Factures", "Reste dû"]
    assert ["Plus de 180 jours", "1", "300,00"] in lines
    assert lines[-1] == ["Total", "3", "1400,00"]  # creditor A only

    response = client.get(reverse("pilotage:export", args=["cadence", "xlsx"]), query)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A3"].value == "Niveau"
    assert [c.value for c in sheet[4]] == ["Relance 1", 1, 1.0, 1.0, 1.0, 1, 400]
    assert sheet["C4"].number_format == "0.0 %"
    assert client.get(reverse("pilotage:export", args=["inconnu", "csv"])).status_code == 404
    assert client.get(reverse("pilotage:export", args=["aging", "pdf"])).status_code == 404


def test_the_manager_sets_the_cost_per_channel(client):
    manager = UserFactory(username="responsable", role="manager")
    client.force_login(manager)
    url = reverse("pilotage:costs")
    fields = {
        "email": "0,06",
        "sms": "0,09",
        "letter": "1,60",
        "registered_letter": "-7",
        "call_minute": "0,45",
        "call_minutes": "5",
        "reason": "tarifs 2027",
    }
    response = client.post(url, fields)
    assert response.status_code == 400
    assert "Un coût ne peut pas être négatif." in response.content.decode()
    assert CostSettings.objects.get().registered_letter == Decimal("0")

    response = client.post(url, {**fields, "registered_letter": "6,95", "reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif de cette modification." in response.content.decode()

    response = client.post(url, {**fields, "registered_letter": "6,95"})
    assert response.status_code == 302
    costs = CostSettings.objects.get()
    assert (costs.email, costs.registered_letter, costs.call_minutes) == (
        Decimal("0.060"),
        Decimal("6.950"),
        Decimal("5.0"),
    )
    last = costs.history.first()
    assert last.history_user == manager
    assert last.history_change_reason == "coûts des actions : tarifs 2027"
    client.force_login(UserFactory(username="camille", role="controller"))
    assert client.post(url, fields).status_code == 403


def test_a_manager_sees_the_figures_of_the_creditors_in_their_charge_only(client):
    """Another portfolio's figures are not a manager's business (``dossiers.scoping``): the
    KPIs, the creditor filter and the exports count the creditors in their charge only."""
    manager = UserFactory(username="responsable-a", role="manager")
    controller = UserFactory(username="camille", role="controller")
    mine, theirs = CreditorFactory(legal_name="Verrerie A"), CreditorFactory(legal_name="Scierie B")
    mine.managers.add(manager)
    bulk_portfolio(mine, controller, claims=10)
    bulk_portfolio(theirs, controller, claims=20, start=10)
    client.force_login(manager)
    response = client.get(URL)
    # Ten claims of 1 000 €, one in four with 600 € left: 3 × 600 + 7 × 1 000.
    assert response.context["data"].figures["outstanding"] == Decimal("8800.00")
    html = response.content.decode()
    assert "Verrerie A" in html and "Scierie B" not in html
    # Asking for the other creditor by its id is refused: the figures stay the portfolio's.
    response = client.get(URL, {"creancier": theirs.pk})
    assert "Ce créancier n&#x27;existe pas." in response.content.decode()
    assert response.context["data"].figures["outstanding"] == Decimal("8800.00")
    export = client.get(reverse("pilotage:export", args=["aging", "csv"]))
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert "Scierie B" not in export.content.decode("utf-8-sig") and len(rows) > 1


def test_a_manager_in_charge_of_no_creditor_sees_empty_figures(client):
    bulk_portfolio(CreditorFactory(), UserFactory(username="camille", role="controller"), claims=5)
    client.force_login(UserFactory(username="responsable-sans", role="manager"))
    response = client.get(URL)
    assert response.status_code == 200
    assert not response.context["data"].figures["outstanding"]
