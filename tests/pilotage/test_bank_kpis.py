"""Cash-in KPIs on the manager's dashboard (docs/kpi.md « Encaissements bancaires »), on the
sample statement of tests/data/statements/ imported on a fixed day: figures written by hand."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports.statements import services
from imports.statements.models import BankTransaction
from pilotage import queries
from pilotage.filters import make_filters
from pilotage.kpis import bank_figures
from pilotage.selectors import dashboard_data
from tests.fixtures.statements import sample

pytestmark = pytest.mark.django_db
BOOKED = datetime.date(2026, 11, 20)  # the sample statement's booking date (a Friday)
IMPORTED = datetime.date(2026, 11, 23)  # imported the Monday after
CONFIRMED = datetime.date(2026, 11, 25)


def test_share_automatic_delay_to_stop_and_credits_waiting(
    statement_world, controller, manager, frozen
):
    statement_world.creditor.managers.add(manager)  # the person who confirms is in charge
    with frozen(IMPORTED):
        services.statement_import(
            content=sample("camt053_releve.xml"), name="releve.xml", actor=controller
        )
    # 5 lines: RF 1 200 € and invoice 350 € posted at once; 750 € proposed (known IBAN);
    # 100 € unmatched; 12,60 € of fees (a debit, never a payment).
    with frozen(CONFIRMED):
        services.transaction_confirm(
            row=BankTransaction.objects.get(amount=Decimal("750.00")), actor=manager
        )
    today = datetime.date(2026, 11, 30)
    f = make_filters(today=today, start=datetime.date(2026, 11, 1), end=today)
    with CaptureQueriesContext(connection) as captured:
        bank = queries.bank_query(f)
    assert len(captured) == 1
    figures = bank_figures(f, bank)
    # 3 payments read on statements, 2 of them matched automatically: 2 / 3.
    assert figures["bank_posted"] == 3
    assert figures["bank_automatic_share"] == Decimal(2) / Decimal(3)
    # From the booking to the posting: 3, 3 and 5 days (20/11 → 23/11, 23/11, 25/11): 11 / 3.
    assert figures["bank_delay_days"] == Decimal("3.7")
    # Waiting: the 100 € credit booked 20/11, 10 days old on 30/11.
    assert (
        figures["bank_waiting"],
        figures["bank_waiting_amount"],
        figures["bank_waiting_age_days"],
    ) == (1, Decimal("100.00"), 10)


def test_the_dashboard_shows_them_for_the_creditors_in_charge(
    client, statement_world, controller, manager, frozen
):
    statement_world.creditor.managers.add(manager)
    with frozen(IMPORTED):
        services.statement_import(
            content=sample("camt053_releve.xml"), name="releve.xml", actor=controller
        )
    client.force_login(manager)
    with frozen(datetime.date(2026, 11, 30)):
        page = client.get("/pilotage/").content.decode().replace("\u202f", " ").replace("\xa0", " ")
        data = dashboard_data(today=datetime.date(2026, 11, 30), creditors=())
    assert "Rapprochés automatiquement" in page and "100,0 %" in page
    assert "Crédits non rapprochés" in page and "850,00 €" in page  # 750 proposed + 100
    assert "la plus ancienne depuis 10 jour(s)" in page
    # A manager in charge of no creditor sees none of them.
    assert data.figures["bank_posted"] == 0 and data.figures["bank_waiting"] == 0
