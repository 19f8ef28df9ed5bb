"""Each KPI of docs/kpi.md on the fixed portfolio of ``dataset.py``, against figures computed by
hand (the working is in each test's docstring)."""

import datetime
import sqlite3
from decimal import Decimal

import pytest
import time_machine

from dossiers import services
from pilotage import queries
from pilotage.selectors import dashboard_data
from relances.models import CadenceStep, Reminder
from tests.pilotage import dataset
from tests.pilotage.dataset import START, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(dataset.at(TODAY, 10), tick=False):
        yield dataset.build()


def data(**filters):
    return dashboard_data(start=START, end=TODAY, today=TODAY, **filters)


def rows(table):
    return {row[0]: row[1:] for row in table.rows}


def test_outstanding_and_aging_balance(portfolio):
    """Open claims: c1 600 (due 31/08, 84 days late), c2 500 (not due), c3 300 (192 days),
    c5 700 (39 days); c4 and c6 are paid. Total 2 100 €."""
    result = data()
    assert result.figures["outstanding"] == Decimal("2100.00")
    aging = rows(result.tables["aging"])
    assert aging["Non échu"] == [1, Decimal("500.00")]
    assert aging["1 à 30 jours"] == [0, Decimal("0.00")]
    assert aging["31 à 60 jours"] == [1, Decimal("700.00")]
    assert aging["61 à 90 jours"] == [1, Decimal("600.00")]
    assert aging["91 à 180 jours"] == [0, Decimal("0.00")]
    assert aging["Plus de 180 jours"] == [1, Decimal("300.00")]


def test_open_dossiers_by_state(portfolio):
    """A/P1 open; A/C1 and B/P1 at formal notice; B/P2 and A/C2 closed (not counted)."""
    result = data()
    assert rows(result.tables["states"]) == {"Ouvert": [1], "Mise en demeure": [2]}
    assert result.figures["open_dossiers"] == 3


def test_a_dossier_left_with_its_accessories_is_open_in_its_own_state(portfolio):
    """C. com. L441-10 II, D441-5: A/P1's 1 000 € paid late (creditor A claims the accessories)
    leaves the dossier open, counted under « Accessoires dus »."""
    with time_machine.travel(dataset.at(TODAY, 11), tick=False):
        services.payment_record(
            dossier=portfolio.a_p1, amount=Decimal("1100.00"), received_on=TODAY, actor=None
        )
        result = data()
    assert rows(result.tables["states"]) == {"Mise en demeure": [2], "Accessoires dus": [1]}
    assert result.figures["open_dossiers"] == 3


def test_amounts_recovered_per_month(portfolio):
    """Payments, not credit notes: 400 € in October, 2 000 € in November; the 2023 payment
    and the 100 € credit note do not count."""
    result = data()
    assert rows(result.tables["recovered"]) == {
        "septembre 2026": [0, Decimal("0.00")],
        "octobre 2026": [1, Decimal("400.00")],
        "novembre 2026": [1, Decimal("2000.00")],
    }
    assert result.figures["recovered"] == Decimal("2400.00")


def test_dso_simple_and_count_back_at_the_end_of_today(portfolio):
    """Receivables on 23/11 = 2 100 €; invoiced over the period (c2 500 + c4 2 000 + c5 800)
    = 3 300 €; 84 days. Simple: 2 100 / 3 300 × 84 = 53,45 days.
    Count-back: November (23 days) invoiced 500 → 1 600 left; October invoiced 2 000:
    23 + 1 600 / 2 000 × 31 = 47,8 days."""
    result = data()
    assert round(result.figures["dso_simple"], 2) == Decimal("53.45")
    assert round(result.figures["dso_countback"], 2) == Decimal("47.80")


def test_dso_counts_receivables_as_they_stood_at_the_end_of_the_period(portfolio):
    """Period 01/09–31/10 (61 days). On 31/10: c1 600 (400 paid on 10/10), c3 300, c4 2 000
    (paid only on 10/11), c5 700 (credit note 20/10) = 3 600 €; invoiced c4 + c5 = 2 800 €.
    Simple: 3 600 / 2 800 × 61 = 78,43. Count-back: October 2 000 → 1 600 left (31 days);
    September 800 → 800 left (61 days); August 1 000: 61 + 800 / 1 000 × 31 = 85,8."""
    result = dashboard_data(start=START, end=datetime.date(2026, 10, 31), today=TODAY)
    assert result.figures["receivables_end"] == Decimal("3600.00")
    assert result.figures["sales"] == Decimal("2800.00")
    assert round(result.figures["dso_simple"], 2) == Decimal("78.43")
    assert round(result.figures["dso_countback"], 2) == Decimal("85.80")


def test_payment_rates_after_each_reminder_level(portfolio):
    """Level 1, first contacts in the period: A/P1 on 05/10 (paid 400 on 10/10: within 7),
    B/P1 on 01/10 (only a credit note: never), B/P2 on 01/11 (paid on 10/11: 9 days, within 15;
    its 30 days are not over on 23/11, so it is left out of the 30-day rate).
    7 days: 1/3; 15 days: 2/3; 30 days: 1/2.
    Level 2: A/P1's e-mail on 12/10 (the call at the same time is a second contact), no payment
    after it: 0 at every window. Level 3: the letter of 20/08 is before the period. Formal
    notice on 20/11: no window over yet.
    The last two columns count the period's payments by the last level sent before them:
    A/P1's 400 € (R1 on 05/10) and B/P2's 2 000 € (R1 on 01/11)."""
    table = rows(data().tables["cadence"])
    third, two_thirds = Decimal(1) / 3, Decimal(2) / 3
    assert table["Relance 1"] == [3, third, two_thirds, Decimal("0.5"), 2, Decimal("2400.00")]
    assert table["Relance 2"] == [1, 0, 0, 0, 0, Decimal("0.00")]
    assert "Relance 3" not in table
    assert table["Mise en demeure"] == [1, None, None, None, 0, Decimal("0.00")]


def test_a_payment_counts_for_the_last_level_sent_before_it(portfolio):
    """Issue #18, item 6. B/P1 gets its R2 e-mail on 08/10 and pays 100 € on 12/10: the last
    level sent before that payment is R2, so it counts for R2 (4 days: within 7, 15 and 30)
    and no longer for B/P1's R1 of 01/10 (11 days before).
    R1: A/P1 (paid 10/10, 5 days), B/P1 (never, for R1), B/P2 (paid 10/11, 9 days; 30 days not
    over) → 7 days 1/3, 15 days 2/3, 30 days 1/2.
    R2: A/P1 on 12/10 (nothing after it), B/P1 on 08/10 (paid 12/10) → 1/2 at every window.
    Payments of the period by level: R1 400 + 2 000 €, R2 100 €."""
    step = CadenceStep.objects.get(policy__debtor_kind="professional", code="r15-email")
    Reminder.objects.create(
        dossier=portfolio.b_p1,
        step=step,
        cycle=1,
        channel=step.channel,
        status=Reminder.Status.SENT,
        scheduled_for=datetime.date(2026, 10, 8),
        sent_at=dataset.at(datetime.date(2026, 10, 8)),
        content="Texte envoyé",
    )
    with dataset.travel(datetime.date(2026, 10, 12)):
        services.payment_record(
            dossier=portfolio.b_p1,
            amount=Decimal("100"),
            received_on=datetime.date(2026, 10, 12),
            actor=None,
        )
    table = rows(data().tables["cadence"])
    third, two_thirds, half = Decimal(1) / 3, Decimal(2) / 3, Decimal("0.5")
    assert table["Relance 1"] == [3, third, two_thirds, half, 2, Decimal("2400.00")]
    assert table["Relance 2"] == [2, half, half, half, 1, Decimal("100.00")]


@pytest.mark.parametrize(
    ("sent", "paid", "within"),
    [
        ("2026-10-05", "2026-10-12", True),
        ("2026-10-05", "2026-10-13", False),
        ("2026-12-28", "2027-01-04", True),
    ],
)
def test_the_payment_windows_add_days_to_dates_on_sqlite(sent, paid, within):
    """The demo runs on SQLite, where the rates showed 0,0 % at every level: « date + 7 » there
    is a number (2033), never greater than a date's text. The windows add days as dates."""
    expression = queries.plus_days("s", 7, "sqlite")
    db = sqlite3.connect(":memory:")
    sql = f"SELECT ? <= {expression} FROM (SELECT ? AS s)"  # noqa: S608 (fixed text)
    (result,) = db.execute(sql, (paid, sent)).fetchone()
    assert bool(result) is within


def test_promises_kept_and_plans_honoured(portfolio):
    """Promises settled in the period: one kept (14/10), one broken (24/09); the kept one of
    July is outside. Plans: one broken on 20/10, one still « en cours » whose dossier was paid
    on 10/11 (honoured); the completed plan of August is outside. Both rates 1/2."""
    table = rows(data().tables["commitments"])
    assert table["Promesses de paiement"] == [2, 1, Decimal("0.5")]
    assert table["Échéanciers"] == [2, 1, Decimal("0.5")]


def test_disputes_opened_resolved_and_mean_time_to_resolution(portfolio):
    """Opened in the period: 05/09, 01/10, 15/11 = 3; closed in the period: 15/09 (10 days) and
    21/10 (20 days, upheld) = 2, mean 15 days; one still open. July's is outside."""
    result = data()
    assert rows(result.tables["disputes"]) == {
        "Ouvertes sur la période": [3],
        "Closes sur la période": [2],
        "dont fondées (facture annulée)": [1],
        "En cours à ce jour": [1],
    }
    assert result.figures["dispute_mean_days"] == Decimal("15.0")


def test_cost_per_euro_recovered(portfolio):
    """In the period: 4 e-mails × 0,05 + 1 registered letter × 7,00 + 2 calls × 4 min × 0,50
    = 0,20 + 7,00 + 4,00 = 11,20 €; the letter of August is outside. Recovered 2 400 €:
    11,20 / 2 400 = 0,004667 € per euro."""
    result = data()
    cost = rows(result.tables["cost"])
    assert cost["E-mail"] == [4, Decimal("0.05"), Decimal("0.20")]
    assert cost["Lettre recommandée avec AR"] == [1, Decimal("7.00"), Decimal("7.00")]
    assert cost["Courrier simple"] == [0, Decimal("1.50"), Decimal("0")]
    calls = next(row for row in result.tables["cost"].rows if row[0].startswith("Appels"))
    assert calls[1:] == [2, Decimal("2.00"), Decimal("4.00")]
    assert result.figures["cost_total"] == Decimal("11.20")
    assert round(result.figures["cost_per_euro"], 6) == Decimal("0.004667")


def test_compliance(portfolio):
    """Actions of the period: 6 reminders (the phone one kept no content) and 2 calls (one
    without a summary): 6 traced out of 8 = 75 %. At formal notice: B/P1 (order, invoice,
    delivery note) complete, A/C1 (invoice only) not: 1/2. Purges overdue: A/C2, a consumer's
    dossier closed on 01/09/2023 (2 years of prescription are over)."""
    result = data()
    table = rows(result.tables["compliance"])
    assert table["Actions tracées (contenu conservé)"] == [6, 8, Decimal("0.75")]
    assert table["Dossiers en mise en demeure au dossier complet"] == [1, 2, Decimal("0.5")]
    assert table["— dont avec « Facture »"] == [2, 2, Decimal(1)]
    assert table["— dont avec « Preuve de livraison »"] == [1, 2, Decimal("0.5")]
    assert result.figures["purges_overdue"] == 1


def test_team(portfolio):
    """Alice holds A/P1 and B/P1; 2 calls, 1 approval, 2 payments recorded (one a credit note),
    3 pieces = 8 actions over 59 working days; recovered on her dossiers: 400 €.
    Bob holds A/C1 (B/P2 is closed); 1 payment recorded and 1 piece; recovered 2 000 €."""
    result = data()
    assert result.figures["working_days"] == 59
    team = rows(result.tables["team"])
    assert team["Alice Aubert"] == [2, 8, Decimal(8) / 59, Decimal("400.00")]
    assert team["Bob Bernard"] == [1, 2, Decimal(2) / 59, Decimal("2000.00")]


def test_filters_by_creditor_controller_and_debtor_kind(portfolio):
    """Creditor A: c1 + c2 + c3 = 1 400 €; Alice's dossiers: c1 + c2 + c5 = 1 800 €; consumers:
    c3 = 300 €. Only Alice's team row shows when she is chosen."""
    assert data(creditor=portfolio.a).figures["outstanding"] == Decimal("1400.00")
    alice = data(controller=portfolio.alice)
    assert alice.figures["outstanding"] == Decimal("1800.00")
    assert list(rows(alice.tables["team"])) == ["Alice Aubert"]
    assert rows(alice.tables["recovered"])["octobre 2026"] == [1, Decimal("400.00")]
    assert data(debtor_kind="consumer").figures["outstanding"] == Decimal("300.00")
    b_consumers = data(creditor=portfolio.b, debtor_kind="consumer")
    assert b_consumers.figures["outstanding"] == Decimal("0.00")
    assert b_consumers.figures["recovered"] == Decimal("0.00")


def test_the_page_seen_again_with_the_same_filters_shows_the_new_figures(portfolio):
    """The SQL of a set of filters is compiled once per process, the figures are read again
    each time: a payment of 300 € on A/C1 after a first look takes c3 (300 €) off the
    outstanding (2 100 → 1 800 €) and adds 300 € recovered in November; A's dossiers seen
    again still read 1 400 → 1 100 €."""
    assert data().figures["outstanding"] == Decimal("2100.00")
    assert data(creditor=portfolio.a).figures["outstanding"] == Decimal("1400.00")
    with dataset.travel(TODAY):
        services.payment_record(
            dossier=portfolio.a_c1, amount=Decimal("300"), received_on=TODAY, actor=None
        )
    again = data()
    assert again.figures["outstanding"] == Decimal("1800.00")
    assert rows(again.tables["recovered"])["novembre 2026"] == [2, Decimal("2300.00")]
    assert data(creditor=portfolio.a).figures["outstanding"] == Decimal("1100.00")


def test_a_payment_the_bank_took_back_was_not_recovered(portfolio):
    """The 2 000 € of November returned by the bank on 30/11: recovered 400 € only, in
    October; the cost per euro is 11,20 / 400; Bob recovered nothing; the payment no longer
    counts after its reminder level."""
    from dossiers.models import Payment

    before = data()
    returned = Payment.objects.get(amount=Decimal("2000.00"), kind=Payment.Kind.PAYMENT)
    services.payment_reverse(
        payment=returned, actor=None, reason="virement rappelé", on=datetime.date(2026, 11, 30)
    )
    result = data()
    assert rows(result.tables["recovered"])["novembre 2026"] == [0, Decimal("0.00")]
    assert result.figures["recovered"] == Decimal("400.00")
    assert round(result.figures["cost_per_euro"], 6) == Decimal("0.028000")
    assert rows(result.tables["team"])["Bob Bernard"][-1] == Decimal("0.00")
    third = Decimal(1) / 3
    assert rows(before.tables["cadence"])["Relance 1"][1:3] == [third, Decimal(2) / 3]
    # B/P2 paid 9 days after its R1, then the money went back: not paid within 15 days.
    table = rows(result.tables["cadence"])
    assert table["Relance 1"] == [3, third, third, Decimal("0.5"), 1, Decimal("400.00")]
