"""The reference-rate tables: loaded by migration, extended by ``add_rate``, missing ones shown
on the admin's home page."""

import datetime
from datetime import date as D
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from dossiers import selectors
from dossiers.models import EcbRate, LegalInterestRate
from legal.rates import HalfYear

pytestmark = pytest.mark.django_db

NOV_2026 = datetime.datetime(2026, 11, 23, 10, tzinfo=datetime.UTC)
MAY_2026 = datetime.datetime(2026, 5, 4, 10, tzinfo=datetime.UTC)


def test_migration_loads_both_series_with_their_sources():
    """C. mon. fin. L313-2 (arrêtés) and the ECB main refinancing rate (C. com. L441-10 II)."""
    first_2026 = LegalInterestRate.objects.get(half_year_start=D(2026, 1, 1))
    assert (first_2026.consumer_creditor_percent, first_2026.other_creditor_percent) == (
        Decimal("6.67"),
        Decimal("2.62"),
    )
    assert first_2026.half_year_end == D(2026, 6, 30)
    assert "15/12/2025" in first_2026.source and first_2026.verified == "official"
    # 2019-S1 « autres cas »: 0,86 % (arrêté du 21/12/2018), confirmed by two sources.
    assert LegalInterestRate.objects.get(
        half_year_start=D(2019, 1, 1)
    ).other_creditor_percent == Decimal("0.86")
    assert not LegalInterestRate.objects.filter(half_year_start=D(2026, 7, 1)).exists()
    assert EcbRate.objects.get(effective_from=D(2025, 6, 11)).rate_percent == Decimal("2.15")
    assert LegalInterestRate.objects.count() == 15
    assert first_2026.history.get().history_change_reason.startswith("chargement initial")


def test_rate_table_answers_the_l441_10_reference_rates():
    """C. com. L441-10 II: ECB rate in force on 1 January / 1 July."""
    table = selectors.rate_table()
    assert table.ecb_rate(HalfYear(2025, 1)) == Decimal("3.15")  # since 18/12/2024
    assert table.ecb_rate(HalfYear(2025, 2)) == Decimal("2.15")  # since 11/06/2025
    assert table.ecb_rate(HalfYear(2026, 1)) == Decimal("2.15")
    assert table.ecb_rate(HalfYear(2023, 2)) == Decimal("4.00")  # since 21/06/2023


def test_missing_rates_of_the_current_half_year():
    """C. mon. fin. L313-2, C. com. L441-10: 2026-S2 has neither rate recorded."""
    missing = selectors.missing_rates(on=D(2026, 11, 23))
    assert missing[0].startswith("Taux de l'intérêt légal manquant pour le 2e semestre 2026")
    assert missing[1].startswith("Taux BCE de refinancement manquant pour le 2e semestre 2026")
    assert selectors.missing_rates(on=D(2026, 5, 4)) == []


def test_add_rate_legal_records_the_half_year_with_its_source(capsys):
    call_command(
        "add_rate",
        "legal",
        "--half-year",
        "2026-S2",
        "--consumer",
        "6,50",
        "--other",
        "2,40",
        "--source",
        "arrêté du 16/06/2026",
    )
    row = LegalInterestRate.objects.get(half_year_start=D(2026, 7, 1))
    assert row.half_year_end == D(2026, 12, 31)
    assert (row.consumer_creditor_percent, row.other_creditor_percent) == (
        Decimal("6.50"),
        Decimal("2.40"),
    )
    assert row.history.get().history_change_reason == "ajout du taux de l'intérêt légal (add_rate)"
    assert "2e semestre 2026 enregistré" in capsys.readouterr().out
    assert len(selectors.missing_rates(on=D(2026, 11, 23))) == 1


def test_add_rate_ecb_makes_the_second_half_of_2026_computable():
    """C. com. L441-10 II: once the rate in force on 01/07/2026 is recorded, penalties over
    2026-S2 compute (2,15 + 10 = 12,15 %)."""
    call_command(
        "add_rate", "ecb", "--from", "2026-07-01", "--rate", "2.15", "--source", "BCE, 01/07/2026"
    )
    assert selectors.rate_table().ecb_rate(HalfYear(2026, 2)) == Decimal("2.15")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["legal", "--half-year", "2026-S3", "--consumer", "6", "--other", "2", "--source", "x"],
            "Semestre « 2026-S3 » illisible",
        ),
        (
            [
                "legal",
                "--half-year",
                "2026-S2",
                "--consumer",
                "six",
                "--other",
                "2",
                "--source",
                "x",
            ],
            "n'est pas un taux",
        ),
        (
            [
                "legal",
                "--half-year",
                "2026-S2",
                "--consumer",
                "-1",
                "--other",
                "2",
                "--source",
                "x",
            ],
            "invraisemblable",
        ),
        (
            [
                "legal",
                "--half-year",
                "2026-S2",
                "--consumer",
                "6.123",
                "--other",
                "2",
                "--source",
                "x",
            ],
            "deux décimales au plus",
        ),
        (["legal", "--half-year", "2026-S2", "--consumer", "6"], "Option(s) manquante(s)"),
        (
            ["legal", "--half-year", "2026-S1", "--consumer", "6", "--other", "2", "--source", "x"],
            "1er semestre 2026 est déjà enregistré",
        ),
        (["ecb", "--from", "01/07/2026", "--rate", "2", "--source", "x"], "AAAA-MM-JJ"),
        (["ecb", "--from", "2025-06-11", "--rate", "2", "--source", "x"], "déjà enregistré"),
        (["ecb", "--from", "2026-07-01", "--rate", "2"], "--source"),
        (["bce"], "Type de taux « bce » inconnu"),
    ],
)
def test_add_rate_refuses_bad_input_in_french(args, message):
    before = (LegalInterestRate.objects.count(), EcbRate.objects.count())
    with pytest.raises(CommandError) as exc:
        call_command("add_rate", *args)
    assert message in str(exc.value)
    assert (LegalInterestRate.objects.count(), EcbRate.objects.count()) == before


def test_admin_home_page_names_the_rates_missing_this_half_year(client, admin_user):
    client.force_login(admin_user)
    with time_machine.travel(NOV_2026, tick=False):
        page = client.get("/admin/").content.decode()
    assert "Taux de l&#x27;intérêt légal manquant pour le 2e semestre 2026" in page
    assert "Taux BCE de refinancement manquant pour le 2e semestre 2026" in page
    with time_machine.travel(MAY_2026, tick=False):
        page = client.get("/admin/").content.decode()
    assert "manquant" not in page
    assert "Dossiers de recouvrement" in page  # the stock index is still there


def test_admin_lists_and_edits_rates(client, admin_user):
    client.force_login(admin_user)
    listing = client.get("/admin/dossiers/legalinterestrate/")
    assert listing.status_code == 200
    assert "1er semestre 2026" in listing.content.decode()
    assert client.get("/admin/dossiers/ecbrate/").status_code == 200
    row = LegalInterestRate.objects.get(half_year_start=D(2019, 1, 1))
    response = client.post(
        f"/admin/dossiers/legalinterestrate/{row.pk}/change/",
        {
            "half_year_start": "2019-01-01",
            "half_year_end": "2019-06-30",
            "consumer_creditor_percent": "3.40",
            "other_creditor_percent": "0.86",
            "source": "arrêté du 21/12/2018, JORF du 30/12/2018",
            "verified": "official",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.verified == "official"
    assert row.history.latest().history_user == admin_user


def test_admin_refuses_a_half_year_that_does_not_start_on_1_january_or_1_july(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/dossiers/legalinterestrate/add/",
        {
            "half_year_start": "2026-08-01",
            "half_year_end": "2026-12-31",
            "consumer_creditor_percent": "6.50",
            "other_creditor_percent": "2.40",
            "source": "x",
            "verified": "check",
        },
    )
    assert response.status_code == 200
    assert "Un semestre commence le 1er janvier ou le 1er juillet." in response.content.decode()


def test_add_rate_help_is_readable(capsys):
    """``add_rate --help`` prints its French help (a bare % in a help text used to crash it)."""
    with pytest.raises(SystemExit) as exit_:
        call_command("add_rate", "--help")
    assert exit_.value.code == 0
    assert "Taux créancier particulier en % (legal)" in capsys.readouterr().out


def test_missing_rates_from_three_facts_say_what_the_table_says():
    """The dashboard's reading (``missing_from_facts``) gives the messages of
    ``RateTable.missing_for`` (C. mon. fin. L313-2; C. com. L441-10 II: ECB rate in force on
    1 July)."""
    from legal.rates import EcbRate as Ecb
    from legal.rates import LegalRate, RateTable, missing_from_facts

    h2 = HalfYear(2026, 2)
    cases = [
        (RateTable(), {"legal_known": False, "ecb_on_or_after": False, "ecb_on_or_before": False}),
        (
            RateTable(legal=[LegalRate(D(2026, 7, 1), Decimal("6.5"), Decimal("2.4"))]),
            {"legal_known": True, "ecb_on_or_after": False, "ecb_on_or_before": False},
        ),
        (
            RateTable(ecb=[Ecb(D(2025, 6, 11), Decimal("2.15")), Ecb(D(2026, 7, 1), Decimal(2))]),
            {"legal_known": False, "ecb_on_or_after": True, "ecb_on_or_before": True},
        ),
        (
            RateTable(ecb=[Ecb(D(2026, 9, 1), Decimal("2"))]),
            {"legal_known": False, "ecb_on_or_after": True, "ecb_on_or_before": False},
        ),
    ]
    for table, facts in cases:
        assert missing_from_facts(h2, **facts) == table.missing_for(h2), facts
