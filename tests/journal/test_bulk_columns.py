"""``journal.bulk.journaled_insert`` sends a column of plain values as one joined text
(``string_to_array``): every value comes back as given — empty texts, None, a text holding the
separator, a single row, decimals and dates — with its history row (#20)."""

import datetime
from decimal import Decimal

import pytest

from dossiers.models import Debtor, DebtorContact
from journal.bulk import journaled_insert
from tests.factories import ClaimFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "names",
    [
        ["Alpha", "", "Gamma"],
        [""],
        ["Un seul"],
        ["Sépara\x1eteur", "Nul\x1f", "Bêta « guillemets » \\ ; ,", '"{a,b}"'],
        ["", ""],
    ],
)
def test_texts_come_back_as_given_with_their_history(names):
    rows = [{"kind": "consumer", "name": name, "city": "Lyon"} for name in names]
    pks = journaled_insert(Debtor, rows, reasons=["essai"] * len(rows), actor=None)
    assert [Debtor.objects.get(pk=pk).name for pk in pks] == names
    history = Debtor.history.filter(id__in=pks)
    assert sorted(history.values_list("name", "history_change_reason")) == sorted(
        (name, "essai") for name in names
    )


@pytest.mark.django_db
def test_none_decimals_dates_and_keys_come_back_as_given():
    claim = ClaimFactory()
    debtor = claim.dossier.debtor
    rows = [
        {"debtor_id": debtor.pk, "role": "billing", "email": "a@b.fr", "phone": ""},
        {"debtor_id": debtor.pk, "role": "billing", "email": "", "phone": "0102030405"},
    ]
    pks = journaled_insert(DebtorContact, rows, reasons=["r1", "r2"], actor=None)
    assert list(
        DebtorContact.objects.filter(pk__in=pks).order_by("pk").values_list("email", "phone")
    ) == [
        ("a@b.fr", ""),
        ("", "0102030405"),
    ]
    assert list(
        DebtorContact.history.filter(id__in=pks)
        .order_by("id")
        .values_list("history_change_reason", flat=True)
    ) == ["r1", "r2"]
    from dossiers.models import Claim

    values = [
        {
            "dossier_id": claim.dossier_id,
            "invoice_number": f"ESSAI-{n}",
            "issue_date": datetime.date(2026, 1, n),
            "due_date": datetime.date(2026, 2, n),
            "amount": amount,
            "outstanding": amount,
            "cancelled_on": None,
        }
        for n, amount in ((1, Decimal("1234.56")), (2, Decimal("0.01")), (3, Decimal("1E+2")))
    ]
    pks = journaled_insert(
        Claim, values, reasons=["essai"] * 3, actor=None, common={"creditor_id": claim.creditor_id}
    )
    saved = list(
        Claim.objects.filter(pk__in=pks)
        .order_by("pk")
        .values_list("invoice_number", "issue_date", "amount", "cancelled_on")
    )
    assert saved == [(v["invoice_number"], v["issue_date"], v["amount"], None) for v in values]


@pytest.mark.django_db
def test_rows_kept_as_they_were_are_journaled_as_rows_written():
    """``journaled_update_each(..., unchanged_kept=True)`` writes only the rows that change, and
    journals every row as ``unchanged_kept=False`` does: the same history rows, in order."""
    from dossiers.models import Dossier
    from journal.bulk import journaled_update_each

    dossiers = [ClaimFactory().dossier for _ in range(4)]
    pks = [d.pk for d in dossiers]

    def history():
        rows = Dossier.history.filter(id__in=pks, history_type="~").order_by("history_id")
        return list(rows.values_list("id", "reference_date", "next_action_at", "state",
                                     "history_change_reason"))  # fmt: skip

    def write(kept: bool, day: datetime.date) -> None:
        objs = list(Dossier.objects.filter(pk__in=pks).order_by("-pk"))
        for n, dossier in enumerate(objs):
            if n % 2:  # one in two moves; the others are saved as they are
                dossier.next_action_at = day
            dossier._change_reason = f"paiement reçu {n}"
        journaled_update_each(objs, ["reference_date", "next_action_at", "state"], actor=None,
                              unchanged_kept=kept)  # fmt: skip

    before = len(history())
    write(False, datetime.date(2026, 12, 1))
    written = history()[before:]
    write(True, datetime.date(2026, 12, 1))
    kept = history()[before + len(written) :]
    assert len(written) == 4
    assert [row[:4] for row in kept] == [row[:4] for row in written]
    assert [row[4] for row in kept] == [row[4] for row in written]
    write(True, datetime.date(2026, 12, 8))
    moved = history()[before + 2 * len(written) :]
    assert [row[2] for row in moved] == [
        datetime.date(2026, 12, 8) if n % 2 else row[2] for n, row in enumerate(kept)
    ]
    assert list(
        Dossier.objects.filter(pk__in=pks).order_by("-pk").values_list("next_action_at", flat=True)
    ) == [row[2] for row in moved]


@pytest.mark.django_db
@pytest.mark.parametrize("kept", [False, True])
def test_rows_are_written_in_key_order_and_journaled_in_the_caller_s(kept):
    """``journaled_update_each`` writes its rows in primary-key order (their pages and index
    entries in one sweep, not at random: the claims a statement pays, in the file's order), and
    journals each at its place in the caller's list, with its reason."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dossiers.models import Claim
    from journal.bulk import journaled_update_each

    claims = sorted((ClaimFactory() for _ in range(5)), key=lambda c: -c.pk)
    for n, claim in enumerate(claims):
        claim.outstanding -= Decimal(n + 1)
        claim._change_reason = f"paiement {n}"
    with CaptureQueriesContext(connection) as queries:
        journaled_update_each(claims, ["outstanding"], actor=None, unchanged_kept=kept)
    (update,) = [q["sql"] for q in queries if 'UPDATE "dossiers_claim"' in q["sql"]]
    written = [int(pk) for pk in update.split("string_to_array('", 1)[1].split("'")[0].split(
        "\x1e")]  # fmt: skip
    assert written == sorted(c.pk for c in claims)
    history = Claim.history.filter(id__in=[c.pk for c in claims], history_type="~")
    assert list(history.order_by("history_id").values_list("id", "outstanding",
                                                           "history_change_reason")) == [
        (c.pk, c.outstanding, f"paiement {n}") for n, c in enumerate(claims)
    ]  # fmt: skip
