"""Statements imported and matched: certain lines become payments at once (through
``payment_record``), the others wait in the queue with their reason; the same file or the same
transaction twice creates nothing; a bad file writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dossiers import scoping
from dossiers.models import Claim, Dossier, DossierState, Payment
from imports.statements import services
from imports.statements.matching import Matcher, candidates_in, iban_hash, invoice_core
from imports.statements.models import BankStatement, BankTransaction, KnownIban
from journal.journaled import journaled_save
from relances.models import CadenceStep, Reminder
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory
from tests.fixtures.statements import camt_entry as _entry
from tests.fixtures.statements import camt_file as _camt
from tests.fixtures.statements import sample

pytestmark = pytest.mark.django_db
Status = BankTransaction.Status


def _import(name, user, **kwargs):
    return services.statement_import(content=sample(name), name=name, actor=user, **kwargs)


def _line(amount, statement=None):
    rows = BankTransaction.objects.filter(amount=Decimal(amount))
    if statement is not None:
        rows = rows.filter(statement=statement)
    return rows.get()


def test_camt053_certain_lines_post_payments_the_others_wait(statement_world, controller):
    world = statement_world
    result = _import("camt053_releve.xml", controller)
    assert result.created
    statement = result.statement
    assert statement.creditor == world.creditor  # found by its account
    assert statement.summary == {
        "lines": 5,
        "posted": 2,
        "proposed": 1,
        "unmatched": 1,
        "ignored": 1,
    }

    # RF reference: certain, posted, the dossier cleared and closed as paid.
    rf = _line("1200.00")
    assert (rf.status, rf.rule, rf.confidence, rf.dossier) == (
        Status.POSTED,
        "rf",
        100,
        world.moreau,
    )
    assert "RF64DOS202600001" in rf.reason and "montant égal au reste dû" in rf.reason
    moreau = Dossier.objects.get(pk=world.moreau.pk)
    assert moreau.state == DossierState.PAID
    payment = rf.payment
    assert (payment.amount, payment.received_on, payment.reference) == (
        Decimal("1200.00"),
        datetime.date(2026, 11, 20),
        "ACS-0001",
    )
    assert payment.recorded_by == controller
    # Journaled with who and why.
    history = payment.history.first()
    assert history.history_user == controller
    assert "camt053_releve.xml, ligne 38" in history.history_change_reason

    # Invoice number in the text, spaced and prefixed: certain, on the oldest invoice.
    invoice = _line("350.00")
    assert (invoice.status, invoice.rule, invoice.confidence) == (Status.POSTED, "invoice", 95)
    assert invoice.invoices == ["FC-2026-0107"]
    assert Claim.objects.get(invoice_number="FC-2026-0107").outstanding == 0
    assert Claim.objects.get(invoice_number="FC-2026-0108").outstanding == Decimal("900.00")

    # Known IBAN and the two oldest invoices summing to the amount: proposed, not posted.
    iban = _line("750.00")
    assert (iban.status, iban.rule, iban.confidence, iban.dossier) == (
        Status.PROPOSED,
        "iban",
        75,
        world.cave,
    )
    assert iban.invoices == ["F-0300", "F-0301"]
    assert "IBAN …0162 déjà connu" in iban.reason and "les plus anciennes" in iban.reason
    assert iban.payment is None

    assert _line("100.00").status == Status.UNMATCHED
    fees = _line("12.60")
    assert (fees.status, fees.reason) == (
        Status.IGNORED,
        "Frais bancaires : sans rapport avec un dossier.",
    )
    # The payer's IBAN of a certain match is learned (hashed) for next time.
    learned = KnownIban.objects.get(debtor=world.moreau.debtor)
    assert learned.iban_hash == iban_hash("FR7610107001011234567890129")
    assert learned.iban_hint == "…0129"
    assert "FR76" not in learned.iban_hash


def test_the_same_file_twice_creates_nothing(statement_world, controller):
    first = _import("camt053_releve.xml", controller)
    counts = (
        BankStatement.objects.count(),
        BankTransaction.objects.count(),
        Payment.objects.count(),
    )
    again = _import("camt053_releve.xml", controller)
    assert not again.created and again.statement == first.statement
    assert counts == (
        BankStatement.objects.count(),
        BankTransaction.objects.count(),
        Payment.objects.count(),
    )


def test_the_same_transaction_in_two_files_creates_nothing(statement_world, controller):
    _import("camt053_releve.xml", controller)
    payments = Payment.objects.count()
    notification = _import("camt054_avis.xml", controller).statement
    # ACS-0002 (350,00 €) came in the statement already: only the 420,00 € line is new.
    assert notification.summary["known"] == 1
    assert BankTransaction.objects.filter(amount=Decimal("350.00")).count() == 1
    line = _line("420.00")
    # « Facture n° fc2026-0108 »: the invoice is found despite case and spacing, but the amount
    # is a part payment and an older invoice would be paid first: proposed.
    assert (line.status, line.rule, line.confidence) == (Status.PROPOSED, "invoice", 75)
    assert line.invoices == ["FC-2026-0108"]
    assert "diffère de leur reste dû" in line.reason
    assert Payment.objects.count() == payments


@pytest.mark.parametrize("name", ["cfonb120_releve.txt", "mt940_releve.sta"])
def test_cfonb_and_mt940_match_like_camt(statement_world, controller, name):
    _import(name, controller)
    assert _line("1200.00").status == Status.POSTED
    assert _line("1200.00").rule == "rf"  # CFONB: RF reference read in the free text
    assert _line("350.00").status == Status.POSTED
    assert _line("99.90").status == Status.UNMATCHED
    assert _line("12.60").status == Status.IGNORED


def test_a_bad_file_writes_nothing(statement_world, controller):
    content = sample("camt053_releve.xml").replace(b">350.00<", b">3x0<")
    with pytest.raises(ValidationError) as caught:
        services.statement_import(content=content, name="faux.xml", actor=controller)
    assert "montant illisible" in caught.value.messages[0]
    assert not BankStatement.objects.exists() and not BankTransaction.objects.exists()
    assert not Payment.objects.exists()


def test_another_creditor_s_account_is_refused(statement_world, controller):
    other = CreditorFactory()
    with pytest.raises(ValidationError, match="n'est pas celui du créancier"):
        _import("camt053_releve.xml", controller, creditor=other)
    assert not BankStatement.objects.exists()


def test_an_approved_reminder_is_cancelled_when_the_statement_pays_the_invoices(
    statement_world, controller, manager
):
    """The worst reminder is the one sent for an invoice paid yesterday."""
    dossier = statement_world.moreau
    step = CadenceStep.objects.order_by("pk")[1]
    reminder = Reminder.objects.create(
        dossier=dossier,
        step=step,
        cycle=dossier.cycle,
        channel=step.channel,
        scheduled_for=timezone.localdate() + datetime.timedelta(days=1),
        approved_by=manager,
        approved_at=timezone.now(),
    )
    _import("camt053_releve.xml", controller)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert "dossier soldé" in reminder.note
    # A dossier only partly paid keeps its cadence.
    assert Dossier.objects.get(pk=statement_world.garage.pk).state != DossierState.PAID


def test_a_reminder_approved_before_the_statement_never_goes_out(
    statement_world, controller, manager, mailoutbox
):
    """Approved on Monday for Tuesday; the statement arrives Monday night with the payment:
    when the sending runs, the reminder is cancelled, nothing is sent, nothing is kept as sent."""
    from courriers.delivery import reminder_deliver
    from courriers.models import SentMessage

    dossier = statement_world.moreau
    step = CadenceStep.objects.filter(channel="email").order_by("pk").first()
    reminder = Reminder.objects.create(
        dossier=dossier,
        step=step,
        cycle=dossier.cycle,
        channel=step.channel,
        scheduled_for=timezone.localdate(),
        approved_by=manager,
        approved_at=timezone.now(),
    )
    _import("camt053_releve.xml", controller)
    assert reminder_deliver(reminder_id=reminder.pk) is False
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert [m.subject for m in mailoutbox if "Relance" in m.subject] == []
    assert not SentMessage.objects.filter(reminder=reminder).exists()


def test_a_person_confirms_assigns_or_sets_aside(statement_world, controller, manager):
    world = statement_world
    world.creditor.managers.add(manager)  # the person who confirms is in charge
    _import("camt053_releve.xml", controller)
    proposed = _line("750.00")
    services.transaction_confirm(row=proposed, actor=manager)
    proposed.refresh_from_db()
    assert proposed.status == Status.POSTED and proposed.handled_by == manager
    assert Dossier.objects.get(pk=world.cave.pk).state == DossierState.PAID
    with pytest.raises(ValidationError, match="déjà été traitée"):
        services.transaction_confirm(row=proposed, actor=manager)

    unmatched = _line("100.00")
    with pytest.raises(ValidationError, match="motif"):
        services.transaction_assign(row=unmatched, dossier=world.garage, actor=manager, reason="")
    services.transaction_assign(
        row=unmatched, dossier=world.garage, actor=manager, reason="appel du gérant : son fils"
    )
    unmatched.refresh_from_db()
    assert (unmatched.status, unmatched.rule, unmatched.dossier) == (
        Status.POSTED,
        "manual",
        world.garage,
    )
    assert "appel du gérant" in unmatched.payment.history.first().history_change_reason
    # That payer's IBAN is now known for the garage's debtor.
    assert KnownIban.objects.filter(debtor=world.garage.debtor).exists()

    other = CreditorFactory()
    foreign = ClaimFactory(creditor=other).dossier
    _import("camt054_avis.xml", controller)
    line = _line("420.00")
    with pytest.raises(ValidationError, match="créancier du relevé"):
        services.transaction_assign(row=line, dossier=foreign, actor=manager, reason="erreur")
    services.transaction_ignore(row=line, actor=manager, reason="remboursé au client")
    line.refresh_from_db()
    assert line.status == Status.IGNORED and line.reason == "Écartée : remboursé au client"


def test_invoice_numbers_are_found_whatever_the_spacing_and_prefix():
    assert invoice_core("FA-2026-0042") == "20260042"
    assert invoice_core("Facture 000123") == "123"
    for text in ["fa 2026 0042", "FA2026-0042", "Reglt FA-2026-0042 merci", "N° FA 2026/0042"]:
        assert "FA20260042" in candidates_in(text), text
    assert "20260042" in candidates_in("Facture n° 20260042")


def test_subset_of_invoices_summing_to_the_amount(db, controller):
    creditor = CreditorFactory()
    debtor = DebtorFactory()
    due = datetime.date(2026, 9, 1)
    for number, amount, days in [("A-1", "100.00", 0), ("A-2", "230.00", 10), ("A-3", "70.00", 20)]:
        ClaimFactory(
            creditor=creditor,
            debtor=debtor,
            invoice_number=number,
            amount=Decimal(amount),
            issue_date=due,
            due_date=due + datetime.timedelta(days=days),
        )
    iban = "FR7630003000401234567890162"
    KnownIban.objects.create(debtor=debtor, iban_hash=iban_hash(iban), learned_on=due)
    matcher = Matcher(creditor)
    one = matcher.match(amount=Decimal("230.00"), remittance="", structured="", iban=iban)
    assert (one.confidence, one.invoices) == (80, ["A-2"])
    both = matcher.match(amount=Decimal("170.00"), remittance="", structured="", iban=iban)
    assert (both.confidence, both.invoices) == (65, ["A-1", "A-3"])
    none = matcher.match(amount=Decimal("12.00"), remittance="", structured="", iban=iban)
    assert (none.confidence, none.invoices, none.certain) == (40, [], False)
    assert (
        matcher.match(amount=Decimal("12.00"), remittance="", structured="", iban="").dossier
        is None
    )


def test_a_manager_imports_only_for_the_creditors_in_their_charge(statement_world, manager):
    with pytest.raises(ValidationError, match="Aucun créancier n'a le compte"):
        services.statement_import(
            content=sample("camt053_releve.xml"),
            name="releve.xml",
            actor=manager,
            creditors=scoping.visible_creditors(manager),
        )
    assert not BankStatement.objects.exists()
    statement_world.creditor.managers.add(manager)
    result = services.statement_import(
        content=sample("camt053_releve.xml"),
        name="releve.xml",
        actor=manager,
        creditors=scoping.visible_creditors(manager),
    )
    assert result.created


def test_the_drop_folder(statement_world, tmp_path):
    from django.core.management import call_command

    (tmp_path / "releve.sta").write_bytes(sample("mt940_releve.sta"))
    (tmp_path / "faux.txt").write_bytes(b"0130006    00001EUR2 ABC")
    call_command("import_statements", str(tmp_path))
    assert (tmp_path / "traites" / "releve.sta").exists()
    assert (tmp_path / "erreurs" / "faux.txt").exists()
    assert "non reconnu" in (tmp_path / "erreurs" / "faux.txt.txt").read_text(encoding="utf-8")
    statement = BankStatement.objects.get()
    assert (statement.source, statement.summary["posted"]) == ("drop", 2)
    assert _line("1200.00").payment.history.first().history_user is None


def test_overpayment_and_closed_dossier_by_rf(statement_world, controller):
    content = _camt(
        _entry("1300.00", "R1", text="RF64 DOS2 0260 0001")  # 100 € more than due
        + _entry("80.00", "R2", text="RF64DOS202600001 encore")  # the dossier is now closed
    )
    services.statement_import(content=content, name="trop.xml", actor=controller)
    over = _line("1300.00")
    assert over.status == Status.POSTED
    assert "trop-perçu de 100,00" in over.reason.replace("\u202f", " ").replace("\xa0", " ")
    assert over.payment.amount == Decimal("1300.00")  # kept whole, the surplus to refund
    late = _line("80.00")
    assert (late.status, late.confidence) == (Status.PROPOSED, 60)
    assert "dossier est clos" in late.reason


def test_a_returned_direct_debit_reverses_its_payment(statement_world, controller):
    """A direct debit returned (camt UPDD, found by its end-to-end id): the payment is rejected,
    the invoice is owed again, the line closed as « Rejet appliqué », journaled."""
    paid = _camt(
        _entry(
            "350.00",
            "P1",
            family="RDDT",
            sub="ESDD",
            e2e="SDD-GARAGE-11",
            text="FC-2026-0107",
            iban="FR7617569000301234567890168",
        )
    )
    services.statement_import(content=paid, name="prelevement.xml", actor=controller)
    payment = _line("350.00").payment
    assert payment.method == Payment.Method.DIRECT_DEBIT
    assert Claim.objects.get(invoice_number="FC-2026-0107").outstanding == 0
    returned = _camt(
        _entry("350.00", "P2", debit=True, family="RDDT", sub="UPDD", e2e="SDD-GARAGE-11")
    )
    result = services.statement_import(content=returned, name="rejet.xml", actor=controller)
    row = BankTransaction.objects.get(bank_reference="P2")
    assert (row.status, row.kind, row.dossier, row.payment) == (
        Status.RETURNED,
        BankTransaction.Kind.RETURN,
        statement_world.garage,
        payment,
    )
    assert "Rejet de l'opération du 20/11/2026 (dossier DOS-2026-00002" in row.reason
    assert result.statement.summary["returned"] == 1
    payment.refresh_from_db()
    assert payment.reversed_on is not None and "rejet.xml" in payment.reversal_reason
    assert Claim.objects.get(invoice_number="FC-2026-0107").outstanding == Decimal("350.00")
    assert payment.history.first().history_user == controller


def test_a_returned_payment_that_cleared_the_dossier_reopens_it_at_its_stage(
    statement_world, controller
):
    dossier = Dossier.objects.get(pk=statement_world.moreau.pk)
    dossier.advance(DossierState.REMINDER_2)  # where the cadence had taken it
    journaled_save(dossier, actor=None, reason="cadence : relance 2", exclude=["state"])
    paid = _camt(_entry("1200.00", "Q1", e2e="VIR-MOREAU-1", text="RF64DOS202600001"))
    services.statement_import(content=paid, name="virement.xml", actor=controller)
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.PAID
    recalled = _camt(
        _entry("1200.00", "Q2", debit=True, family="RCDT", sub="RRTN", e2e="VIR-MOREAU-1")
    )
    services.statement_import(content=recalled, name="rappel.xml", actor=controller)
    reopened = Dossier.objects.get(pk=dossier.pk)
    assert (reopened.state, reopened.closed_on, reopened.purge_on) == (
        DossierState.REMINDER_2,
        None,
        None,
    )
    assert reopened.next_action_at is not None
    assert "dossier rouvert" in reopened.history.first().history_change_reason
    assert sum(c.outstanding for c in reopened.claims.all()) == Decimal("1200.00")


def test_a_return_found_by_iban_only_waits_for_a_person(statement_world, controller, manager):
    statement_world.creditor.managers.add(manager)  # the person who confirms is in charge
    iban = "FR7617569000301234567890168"
    paid = _camt(_entry("350.00", "I1", text="FC-2026-0107", iban=iban))
    services.statement_import(content=paid, name="v.xml", actor=controller)
    back = _camt(_entry("350.00", "I2", debit=True, sub="RRTN", iban=iban))
    services.statement_import(content=back, name="r.xml", actor=controller)
    row = BankTransaction.objects.get(bank_reference="I2")
    assert (row.status, row.dossier) == (Status.TO_REVIEW, statement_world.garage)
    assert "à confirmer pour annuler le paiement" in row.reason
    assert Claim.objects.get(invoice_number="FC-2026-0107").outstanding == 0
    services.transaction_confirm(row=row, actor=manager)
    row.refresh_from_db()
    assert row.status == Status.RETURNED
    assert Claim.objects.get(invoice_number="FC-2026-0107").outstanding == Decimal("350.00")
    with pytest.raises(ValidationError):
        services.transaction_confirm(row=row, actor=manager)  # handled once


def test_a_failure_while_writing_leaves_neither_rows_nor_file(
    statement_world, controller, monkeypatch, settings
):
    def broken(*args, **kwargs):
        raise ValidationError("panne simulée")

    monkeypatch.setattr(services, "payments_record_many", broken)  # the certain lines' payments
    with pytest.raises(ValidationError, match="panne simulée"):
        _import("camt053_releve.xml", controller)
    assert not BankStatement.objects.exists() and not BankTransaction.objects.exists()
    stored = settings.MEDIA_ROOT / "releves"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))


def test_prefetched_open_invoices_are_the_dossiers_open_claims_oldest_first(db, controller):
    """The matcher reads a dossier's open invoices as rows (``OpenInvoice``), prefetched for the
    statement or read again once a line changed the dossier: the same invoices, in the same
    order (due date, issue date, id), as ``Claim.objects.open().oldest_first()``; a paid or
    cancelled invoice is not among them; the same match either way."""
    creditor, debtor = CreditorFactory(), DebtorFactory()
    issued = datetime.date(2026, 8, 1)
    claims = [
        ClaimFactory(
            creditor=creditor, debtor=debtor, invoice_number=number, amount=Decimal(amount),
            issue_date=issued, due_date=issued + datetime.timedelta(days=days),
        )
        for number, amount, days in [("B-3", "70.00", 20), ("B-1", "100.00", 0),
                                     ("B-2", "230.00", 10), ("B-4", "15.00", 0)]
    ]  # fmt: skip
    dossier = Dossier.objects.get(pk=claims[0].dossier_id)
    paid = Claim.objects.get(pk=claims[3].pk)
    paid.outstanding = Decimal("0.00")
    journaled_save(paid, actor=controller, reason="réglée")
    iban = "FR7630003000401234567890162"
    KnownIban.objects.create(debtor=debtor, iban_hash=iban_hash(iban), learned_on=issued)
    expected = [
        (c.pk, c.invoice_number, c.due_date, c.outstanding)
        for c in Claim.objects.filter(dossier=dossier).open().oldest_first()
    ]
    assert [e[1] for e in expected] == ["B-1", "B-2", "B-3"]
    matcher = Matcher(creditor)
    matcher.prefetch([("", "", iban)])
    prefetched = matcher._open_claims(dossier)
    before = matcher.match(amount=Decimal("330.00"), remittance="", structured="", iban=iban)
    matcher.changed(dossier.pk)
    again = matcher._open_claims(dossier)
    after = matcher.match(amount=Decimal("330.00"), remittance="", structured="", iban=iban)
    for rows in (prefetched, again):
        assert [(r.pk, r.invoice_number, r.due_date, r.outstanding) for r in rows] == expected
    assert (before.confidence, before.invoices) == (after.confidence, after.invoices)
    assert (before.confidence, before.invoices) == (75, ["B-1", "B-2"])
