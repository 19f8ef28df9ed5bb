"""A large statement is matched with its lookups made in bulk (issue #24, item 6): the matches
are exactly those of a line-by-line reading, a line sees what the lines before it changed (a
dossier paid, an IBAN learned), and the lines are written in a few statements."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers.models import Payment
from imports.statements import services
from imports.statements.matching import Matcher, iban_hash
from imports.statements.models import BankTransaction, KnownIban
from recouvrement.checks import clean_fields_once
from tests.factories import ClaimFactory, DebtorFactory
from tests.fixtures.statements import CAVE_IBAN
from tests.fixtures.statements import camt_entry as _entry
from tests.fixtures.statements import camt_file as _camt

pytestmark = pytest.mark.django_db
Status = BankTransaction.Status
GARAGE_IBAN = "FR7617569000301234567890168"
UNKNOWN_IBAN = "FR1420041010050500013M02606"

# (amount, remittance, payer's IBAN): every rule and its variants.
MIXED = [
    ("1200.00", "RF64 DOS2 0260 0001", ""),  # RF, the whole balance
    ("100.00", "RF64DOS202600001 acompte", ""),  # RF, part of it
    ("350.00", "REGLEMENT FACT FC 2026 0107 MERCI", ""),  # invoice, its balance
    ("200.00", "Facture FC-2026-0108", ""),  # invoice, part of it
    ("1250.00", "FACTURES FC-2026-0107 FC-2026-0108", ""),  # two invoices, their balance
    ("400.00", "Facture 20260042", ""),  # invoice read without its prefix
    ("500.00", "FA-2026-0041 et F-0300", ""),  # invoices of two dossiers
    ("500.00", "VIREMENT", CAVE_IBAN),  # known IBAN, one invoice
    ("750.00", "VIREMENT", CAVE_IBAN),  # known IBAN, the oldest invoices
    ("12.00", "VIREMENT", CAVE_IBAN),  # known IBAN, no invoice's amount
    ("99.99", "CADEAU", UNKNOWN_IBAN),  # nothing
    ("60.00", "RF18 5390 0754 7034", ""),  # a valid RF reference of no dossier
]


def _decision(found):
    return (found.rule, found.confidence, getattr(found.dossier, "pk", None), found.invoices,
            found.reason)  # fmt: skip


def test_prefetched_matching_gives_the_line_by_line_matches(
    statement_world, django_assert_num_queries
):
    creditor = statement_world.creditor
    lines = [
        {"amount": Decimal(a), "remittance": text, "structured": "", "iban": iban}
        for a, text, iban in MIXED
    ]
    one_by_one = [_decision(Matcher(creditor).match(**line)) for line in lines]
    assert {d[0] for d in one_by_one} == {"rf", "invoice", "iban", ""}
    assert len({d[1] for d in one_by_one}) >= 7  # every confidence level of the rules

    matcher = Matcher(creditor)
    with django_assert_num_queries(6):  # the statement's lookups, whatever its length
        matcher.prefetch((line["remittance"], line["structured"], line["iban"]) for line in lines)
    with django_assert_num_queries(0):
        in_bulk = [_decision(matcher.match(**line)) for line in lines]
    assert in_bulk == one_by_one


def test_a_line_sees_what_the_lines_before_it_changed(statement_world, controller):
    """Paid by a first line, a dossier is read again for the next ones (closed: proposed at
    60 %); an IBAN learned from a certain line finds its debtor for a later line of the file."""
    content = _camt(
        _entry("1200.00", "B1", text="RF64 DOS2 0260 0001")
        + _entry("80.00", "B2", text="RF64DOS202600001")  # the dossier is now paid and closed
        + _entry("350.00", "B3", text="REGLEMENT FC-2026-0107", iban=GARAGE_IBAN)
        + _entry("900.00", "B4", text="VIREMENT", iban=GARAGE_IBAN)  # learned by B3
    )
    services.statement_import(content=content, name="suite.xml", actor=controller)
    rows = {row.bank_reference: row for row in BankTransaction.objects.all()}
    assert rows["B1"].status == Status.POSTED
    assert (rows["B2"].status, rows["B2"].confidence) == (Status.PROPOSED, 60)
    assert "dossier est clos" in rows["B2"].reason
    assert (rows["B3"].status, rows["B3"].rule) == (Status.POSTED, "invoice")
    b4 = rows["B4"]
    assert (b4.status, b4.rule, b4.confidence, b4.dossier) == (
        Status.PROPOSED,
        "iban",
        80,
        statement_world.garage,
    )
    assert b4.invoices == ["FC-2026-0108"]
    learned = KnownIban.objects.get(iban_hash=iban_hash(GARAGE_IBAN))
    assert (learned.debtor, learned.learned_from) == (statement_world.garage.debtor, rows["B3"])
    # Written in the file's order, each with its history row and reason.
    assert [r.bank_reference for r in BankTransaction.objects.order_by("pk")] == [
        "B1", "B2", "B3", "B4"
    ]  # fmt: skip
    history = b4.history.get()
    assert history.history_user == controller
    assert "suite.xml, ligne" in history.history_change_reason


def _waiting_statement(lines: int) -> bytes:
    """``lines`` credits for a person: part payments of invoices, known IBANs, unknown payers."""
    entries = []
    for n in range(lines):
        if n % 3 == 0:
            entries.append(
                _entry(f"{10 + n}.00", f"W{lines}-{n}", text=f"Facture FC-2026-0108 {n}")
            )
        elif n % 3 == 1:
            entries.append(_entry(f"{10 + n}.00", f"W{lines}-{n}", text="VIREMENT", iban=CAVE_IBAN))
        else:
            entries.append(_entry(f"{10 + n}.00", f"W{lines}-{n}", text="DON", iban=UNKNOWN_IBAN))
    return _camt("".join(entries))


def test_lines_waiting_for_a_person_cost_no_queries_each(statement_world, controller):
    counts = []
    for n, lines in enumerate((3, 30)):
        with CaptureQueriesContext(connection) as queries:
            result = services.statement_import(
                content=_waiting_statement(lines), name=f"attente{n}.xml", actor=controller
            )
        assert result.statement.summary["lines"] == lines
        assert result.statement.summary.get("posted", 0) == 0
        counts.append(len(queries))
    assert counts[1] == counts[0]
    assert BankTransaction.objects.filter(status=Status.PROPOSED).count() == 2 * 11


def test_many_dossiers_are_matched_alike_in_bulk(statement_world):
    """More dossiers than a page: RF references, invoice numbers and IBANs of forty debtors."""
    creditor = statement_world.creditor
    lines = []
    due = datetime.date(2026, 9, 1)
    for n in range(40):
        debtor = DebtorFactory()
        claim = ClaimFactory(
            creditor=creditor,
            debtor=debtor,
            invoice_number=f"BX-{n:04d}",
            amount=Decimal(100 + n),
            issue_date=due,
            due_date=due,
        )
        iban = f"FR76300040000100000000{n:05d}"
        KnownIban.objects.create(debtor=debtor, iban_hash=iban_hash(iban), learned_on=due)
        from legal.references import dossier_rf_reference

        rf = dossier_rf_reference(claim.dossier.reference)
        text = (rf, f"FACT BX {n:04d}", "VIREMENT", f"BX{n:04d} reste")[n % 4]
        lines.append({"amount": Decimal(100 + n - (n % 4 == 3)), "remittance": text,
                      "structured": "", "iban": iban})  # fmt: skip
    one_by_one = [_decision(Matcher(creditor).match(**line)) for line in lines]
    matcher = Matcher(creditor)
    matcher.prefetch((line["remittance"], line["structured"], line["iban"]) for line in lines)
    assert [_decision(matcher.match(**line)) for line in lines] == one_by_one
    assert [d[1] for d in one_by_one[:4]] == [100, 95, 80, 75]


def test_a_line_s_fields_are_checked_as_full_clean_checks_them():
    """The values checked by their shape alone (``recouvrement.checks``: a text's length, an
    integer's range, a decimal's digits, a date's or a time's type) are refused as
    ``full_clean`` refuses them; a value found valid once is not checked again."""
    exclude = services._Pending.EXCLUDE

    def line(**fields):
        values = {
            "line": 1, "key": "k" * 64, "account": "FR7630006000011234567890189",
            "booked_on": datetime.date(2026, 11, 23), "amount": Decimal("10.00"),
            "direction": "credit", "kind": "transfer", "status": "unmatched",
            "reason": "Non rapproché",
        }  # fmt: skip
        return BankTransaction(**{**values, **fields})

    valid: set = set()
    services._clean_fields(line(bank_reference="R" * 100), exclude, valid)
    services._clean_fields(line(line=2_147_483_647, amount=Decimal("999999999999.99")), exclude,
                           valid)  # fmt: skip
    services._clean_fields(line(handled_at=timezone.now(), confidence=100), exclude, valid)
    for bad, field in (
        (line(bank_reference="R" * 101), "bank_reference"),
        (line(key="k" * 65), "key"),
        (line(status="lost"), "status"),
        (line(key=""), "key"),
        (line(line=-1), "line"),
        (line(line=2_147_483_648), "line"),
        (line(line="douze"), "line"),
        (line(amount=Decimal("10.001")), "amount"),
        (line(amount=Decimal("10.500")), "amount"),
        (line(amount=Decimal("1000000000000.00")), "amount"),
        (line(amount=Decimal("NaN")), "amount"),
        (line(amount="dix"), "amount"),
        (line(booked_on="23/11/2026"), "booked_on"),
        (line(handled_at="hier"), "handled_at"),
        (line(confidence=32768), "confidence"),
    ):
        with pytest.raises(ValidationError) as raised:
            services._clean_fields(bad, exclude, valid)
        assert field in raised.value.message_dict
        with pytest.raises(ValidationError) as by_django:
            bad.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        assert raised.value.message_dict[field] == by_django.value.message_dict[field]


def test_a_payment_s_fields_are_checked_as_full_clean_checks_them():
    """``payments_record_many`` checks each payment's fields once per value or shape: the same
    refusals as ``full_clean``."""
    exclude = ("dossier", "recorded_by")

    def payment(**fields):
        values = {"dossier_id": 1, "kind": "payment", "amount": Decimal("10.00"),
                  "received_on": datetime.date(2026, 11, 23), "method": "transfer",
                  "reference": "VIR 1"}  # fmt: skip
        return Payment(**{**values, **fields})

    valid: set = set()
    clean_fields_once(payment(amount=Decimal("1.50")), exclude=exclude, valid=valid)
    for bad, field in (
        (payment(amount=Decimal("1.505")), "amount"),
        (payment(amount=Decimal("10000000000.00")), "amount"),
        (payment(method="troc"), "method"),
        (payment(reference="R" * 101), "reference"),
        (payment(received_on=None), "received_on"),
    ):
        with pytest.raises(ValidationError) as raised:
            clean_fields_once(bad, exclude=exclude, valid=valid)
        with pytest.raises(ValidationError) as by_django:
            bad.full_clean(exclude=list(exclude), validate_constraints=False)
        assert raised.value.message_dict == by_django.value.message_dict, field


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL lookup: PostgreSQL")
def test_each_candidate_number_is_looked_up_on_its_own(statement_world):
    """The invoice numbers a statement's texts may cite are looked up one by one (a join of
    the candidates, each the key of a lookup among the claims: at scale, in the claims' two
    expression indexes, migration ``imports 0006``), not by computing both keys of every claim
    of the creditor and comparing them with the whole list: written as ``key = ANY(array)``,
    PostgreSQL read the creditor's 1,000,000 claims for 270,000 candidates (4 s against 1 s)."""
    matcher = Matcher(statement_world.creditor)
    with CaptureQueriesContext(connection) as queries:
        matcher.prefetch([("REGLEMENT FACT FC 2026 0107 MERCI", "", "")])
    lookup = next(q["sql"] for q in queries if "invoice_number" in q["sql"] and "UNION" in q["sql"])
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {lookup}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Each key compared with one candidate (``w.key``), once for the compact numbers and once
    # for the numbers without prefix, inside a loop over the candidates.
    assert len(re.findall(r" = w(?:_\d+)?\.key\)", plan)) == 2, plan
    assert plan.count("Function Scan on unnest w") == 2, plan
    assert "ANY" not in plan, plan
    assert matcher.match(
        amount=Decimal("350.00"), remittance="REGLEMENT FACT FC 2026 0107 MERCI", structured="",
        iban="",
    ).invoices == ["FC-2026-0107"]  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL lookup: PostgreSQL")
def test_a_text_matched_by_its_rf_reference_is_not_searched_for_invoice_numbers(statement_world):
    """A credit whose RF reference names a dossier is matched by it: the invoice numbers its
    text might cite are not looked up (a third of a day's statement). A valid RF reference of
    no dossier leaves its text to the invoice rule, looked up as before; the matches are those
    of a line-by-line reading."""
    creditor = statement_world.creditor
    lines = [
        {"amount": Decimal("1200.00"), "remittance": "RF64 DOS2 0260 0001 FC-2026-0107",
         "structured": "", "iban": ""},
        {"amount": Decimal("200.00"), "remittance": "RF18 5390 0754 7034 FC-2026-0108",
         "structured": "", "iban": ""},
    ]  # fmt: skip
    matcher = Matcher(creditor)
    with CaptureQueriesContext(connection) as queries:
        matcher.prefetch((line["remittance"], line["structured"], line["iban"]) for line in lines)
    (lookup,) = [q["sql"] for q in queries if "invoice_number" in q["sql"] and "UNION" in q["sql"]]
    assert "FC20260108" in lookup
    assert "FC20260107" not in lookup
    found = [_decision(matcher.match(**line)) for line in lines]
    assert found == [_decision(Matcher(creditor).match(**line)) for line in lines]
    assert [f[:2] for f in found] == [("rf", 100), ("invoice", 75)]
