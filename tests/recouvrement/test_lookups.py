"""``AnyOf`` selects the rows ``__in`` selects, whether its values go as one text split by the
database (integers, texts) or as the driver's array (a text holding the separator, an empty
text, no value at all)."""

import pytest
from django.db import connection

from dossiers.models import Claim
from recouvrement.lookups import AnyOf
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_any_of_selects_what_in_selects_whatever_its_values():
    claims = [ClaimFactory(invoice_number=n) for n in ("FA-1", "FA 2", "FA\x1e3", "É-4")]
    numbers = [c.invoice_number for c in claims]
    cases = [
        ("pk", [c.pk for c in claims[:3]]),
        ("pk", [claims[0].pk]),
        ("pk", []),
        ("invoice_number", numbers[:2]),
        ("invoice_number", [numbers[3], "absent"]),
        ("invoice_number", numbers),  # one holds the separator: the driver's array
        ("invoice_number", ["", numbers[0]]),  # an empty text: the driver's array
    ]
    for field, values in cases:
        expected = set(Claim.objects.filter(**{f"{field}__in": values}).values_list("pk"))
        assert set(Claim.objects.filter(AnyOf(field, values)).values_list("pk")) == expected


def test_integers_and_plain_texts_go_as_one_text_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    sql = str(Claim.objects.filter(AnyOf("pk", [1, 2, 3])).query)
    assert "string_to_array" in sql
    sql = str(Claim.objects.filter(AnyOf("invoice_number", ["A\x1eB"])).query)
    assert "string_to_array" not in sql
