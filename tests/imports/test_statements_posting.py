"""A statement's certain lines are posted in bulk (``dossiers.services.payments_record_many``,
issue #24, item 6) and leave exactly what ``payment_record`` line after line leaves: the same
payments, allocations, balances, dossiers (closed as paid, accessories due, promise kept, next
action), planned reminders cancelled, messages queued, IBANs learned and journal rows (who,
why) — on a statement that pays dossiers partly, wholly, twice, and takes a payment back."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from courriers.models import CreditorMessaging
from dossiers.models import Claim, Dossier, Payment, PaymentAllocation, Promise
from dossiers.services import promise_record
from imports.statements import services
from imports.statements.models import BankStatement, BankTransaction, KnownIban
from legal.references import dossier_rf_reference
from relances.models import CadenceStep, Reminder
from tests.factories import ClaimFactory, DebtorFactory
from tests.fixtures.statements import camt_entry as _entry
from tests.fixtures.statements import camt_file as _camt

pytestmark = pytest.mark.django_db
MODELS = (Payment, PaymentAllocation, Claim, Dossier, Reminder, Promise, BankTransaction,
          KnownIban, BankStatement)  # fmt: skip
VOLATILE = {"created_at", "handled_at", "history_date", "history_id", "file", "approved_at"}
# Ids written by the import: compared by their rank among the new rows (sequences move on).
NEW_IDS = {"payment": Payment, "learned_from": BankTransaction, "statement": BankStatement,
           "returned_credit": BankTransaction, "parent": BankTransaction}  # fmt: skip


class _Undo(Exception):
    pass


def _world(statement_world, manager):
    """Dossiers of professionals whose creditor claims the accessories (a dossier cleared late
    owes them), of a consumer (closes as paid, thank-you), one under a promise, one with an
    approved reminder, each with two invoices."""
    creditor = statement_world.creditor
    creditor.waives_accessories = False
    creditor.save()
    CreditorMessaging.objects.update_or_create(
        creditor=creditor, defaults={"thank_you_enabled": True}
    )
    dossiers = []
    for n in range(8):
        consumer = n % 4 == 1
        debtor = DebtorFactory(kind="consumer", siren="") if consumer else DebtorFactory()
        due = datetime.date(2026, 8 + n % 3, 10)
        later = due + datetime.timedelta(days=20)
        first = ClaimFactory(
            creditor=creditor,
            debtor=debtor,
            invoice_number=f"BL-{n:03d}-1",
            amount=Decimal(300 + 10 * n),
            issue_date=due,
            due_date=due,
        )
        ClaimFactory(creditor=creditor, debtor=debtor, invoice_number=f"BL-{n:03d}-2",
                     amount=Decimal(200 + n), issue_date=due, due_date=later)  # fmt: skip
        dossiers.append(Dossier.objects.get(pk=first.dossier_id))
    promise_record(dossier=dossiers[2], amount=Decimal("300.00"), actor=manager,
                   on=datetime.date(2026, 11, 2), due_on=datetime.date(2026, 11, 25))  # fmt: skip
    step = CadenceStep.objects.order_by("pk")[1]
    for dossier in (statement_world.moreau, dossiers[1], dossiers[3]):
        Reminder.objects.create(
            dossier=dossier, step=step, cycle=dossier.cycle, channel=step.channel,
            scheduled_for=timezone.localdate() + datetime.timedelta(days=1),
            approved_by=manager, approved_at=timezone.now(),
        )  # fmt: skip
    return dossiers


def _statement(world, dossiers) -> bytes:
    rf = [dossier_rf_reference(d.reference) for d in dossiers]
    garage = dossier_rf_reference(world.garage.reference)
    entries = [
        _entry("1200.00", "S1", text="RF64 DOS2 0260 0001", e2e="E-MOREAU"),  # cleared
        _entry("350.00", "S2", text="REGLEMENT FACT FC 2026 0107"),  # partly paid
        _entry("900.00", "S3", text=garage),  # the same dossier again: cleared
        _entry("750.00", "S4", text="VIREMENT", iban="FR7630003000401234567890162"),  # proposed
        _entry("500.00", "S5", text=rf[0], iban="FR7617569000301234567890168"),  # whole
        _entry("511.00", "S6", text=rf[1]),  # a consumer's whole balance: closes as paid
        _entry("300.00", "S7", text=f"ACOMPTE {rf[2]}"),  # promise kept
        _entry("200.00", "S8", text=f"FACTURE BL-003-2 {rf[3]}"),  # part, reminder stays
        _entry("544.00", "S9", text="FACTURES BL-004-1 BL-004-2"),  # two invoices
        _entry("205.00", "S10", text="BL 005 2"),  # the later invoice named
        _entry("100.00", "S11", text=rf[6], e2e="E-SIX"),  # part, then taken back
        _entry("100.00", "S12", debit=True, family="RDDT", sub="UPDD", e2e="E-SIX"),
        _entry("9000.00", "S13", text=rf[7]),  # more than the balance
        _entry("12.60", "S14", debit=True, family="CCRD", sub="CHRG"),  # fees
        _entry("40.00", "S15", text="CADEAU", iban="FR1420041010050500013M02606"),
        _entry("250.00", "S16", text="VIREMENT", iban="FR7617569000301234567890168"),  # learned
    ]
    return _camt("".join(entries))


def _line_by_line(monkeypatch):
    """The reference: each certain line's payment recorded at once by ``payment_record``, each
    return looking for its credit once the lines before it are written (as before the bulk)."""

    def post(self, row, reason):
        services._post(row, dossier=row.dossier, actor=self.actor, reason=reason, save=False)
        self.matcher.changed(row.dossier_id)

    monkeypatch.setattr(services._Pending, "post", post)
    monkeypatch.setattr(services._Pending, "may_take_back",
                        lambda self, row: row.kind == BankTransaction.Kind.RETURN)  # fmt: skip


def _snapshot(marks) -> dict:
    """Every row the import wrote or changed, and every history row it added, ids of new rows
    given as their rank."""
    ranks = {}
    for model in (Payment, BankTransaction, BankStatement, PaymentAllocation, KnownIban):
        new = model.objects.filter(pk__gt=marks[model]).order_by("pk").values_list("pk", flat=True)
        ranks[model] = {pk: n for n, pk in enumerate(new)}

    def norm(name, value, model):
        if name == "id" and model in ranks:
            return ("new", ranks[model].get(value, value))
        if name.removesuffix("_id") in NEW_IDS and value is not None:
            return ("new", ranks[NEW_IDS[name.removesuffix("_id")]].get(value, value))
        if isinstance(value, str):
            value = re.sub(r"(paiement|opération) (\d+)", rank_of, value)
        return value

    def rank_of(found) -> str:
        model = Payment if found[1] == "paiement" else BankTransaction
        return f"{found[1]} #{ranks[model].get(int(found[2]), found[2])}"

    out = {}
    for model in MODELS:
        rows = [tuple((k, norm(k, v, model)) for k, v in sorted(row.items()) if k not in VOLATILE)
                for row in model.objects.values()]  # fmt: skip
        out[model.__name__] = sorted(rows, key=repr)
        history = model.history.model.objects.filter(history_id__gt=marks[model.history.model])
        rows = [tuple((k, norm(k, v, model)) for k, v in sorted(row.items()) if k not in VOLATILE)
                for row in history.values()]  # fmt: skip
        out[f"history {model.__name__}"] = sorted(rows, key=repr)
    return out


def _differences(bulk, reference) -> list:
    """The fields that differ, row by row (the rows in the same order on both sides)."""
    if len(bulk) != len(reference):
        return [f"{len(bulk)} rows against {len(reference)}"]
    return [
        {k: (dict(a)[k], dict(b).get(k)) for k in dict(a) if dict(a)[k] != dict(b).get(k)}
        for a, b in zip(bulk, reference, strict=True)
        if a != b
    ]


def _run(content, actor, monkeypatch, django_capture_on_commit_callbacks, *, reference: bool):
    marks = {}
    for model in MODELS:
        marks[model] = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        history = model.history.model
        marks[history] = (
            history.objects.order_by("-history_id").values_list("history_id", flat=True).first()
            or 0
        )
    with monkeypatch.context() as patched:
        if reference:
            _line_by_line(patched)
        try:
            with transaction.atomic():
                with django_capture_on_commit_callbacks() as callbacks:
                    services.statement_import(content=content, name="jour.xml", actor=actor)
                snapshot = _snapshot(marks)
                raise _Undo
        except _Undo:
            pass
    queued = sorted(
        (cb.args, tuple(sorted((k, v) for k, v in cb.keywords.items() if k != "key")))
        for cb in callbacks
        if hasattr(cb, "keywords")
    )
    return snapshot, queued


def test_bulk_posting_leaves_what_payment_record_line_by_line_leaves(
    statement_world, manager, controller, monkeypatch, django_capture_on_commit_callbacks
):
    statement_world.creditor.managers.add(manager)
    dossiers = _world(statement_world, manager)
    content = _statement(statement_world, dossiers)
    bulk, bulk_queued = _run(content, manager, monkeypatch, django_capture_on_commit_callbacks,
                             reference=False)  # fmt: skip
    one_by_one, queued = _run(content, manager, monkeypatch, django_capture_on_commit_callbacks,
                              reference=True)  # fmt: skip
    for key in one_by_one:
        assert bulk[key] == one_by_one[key], (key, _differences(bulk[key], one_by_one[key]))
    assert bulk_queued == queued
    # The statement did what it says (so that the comparison is about something).
    lines = {dict(r)["bank_reference"]: dict(r) for r in one_by_one["BankTransaction"]}
    statuses = [lines[f"S{n}"]["status"] for n in range(1, 17)]
    assert statuses.count("posted") == 11 and lines["S12"]["status"] == "returned"
    states = {dict(r)["id"]: dict(r)["state"] for r in one_by_one["Dossier"]}
    assert states[statement_world.moreau.pk] == "accessories"
    assert states[dossiers[1].pk] == "paid"
    assert {dict(r)["status"] for r in one_by_one["Reminder"]} >= {"cancelled", "planned"}
    assert {dict(r)["status"] for r in one_by_one["Promise"]} == {"kept"}
    assert any("remerciement" in repr(q) for q in queued)
    assert one_by_one["history KnownIban"]
