"""ISO 11649 RF creditor references, on worked examples."""

import pytest

from legal.references import (
    dossier_rf_reference,
    rf_check_digits,
    rf_is_valid,
    rf_printed,
    rf_reference,
    rf_references_in,
)


def test_the_standard_s_worked_example():
    # ISO 11649's example: reference 539007547034 → RF18 5390 0754 7034.
    assert rf_check_digits("539007547034") == "18"
    assert rf_reference("539007547034") == "RF18539007547034"
    assert rf_printed("RF18539007547034") == "RF18 5390 0754 7034"
    # Leading zeros do not change the check digits.
    assert rf_reference("000000000539007547034") == "RF18000000000539007547034"


def test_letters_count_as_numbers_a_10_to_z_35():
    # DOS202600001 + RF00 → 13 28 ... : 98 - n mod 97 = 64, checked by the validation rule.
    assert dossier_rf_reference("DOS-2026-00001") == "RF64DOS202600001"
    assert rf_is_valid("RF64DOS202600001")
    assert rf_is_valid("rf64 dos2 0260 0001")  # as typed by a debtor


@pytest.mark.parametrize(
    "wrong",
    ["RF19539007547034", "RF18539007547035", "RF1853900754703", "XX18539007547034", "RF18", ""],
)
def test_a_wrong_digit_or_shape_is_refused(wrong):
    assert not rf_is_valid(wrong)


def test_base_of_1_to_21_characters():
    with pytest.raises(ValueError):
        rf_reference("")
    with pytest.raises(ValueError):
        rf_reference("1" * 22)
    assert rf_is_valid(rf_reference("A" * 21))


def test_references_are_found_in_free_text_with_spaces():
    text = "VIR SEPA BOULANGERIE REF RF18 5390 0754 7034 MERCI"
    assert rf_references_in(text)[0] in ("RF18539007547034", "RF18539007547034M")
    assert "RF18539007547034" in rf_references_in(text)
    assert rf_references_in("reference RF19 5390 0754 7034") == []
