"""Reading bank statements: one sample per format, written from its specification, and bad
files refused with French errors naming the line or element."""

import datetime
from decimal import Decimal

import pytest

from imports.statements import parsers
from imports.statements.parsers import StatementError, parse
from imports.statements.parsers.cfonb import encoded_amount
from imports.statements.parsers.common import french_rib_to_iban
from tests.fixtures.statements import ACCOUNT, sample

DAY = datetime.date(2026, 11, 20)


def _credits(statement):
    return [t for t in statement.transactions if t.direction == parsers.CREDIT]


def test_camt053_statement():
    statement = parse(sample("camt053_releve.xml"))
    assert statement.format == parsers.CAMT053
    assert statement.accounts == [ACCOUNT]
    assert statement.opening_balance == Decimal("10000.00")
    assert statement.closing_balance == Decimal("12387.40")
    # The pending entry (<Sts>PDNG</Sts>) is not money on the account yet.
    assert len(statement.transactions) == 5
    first, second, third, fourth, fees = statement.transactions
    assert (first.amount, first.booked_on, first.kind) == (Decimal("1200.00"), DAY, "transfer")
    assert first.structured_reference == "RF64DOS202600001"
    assert first.counterparty_name == "BOULANGERIE MOREAU"  # camt.053.001.08: <Dbtr><Pty><Nm>
    assert first.counterparty_iban == "FR7610107001011234567890129"
    assert first.end_to_end_id == "E2E-MOREAU-1120"
    assert second.end_to_end_id == ""  # NOTPROVIDED
    assert second.remittance == "REGLEMENT FACT FC 2026 0107 MERCI"
    # A batch booking of 850,00 € is split by its transaction details.
    assert (third.amount, fourth.amount) == (Decimal("750.00"), Decimal("100.00"))
    assert (third.bank_reference, fourth.bank_reference) == ("ACS-0003-1", "ACS-0003-2")
    assert (fees.direction, fees.kind, fees.remittance) == (
        "debit",
        "fees",
        "FRAIS TENUE DE COMPTE",
    )
    assert sum(t.amount for t in _credits(statement)) - fees.amount == Decimal("2387.40")


def test_camt054_notification():
    statement = parse(sample("camt054_avis.xml"))
    assert statement.format == parsers.CAMT054
    first, second = statement.transactions
    # camt.054.001.02: <Dbtr><Nm> without <Pty>; <Sts> as plain text.
    assert first.counterparty_name == "GARAGE DU PORT"
    assert first.bank_reference == "ACS-0002"
    assert second.remittance == "Facture n° fc2026-0108 acompte"


def test_cfonb120_statement():
    statement = parse(sample("cfonb120_releve.txt"))
    assert statement.format == parsers.CFONB120
    # The account is given as bank, branch and number: the IBAN is rebuilt with its RIB key.
    assert statement.accounts == [ACCOUNT]
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("10000.00"),
        Decimal("11637.30"),
    )
    moreau, garage, other, fees = statement.transactions
    assert (moreau.line, moreau.amount, moreau.direction) == (2, Decimal("1200.00"), "credit")
    assert moreau.counterparty_name == "BOULANGERIE MOREAU"  # 05 record, qualifier NPY
    assert "RF64 DOS2 0260 0001" in moreau.remittance  # 05 record, qualifier LIB
    assert moreau.bank_reference == "0000101/E2EMOREAU1120"
    assert garage.bank_reference == "0000102"
    assert other.amount == Decimal("99.90")
    assert (fees.amount, fees.direction, fees.kind) == (Decimal("12.60"), "debit", "fees")


def test_cfonb_without_line_breaks_reads_the_same():
    content = sample("cfonb120_releve.txt").replace(b"\r\n", b"")
    assert len(parse(content).transactions) == 4


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("0000000012000{", (Decimal("1200.00"), True)),
        ("0000000000999{", (Decimal("99.90"), True)),
        ("0000000001234D", (Decimal("123.44"), True)),
        ("0000000000126}", (Decimal("12.60"), False)),
        ("0000000000126J", (Decimal("12.61"), False)),
        ("0000000000126R", (Decimal("12.69"), False)),
    ],
)
def test_cfonb_encoded_last_digit(field, expected):
    assert encoded_amount(field, 2) == expected


def test_rib_to_iban():
    assert french_rib_to_iban("30006", "00001", "12345678901") == ACCOUNT


def test_mt940_statement():
    statement = parse(sample("mt940_releve.sta"))
    assert statement.format == parsers.MT940
    assert statement.accounts == [ACCOUNT]
    assert statement.statement_id == "MT940-261120"
    moreau, garage, other, fees = statement.transactions
    assert (moreau.amount, moreau.booked_on, moreau.bank_reference) == (
        Decimal("1200.00"),
        DAY,
        "ACS-0001",
    )
    # The :86: field runs over three lines; SEPA keywords give the name, IBAN and reference.
    assert moreau.counterparty_name == "BOULANGERIE MOREAU"
    assert moreau.counterparty_iban == "FR7610107001011234567890129"
    assert moreau.structured_reference == "RF64DOS202600001"
    assert garage.remittance == "REGLEMENT FACT FC 2026 0107 MERCI"
    assert other.amount == Decimal("99.90")
    assert (fees.direction, fees.kind) == ("debit", "fees")


def _errors(content: bytes) -> list[str]:
    with pytest.raises(StatementError) as caught:
        parse(content)
    return caught.value.messages


def test_camt_errors_name_the_element_and_line():
    content = sample("camt053_releve.xml").replace(
        b'<Amt Ccy="EUR">350.00</Amt>', b'<Amt Ccy="EUR">3x0</Amt>'
    )
    messages = _errors(content)
    assert any("élément <Amt>" in m and "montant illisible" in m for m in messages), messages
    assert any(m.startswith("ligne ") for m in messages)
    bad_indicator = sample("camt053_releve.xml").replace(
        b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>", b"<CdtDbtInd>XXXX</CdtDbtInd>\n        <Sts>"
    )
    assert any("CdtDbtInd" in m for m in _errors(bad_indicator))
    assert "XML mal formé" in _errors(b"<?xml version='1.0'?><Document><BkToCstmrStmt>")[0]


def test_camt_refuses_entities_and_dtds():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Document>&b;</Document>'
    )
    assert "DTD" in _errors(bomb)[0]
    external = b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://example.invalid/x.dtd"><Document/>'
    assert "DTD" in _errors(external)[0]


def test_camt_other_message_is_refused():
    content = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
        b"<CstmrCdtTrfInitn/></Document>"
    )
    assert "ni un relevé camt.053" in _errors(content)[0]


def test_cfonb_errors_name_the_line():
    lines = sample("cfonb120_releve.txt").split(b"\r\n")
    lines[4] = lines[4][:90] + b"00000000035X0{" + lines[4][104:]  # amount not digits
    lines[6] = lines[6] + b"TROP LONG"
    messages = _errors(b"\r\n".join(lines))
    assert any(m.startswith("Ligne 5 : montant") for m in messages), messages
    assert any(m.startswith("Ligne 7 : 129 caractères") for m in messages), messages
    orphan = _errors(lines[2] + b"\r\n")
    assert any("Ligne 1 : complément (05) sans mouvement" in m for m in orphan), orphan


def test_mt940_errors_name_the_line():
    content = sample("mt940_releve.sta").replace(b":61:2611201120C350,00", b":61:26112X1120C350,00")
    messages = _errors(content)
    assert any(m.startswith("Ligne 10 : mouvement :61: illisible") for m in messages), messages


def test_size_cap(settings, monkeypatch):
    from imports.statements.parsers import common

    monkeypatch.setattr(common, "MAX_BYTES", 1000)
    assert "trop volumineux" in _errors(sample("camt053_releve.xml"))[0]
    assert "vide" in _errors(b"  \n")[0]


def test_unknown_format():
    assert "non reconnu" in _errors(b"Date;Montant\n20/11/2026;12,00\n")[0]
