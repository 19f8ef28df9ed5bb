"""Amounts in French: the quick writing of many amounts is ``euros``'s, amount by amount."""

import numpy as np

from legal.formatting import euros, euros_rounded


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
