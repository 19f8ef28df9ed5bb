"""Amounts in French: the quick writing of many amounts is ``euros``'s, amount by amount."""

from decimal import Decimal

import numpy as np
from django.utils import translation

from legal.formatting import euros, euros_rounded, euros_writer


def test_many_amounts_are_written_as_euros_writes_each():
    rng = np.random.default_rng(1)
    amounts = [
        *(rng.random(3000) * 10.0 ** rng.integers(-3, 12, 3000)).tolist(),
        *(rng.integers(0, 10**6, 500) / 100).tolist(),
        0.0, -0.0, 0.004, 0.005, 1.005, 2.675, 999.995, 1000.0, 1234.5, 1234567.891,
        -12.5, 1e16, 1.5e17, 1e-7,
    ]  # fmt: skip
    assert euros_rounded(amounts) == [euros(round(amount, 2)) for amount in amounts]
    assert euros_rounded([1234567.891]) == ["1\xa0234\xa0567,89 €"]


def test_a_statement_writes_its_decimal_amounts_as_euros_writes_each():
    rng = np.random.default_rng(2)
    amounts = [
        *(Decimal(int(n)).scaleb(-int(e)) for n, e in zip(
            rng.integers(-10**9, 10**12, 3000), rng.integers(0, 5, 3000), strict=True)),
        Decimal("0"), Decimal("-0.00"), Decimal("0.004"), Decimal("-0.009"), Decimal("0.01"),
        Decimal("-0.01"), Decimal("1.005"), Decimal("1E+3"), Decimal("12.5"), Decimal("999.999"),
        Decimal("1234567.891"), Decimal("-1234.50"), Decimal("1E+250"), Decimal("1E-250"),
        None, 0, 1234, -5,
    ]  # fmt: skip
    for language in ("fr", "en"):
        with translation.override(language):
            write = euros_writer()
            assert [write(a) for a in amounts] == [euros(a) for a in amounts], language
    with translation.override("fr"):
        assert euros_writer()(Decimal("1234567.891")) == "1\xa0234\xa0567,89 €"
        assert euros_writer()(Decimal("-0.50")) == "-0,50 €"
