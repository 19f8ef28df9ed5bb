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
