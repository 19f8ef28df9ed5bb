"""Bank statements in: every write of the statements package.

``statement_import`` reads a file (any format), refuses it whole with French errors if it is
not right, and otherwise, in one transaction: keeps the file once (SHA-256), keeps each bank
transaction once (``key``), matches each new credit (``matching``), posts the certain ones at
once through ``dossiers.services.payment_record`` (oldest due first, dossier refreshed, cadence
stopped when paid) and leaves the others in the « Rapprochement » queue. A person then confirms
a proposal, assigns the line to another dossier, or sets it aside — each with who and why in
the journal.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import user_or_none
from dossiers import scoping
from dossiers.models import Creditor, Dossier, DossierState, Payment
from dossiers.services import PaymentIn, payment_record, payment_reverse, payments_record_many
from imports.statements import parsers
from imports.statements.matching import Matcher, iban_hash, iban_hint
from imports.statements.models import BankStatement, BankTransaction, KnownIban
from journal.bulk import deferred, journaled_insert
from journal.journaled import journaled_save, require_reason
from legal.references import compact
from recouvrement.checks import clean_fields_once
from recouvrement.lookups import AnyOf

Status = BankTransaction.Status
Kind = BankTransaction.Kind
METHODS = {
    BankTransaction.Kind.DIRECT_DEBIT: Payment.Method.DIRECT_DEBIT,
    BankTransaction.Kind.CHEQUE: Payment.Method.CHEQUE,
    BankTransaction.Kind.CARD: Payment.Method.CARD,
}


@dataclass
class ImportResult:
    statement: BankStatement
    created: bool  # False: the very same file was already imported, nothing was written


def transaction_key(line: parsers.ParsedTransaction, occurrence: int = 1) -> str:
    """The same bank transaction gives the same key, whatever the file it arrives in."""
    identity = line.bank_reference or line.end_to_end_id
    if not identity:
        identity = f"{compact(line.counterparty_name)}|{compact(line.remittance)}"
    text = "|".join(
        [
            compact(line.account),
            line.booked_on.isoformat(),
            line.direction,
            f"{line.amount:.2f}",
            identity,
            str(occurrence),
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _creditor_for(
    statement: parsers.ParsedStatement, creditor: Creditor | None, creditors
) -> Creditor:
    accounts = [compact(a) for a in statement.accounts]
    if creditor is not None:
        if compact(creditor.iban) not in accounts:
            raise ValidationError(
                f"Le relevé porte sur le compte {', '.join(accounts)}, qui n'est pas celui du "
                f"créancier {creditor} ({creditor.iban})."
            )
        return creditor
    found = [c for c in creditors if compact(c.iban) in accounts]
    if len(found) != 1:
        raise ValidationError(
            f"Aucun créancier n'a le compte {', '.join(accounts)} : choisissez le créancier "
            "ou corrigez son IBAN."
            if not found
            else "Plusieurs créanciers ont ce compte : choisissez le créancier."
        )
    return found[0]


def statement_import(
    *,
    content: bytes,
    name: str,
    actor,
    creditor: Creditor | None = None,
    creditors=None,
    source: str = "upload",
) -> ImportResult:
    """Import one statement file; see the module's docstring. Raises ``ValidationError`` with
    the file's errors (nothing written).

    ``creditors``: those the actor may import for (``scoping.visible_creditors``; all when
    None, for the drop folder); the statement's account must be one of theirs."""
    sha256 = hashlib.sha256(content).hexdigest()
    existing = BankStatement.objects.filter(sha256=sha256).first()
    if existing is not None:
        return ImportResult(statement=existing, created=False)
    try:
        parsed = parsers.parse(content)
    except parsers.StatementError as exc:
        raise ValidationError(exc.messages) from exc
    allowed = Creditor.objects.all() if creditors is None else creditors
    if creditor is not None and not allowed.filter(pk=creditor.pk).exists():
        raise ValidationError("Ce créancier n'est pas dans votre périmètre.")
    creditor = _creditor_for(parsed, creditor, allowed)
    own_account = compact(creditor.iban)
    seen: Counter[str] = Counter()
    keyed = []
    for line in parsed.transactions:
        base = transaction_key(line)  # its first occurrence's key
        seen[base] += 1
        keyed.append((base if seen[base] == 1 else transaction_key(line, seen[base]), line))
    summary = Counter()
    with transaction.atomic():
        statement = BankStatement(
            format=parsed.format,
            creditor=creditor,
            account=own_account,
            statement_id=parsed.statement_id[:100],
            start=parsed.start,
            end=parsed.end,
            opening_balance=parsed.opening_balance,
            closing_balance=parsed.closing_balance,
            original_name=name[:255],
            sha256=sha256,
            source=source,
            created_by=user_or_none(actor),
        )
        statement.file.save(name, ContentFile(content), save=False)
        try:
            journaled_save(statement, actor=actor, reason=f"relevé bancaire {name} reçu")
            known = set(
                BankTransaction.objects.filter(AnyOf("key", [k for k, _ in keyed])).values_list(
                    "key", flat=True
                )
            )
            fresh = [
                line
                for key, line in keyed
                if key not in known and compact(line.account) == own_account
            ]
            matcher = Matcher(creditor)
            matcher.prefetch(
                (line.remittance, line.structured_reference, line.counterparty_iban)
                for line in fresh
                if line.direction == parsers.CREDIT and line.kind not in (Kind.RETURN, Kind.FEES)
            )
            returns = _Returns(fresh)
            pending = _Pending(statement, actor, matcher)
            labels: dict[str, str] = {}  # each status's label, read once
            # Each dossier paid is re-scored once, at the end (« Ma journée »'s priority).
            with deferred():
                for key, line in keyed:
                    summary["lines"] += 1
                    if key in known:
                        summary["known"] += 1
                        continue
                    if compact(line.account) != own_account:
                        summary["other_account"] += 1
                        continue
                    row = BankTransaction(
                        statement_id=statement.pk,  # by id: ``statement=`` asks the router
                        line=line.line,
                        key=key,
                        account=compact(line.account),
                        booked_on=line.booked_on,
                        value_on=line.value_on,
                        amount=line.amount,
                        direction=line.direction,
                        kind=line.kind,
                        bank_code=line.bank_code,
                        bank_reference=line.bank_reference,
                        end_to_end_id=line.end_to_end_id,
                        counterparty_name=line.counterparty_name,
                        counterparty_iban=line.counterparty_iban,
                        remittance=line.remittance,
                        structured_reference=line.structured_reference,
                    )
                    if pending.may_take_back(row):
                        pending.flush()  # a return looks for its credit, this file's included
                    matcher.consulted.clear()
                    _classify(row, matcher, returns)
                    if pending.waits_on(matcher.consulted | {row.dossier_id}):
                        # A dossier this line reads has a payment waiting: it is recorded
                        # first, and the line read again (as a line-by-line reading sees it).
                        pending.flush()
                        _classify(row, matcher, returns)
                    where = f"relevé {name}, ligne {line.line}"
                    original = getattr(row, "returned_credit", None)  # a certain return
                    if original is not None and not _in_scope(
                        actor, original.dossier_id, back=True
                    ):
                        row.returned_credit, original = None, None
                        row.reason = f"{row.reason} {OUT_OF_SCOPE_LINE}"[:500]
                    if row.status == Status.POSTED and not _in_scope(actor, row.dossier_id):
                        row.status = Status.PROPOSED
                        row.reason = f"{row.reason} {OUT_OF_SCOPE_LINE}"[:500]
                    if original is not None:
                        why = f"{where} : {row.reason}"
                        _apply_return(row, original, actor=actor, reason=why, save=False)
                        matcher.changed(original.dossier_id)
                        pending.add(row, why[:500])
                    elif row.status == Status.POSTED:
                        why = f"{where} : {row.reason}"
                        pending.post(row, why)
                        returns.posted(row)
                        pending.add(row, why[:500])
                        pending.learn(row)
                    else:
                        if row.status not in labels:
                            labels[row.status] = row.get_status_display()
                        pending.add(row, f"{where} : {labels[row.status]}")
                    summary[row.status] += 1
                pending.flush()
            statement.summary = dict(summary)
            journaled_save(statement, actor=actor, reason="bilan du rapprochement")
        except BaseException:
            # Nothing is written: the stored copy of the file goes too.
            statement.file.delete(save=False)
            raise
    return ImportResult(statement=statement, created=True)


class _Pending:
    """The statement's lines, written in bulk in their order (``journal.bulk.journaled_insert``:
    a few statements for thousands of lines, each with its history row and its reason), with
    the payments of the certain ones (``dossiers.services.payments_record_many``: the same rows
    as ``payment_record`` line after line, in a few statements) and the IBANs learned from them
    (``KnownIban``, once the line they come from is written).

    A payment waits until a line reads its dossier (``waits_on``), a return may take it back
    (``may_take_back``), ``LIMIT`` are waiting, or the statement ends: each line is matched on
    what the lines before it left, as when each payment was recorded at once.

    ``LIMIT`` bounds the memory only: each flush pays its statements' fixed costs again (the
    dashboard summaries' statement triggers joining the rows written to the claims and payments,
    the claims' balances joined to the table, the planner's reads), ~10 s in all for six flushes
    of 5,000 payments at 1M claims; a day's statement (28,000 certain lines at 1M) goes in one."""

    EXCLUDE = ("statement", "parent", "dossier", "payment", "handled_by")  # set by the code
    LIMIT = 50_000

    def __init__(self, statement: BankStatement, actor, matcher: Matcher):
        self.statement, self.actor, self.matcher = statement, actor, matcher
        self.rows: list[tuple[BankTransaction, str]] = []
        self.ibans: dict[tuple[int, str], BankTransaction] = {}  # (debtor, hash) → its line
        self.learned: set[tuple[int, str]] = set()
        self.posts: list[tuple[BankTransaction, PaymentIn]] = []
        self.dossiers: set[int] = set()  # those with a payment waiting
        # (amount, "e2e", end-to-end id) and (amount, "iban", payer's IBAN) of those waiting:
        # what a return may take back (``may_take_back``), without a scan of the payments.
        self.waiting: set[tuple] = set()
        self.valid: set[tuple] = set()  # (field, value) already found valid

    def post(self, row: BankTransaction, reason: str) -> None:
        """``_post`` for a line of the statement: its payment is recorded at the next flush."""
        if not _in_scope(self.actor, row.dossier_id):
            raise ValidationError(scoping.OUT_OF_PORTFOLIO)
        if len(self.posts) >= self.LIMIT:
            self.flush()
        self.posts.append((row, _payment_in(row, row.dossier, reason)))
        self.dossiers.add(row.dossier_id)
        self.waiting.add((row.amount, "e2e", row.end_to_end_id))
        self.waiting.add((row.amount, "iban", row.counterparty_iban))
        row.status = Status.POSTED
        row.handled_by = user_or_none(self.actor)
        row.handled_at = timezone.now()

    def waits_on(self, dossier_ids: set) -> bool:
        return not self.dossiers.isdisjoint(dossier_ids)

    def may_take_back(self, row: BankTransaction) -> bool:
        """Whether a return could find its credit among the payments waiting (same amount, and
        the same end-to-end id or payer's IBAN: ``returned_credit``'s candidates)."""
        if row.direction != BankTransaction.Direction.DEBIT or row.kind != Kind.RETURN:
            return False
        return bool(
            (row.end_to_end_id and (row.amount, "e2e", row.end_to_end_id) in self.waiting)
            or (
                row.counterparty_iban
                and (row.amount, "iban", row.counterparty_iban) in self.waiting
            )
        )

    def add(self, row: BankTransaction, reason: str) -> None:
        _clean_fields(row, self.EXCLUDE, self.valid)
        self.rows.append((row, reason[:500]))

    def learn(self, row: BankTransaction) -> None:
        """``_learn_iban`` for a line written later: the matcher knows the IBAN at once."""
        if not row.counterparty_iban or row.dossier is None:
            return
        key = (row.dossier.debtor_id, self.matcher.hashed(row.counterparty_iban))
        if key not in self.learned:
            self.learned.add(key)
            self.ibans[key] = row
            self.matcher.learned(row.counterparty_iban, row.dossier.debtor_id)

    def flush(self) -> None:
        if self.posts:
            pks = payments_record_many([p for _, p in self.posts], actor=self.actor)
            for (row, _), pk in zip(self.posts, pks, strict=True):
                row.payment_id = pk
            for dossier_id in self.dossiers:
                self.matcher.changed(dossier_id)
            self.posts, self.dossiers, self.waiting = [], set(), set()
        if self.rows:
            fields = [
                f.attname
                for f in BankTransaction._meta.concrete_fields
                if not f.primary_key and f.name != "history"
            ]
            pks = journaled_insert(
                BankTransaction,
                [{name: getattr(row, name) for name in fields} for row, _ in self.rows],
                reasons=[reason for _, reason in self.rows],
                actor=self.actor,
            )
            for (row, _), pk in zip(self.rows, pks, strict=True):
                row.pk = pk
            self.rows = []
        if self.ibans:
            existing = set(
                KnownIban.objects.filter(
                    AnyOf("debtor_id", {debtor for debtor, _ in self.ibans}),
                    AnyOf("iban_hash", {digest for _, digest in self.ibans}),
                ).values_list("debtor_id", "iban_hash")
            )
            new = [(key, row) for key, row in self.ibans.items() if key not in existing]
            journaled_insert(
                KnownIban,
                [
                    {
                        "debtor_id": debtor,
                        "iban_hash": digest,
                        "iban_hint": iban_hint(row.counterparty_iban),
                        "learned_on": timezone.localdate(),
                        "learned_from_id": row.pk,
                    }
                    for (debtor, digest), row in new
                ],
                reasons=[f"IBAN appris du rapprochement de l'opération {row.pk}" for _, row in new],
                actor=self.actor,
            )
            self.ibans = {}


class _Returns:
    """Which returned direct debits of a statement may find the credit they take back: the
    standing credits of the same amount and the same end-to-end id or payer's IBAN
    (``returned_credit``'s candidates, read for all the statement's returns in one query), and
    the credits the statement itself posts. A return with none is « introuvable » without a
    query; the others look for their credit as before (``returned_credit``)."""

    def __init__(self, lines: list[parsers.ParsedTransaction]):
        self.keys: set[tuple] = set()
        returns = [
            line
            for line in lines
            if line.direction == BankTransaction.Direction.DEBIT and line.kind == Kind.RETURN
        ]
        if not returns:
            return
        ids = {line.end_to_end_id for line in returns if _e2e(line.end_to_end_id)}
        ibans = {line.counterparty_iban for line in returns if line.counterparty_iban}
        standing = BankTransaction.objects.filter(
            Q(end_to_end_id__in=ids) | Q(counterparty_iban__in=ibans),
            direction=BankTransaction.Direction.CREDIT,
            amount__in={line.amount for line in returns},
            payment__isnull=False,
            payment__reversed_on__isnull=True,
        )
        for amount, end_to_end_id, iban in standing.values_list(
            "amount", "end_to_end_id", "counterparty_iban"
        ):
            self._add(amount, end_to_end_id, iban)

    def _add(self, amount: Decimal, end_to_end_id: str, iban: str) -> None:
        if end_to_end_id:
            self.keys.add((amount, "e2e", end_to_end_id))
        if iban:
            self.keys.add((amount, "iban", iban))

    def posted(self, row: BankTransaction) -> None:
        """A credit of the statement is posted: a return after it may take it back."""
        self._add(row.amount, row.end_to_end_id, row.counterparty_iban)

    def may_find(self, row: BankTransaction) -> bool:
        by_id = (row.amount, "e2e", row.end_to_end_id)
        by_iban = (row.amount, "iban", row.counterparty_iban)
        return (_e2e(row.end_to_end_id) and by_id in self.keys) or (
            bool(row.counterparty_iban) and by_iban in self.keys
        )


def _e2e(end_to_end_id: str) -> bool:
    """Whether an end-to-end id identifies a payment (« NOTPROVIDED » does not)."""
    return bool(end_to_end_id) and end_to_end_id != "NOTPROVIDED"


def _clean_fields(row: BankTransaction, exclude, valid: set[tuple]) -> None:
    """``row.full_clean(exclude=…)`` without the uniqueness and the constraints (checked by the
    database), each (field, value) checked once per statement (``recouvrement.checks``): a
    statement's lines share most of their values (account, dates, kinds, statuses, rules), and
    the others (numbers, amounts, texts, times) are checked by their shape. The same errors, in
    French, for the first line that has one."""
    clean_fields_once(row, exclude=exclude, valid=valid)


def _classify(row: BankTransaction, matcher: Matcher, returns: _Returns | None = None) -> None:
    """Set the line's status, rule, confidence, reason and dossier (nothing saved).
    ``returns``: the statement's returns that may find their credit (else each looks)."""
    if row.direction == BankTransaction.Direction.DEBIT:
        if row.kind == Kind.FEES:
            row.status, row.reason = (
                Status.IGNORED,
                "Frais bancaires : sans rapport avec un dossier.",
            )
        elif row.kind == Kind.RETURN:
            _returned(row, returns)
        else:
            row.status, row.reason = Status.IGNORED, "Débit : ce n'est pas un encaissement."
        return
    if row.kind in (Kind.RETURN, Kind.FEES):
        row.status = Status.TO_REVIEW
        row.reason = "Crédit d'annulation ou de frais : à examiner."
        return
    found = matcher.match(
        amount=row.amount,
        remittance=row.remittance,
        structured=row.structured_reference,
        iban=row.counterparty_iban,
    )
    row.rule, row.confidence, row.reason = found.rule, found.confidence, found.reason[:500]
    row.dossier, row.invoices = found.dossier, found.invoices
    if found.certain:
        row.status = Status.POSTED
    elif found.dossier is not None:
        row.status = Status.PROPOSED
    else:
        row.status = Status.UNMATCHED


def returned_credit(row: BankTransaction) -> tuple[BankTransaction | None, bool]:
    """(the credit a return takes back, whether that is certain): the same end-to-end id and
    amount is certain; the same payer's IBAN and amount, earlier, is for a person to confirm.
    Only a credit whose payment still stands is looked for."""
    standing = BankTransaction.objects.filter(
        direction=BankTransaction.Direction.CREDIT,
        amount=row.amount,
        payment__isnull=False,
        payment__reversed_on__isnull=True,
    ).select_related("dossier", "payment")
    if _e2e(row.end_to_end_id):
        original = standing.filter(end_to_end_id=row.end_to_end_id).order_by("-booked_on").first()
        if original is not None:
            return original, True
    if row.counterparty_iban:
        original = (
            standing.filter(counterparty_iban=row.counterparty_iban, booked_on__lte=row.booked_on)
            .order_by("-booked_on")
            .first()
        )
        return original, False
    return None, False


def _returned(row: BankTransaction, returns: _Returns | None = None) -> None:
    """A returned direct debit or recalled transfer: find the credit it takes back. Found by
    its end-to-end id, the payment is reversed at once (``_apply_return``); found by IBAN and
    amount, a person confirms in the queue."""
    row.status = Status.TO_REVIEW
    if returns is None or returns.may_find(row):
        original, certain = returned_credit(row)
    else:
        original, certain = None, False
    if original is not None and original.dossier_id:
        closed = original.dossier
        if closed.is_closed and closed.state != DossierState.PAID:
            # In litigation or written off, the archive is not changed by a bank line: a person
            # sees the return and tells whoever follows the dossier (``refuse_closed``).
            row.dossier, row.returned_credit = closed, None
            row.reason = (
                f"Rejet de l'opération du {original.booked_on:%d/%m/%Y} (dossier "
                f"{closed.reference}, {original.amount} €) : dossier clos "
                f"({closed.get_state_display()}), le paiement n'est pas annulé ; signalez le "
                "rejet à qui suit le dossier."
            )
            return
        row.dossier = original.dossier
        row.returned_credit = original if certain else None
        row.reason = (
            f"Rejet de l'opération du {original.booked_on:%d/%m/%Y} (dossier "
            f"{original.dossier.reference}, {original.amount} €)"
            + (
                " retrouvée par sa référence de bout en bout : paiement annulé, factures de "
                "nouveau dues."
                if certain
                else " retrouvée par l'IBAN et le montant : à confirmer pour annuler le paiement."
            )
        )
    else:
        row.reason = "Rejet ou retour d'un paiement : opération d'origine introuvable."


def _apply_return(
    row: BankTransaction, original: BankTransaction, *, actor, reason: str, save: bool = True
) -> None:
    """Reverse the payment of the credit the bank took back (``payment_reverse``: the invoices
    are owed again, a dossier it had cleared reopens at its stage), and close the line."""
    if not _in_scope(actor, original.dossier_id, back=True):
        raise ValidationError(scoping.OUT_OF_PORTFOLIO)
    payment_reverse(
        payment=original.payment,
        actor=actor,
        reason=reason[:300],
        on=min(row.booked_on, timezone.localdate()),
    )
    row.status, row.dossier, row.payment = Status.RETURNED, original.dossier, original.payment
    row.handled_by = user_or_none(actor)
    row.handled_at = timezone.now()
    if save:
        journaled_save(row, actor=actor, reason=reason[:500])


def named_invoices(row: BankTransaction, dossier: Dossier) -> list[str]:
    """The invoices of ``dossier`` the payer named in the remittance text and still open: the
    payment goes to them first (C. civ. 1342-10)."""
    if row.rule != BankTransaction.Rule.INVOICE or not row.invoices:
        return []
    return list(
        dossier.claims.open()
        .filter(invoice_number__in=row.invoices)
        .values_list("invoice_number", flat=True)
    )


OUT_OF_SCOPE_LINE = (
    "Dossier hors du portefeuille de qui a importé le relevé : à confirmer par son responsable."
)


def _in_scope(actor, dossier_id: int | None, *, back: bool = False) -> bool:
    """Writes are scoped like reads: a line is posted only to a dossier the person may act on
    (``scoping.editable_dossiers``), and a payment taken back only on a dossier of their
    portfolio (``scoping.portfolio_dossiers``: the dossier it paid may be closed, then
    ``payment_reverse`` decides). The drop folder (no person, set up by an administrator for the
    creditors' accounts) imports for every creditor."""
    if actor is None:
        return True
    scope = scoping.portfolio_dossiers if back else scoping.editable_dossiers
    return scope(actor, Dossier.objects.filter(pk=dossier_id)).exists()


def _payment_in(row: BankTransaction, dossier: Dossier, reason: str) -> PaymentIn:
    """The payment a credit line records on ``dossier``: the invoices the payer named (still
    open when it is recorded) are paid first (C. civ. 1342-10), then the oldest due."""
    return PaymentIn(
        dossier_id=dossier.pk,
        amount=row.amount,
        received_on=min(row.booked_on, timezone.localdate()),
        method=METHODS.get(row.kind, Payment.Method.TRANSFER),
        reference=(row.bank_reference or row.end_to_end_id or f"relevé ligne {row.line}")[:100],
        reason=reason[:500],
        named=row.invoices if row.rule == BankTransaction.Rule.INVOICE else (),
    )


def _post(row: BankTransaction, *, dossier: Dossier, actor, reason: str, save: bool = True) -> None:
    if not _in_scope(actor, dossier.pk):
        raise ValidationError(scoping.OUT_OF_PORTFOLIO)
    received_on = min(row.booked_on, timezone.localdate())
    payment = payment_record(
        invoices=named_invoices(row, dossier),
        dossier=dossier,
        amount=row.amount,
        received_on=received_on,
        actor=actor,
        method=METHODS.get(row.kind, Payment.Method.TRANSFER),
        reference=(row.bank_reference or row.end_to_end_id or f"relevé ligne {row.line}")[:100],
        reason=reason[:500],
    )
    row.status, row.dossier, row.payment = Status.POSTED, dossier, payment
    row.handled_by = user_or_none(actor)
    row.handled_at = timezone.now()
    if save:
        journaled_save(row, actor=actor, reason=reason[:500])


def _learn_iban(row: BankTransaction, *, actor) -> None:
    """Keep the payer's IBAN (hashed) for the debtor, for the next statements."""
    if not row.counterparty_iban or row.dossier is None:
        return
    digest = iban_hash(row.counterparty_iban)
    debtor = row.dossier.debtor
    if KnownIban.objects.filter(debtor=debtor, iban_hash=digest).exists():
        return
    journaled_save(
        KnownIban(
            debtor=debtor,
            iban_hash=digest,
            iban_hint=iban_hint(row.counterparty_iban),
            learned_on=timezone.localdate(),
            learned_from=row,
        ),
        actor=actor,
        reason=f"IBAN appris du rapprochement de l'opération {row.pk}",
    )


def _lock_open(row: BankTransaction, *, returns: bool = False) -> BankTransaction:
    row = (
        BankTransaction.objects.select_for_update(of=("self",))
        .select_related("dossier", "statement")
        .get(pk=row.pk)
    )
    if not row.is_open:
        raise ValidationError("Cette opération a déjà été traitée.")
    if row.direction != BankTransaction.Direction.CREDIT and not returns:
        raise ValidationError("Seul un crédit peut être imputé à un dossier.")
    return row


def transaction_confirm(*, row: BankTransaction, actor, reason: str = "") -> BankTransaction:
    """A person confirms the proposed dossier: the payment is recorded there. On a return (a
    debit taking a payment back), confirming reverses that payment."""
    with transaction.atomic():
        if row.kind == BankTransaction.Kind.RETURN and row.direction == "debit":
            row = _lock_open(row, returns=True)
            original, _certain = returned_credit(row)
            if original is None:
                raise ValidationError("Le paiement d'origine de ce rejet est introuvable.")
            why = (reason or "").strip() or f"rejet confirmé ({row.reason})"
            _apply_return(row, original, actor=actor, reason=why)
            return row
        row = _lock_open(row)
        if row.dossier is None:
            raise ValidationError("Aucun dossier n'est proposé : choisissez-en un.")
        why = (reason or "").strip() or f"rapprochement confirmé ({row.reason})"
        _post(row, dossier=row.dossier, actor=actor, reason=why)
        _learn_iban(row, actor=actor)
    return row


def transaction_assign(
    *, row: BankTransaction, dossier: Dossier, actor, reason: str
) -> BankTransaction:
    """A person imputes the line to another dossier (of the statement's creditor)."""
    reason = require_reason(reason)
    with transaction.atomic():
        row = _lock_open(row)
        creditor_id = row.statement.creditor_id
        if creditor_id and dossier.creditor_id != creditor_id:
            raise ValidationError("Ce dossier n'est pas un dossier du créancier du relevé.")
        row.rule, row.confidence = BankTransaction.Rule.MANUAL, 100
        row.reason = f"Rapprochement manuel vers {dossier.reference} : {reason}"[:500]
        _post(row, dossier=dossier, actor=actor, reason=row.reason)
        _learn_iban(row, actor=actor)
    return row


def transaction_split(
    *, row: BankTransaction, parts: list[tuple[Dossier, Decimal]], actor, reason: str
) -> list[BankTransaction]:
    """A person splits one credit between several dossiers (one transfer paying two debtors'
    invoices, a group paying for its subsidiaries): one share per dossier, each recorded through
    ``payment_record``; the shares add up to the credit exactly."""
    reason = require_reason(reason)
    if len(parts) < 2:
        raise ValidationError("Une répartition porte sur deux dossiers au moins.")
    if any(amount <= 0 for _, amount in parts):
        raise ValidationError("Chaque part doit être strictement positive.")
    shares = []
    with transaction.atomic():
        row = _lock_open(row)
        total = sum((amount for _, amount in parts), Decimal("0"))
        if total != row.amount:
            raise ValidationError(
                f"Les parts totalisent {total} € au lieu de {row.amount} € : corrigez-les."
            )
        creditor_id = row.statement.creditor_id
        if creditor_id and any(d.creditor_id != creditor_id for d, _ in parts):
            raise ValidationError("Chaque dossier doit être un dossier du créancier du relevé.")
        for index, (dossier, amount) in enumerate(parts, start=1):
            share = BankTransaction(
                statement=row.statement,
                parent=row,
                line=row.line,
                key=hashlib.sha256(f"{row.key}/{index}".encode()).hexdigest(),
                account=row.account,
                booked_on=row.booked_on,
                value_on=row.value_on,
                amount=amount,
                direction=row.direction,
                kind=row.kind,
                bank_code=row.bank_code,
                bank_reference=row.bank_reference,
                end_to_end_id=row.end_to_end_id,
                counterparty_name=row.counterparty_name,
                counterparty_iban=row.counterparty_iban,
                remittance=row.remittance,
                structured_reference=row.structured_reference,
                rule=BankTransaction.Rule.MANUAL,
                confidence=100,
                reason=f"Part {index}/{len(parts)} vers {dossier.reference} : {reason}"[:500],
            )
            _post(share, dossier=dossier, actor=actor, reason=share.reason)
            shares.append(share)
        row.status = Status.SPLIT
        row.rule, row.confidence, row.dossier = BankTransaction.Rule.MANUAL, 100, None
        row.reason = ("Réparti entre " + ", ".join(d.reference for d, _ in parts) + f" : {reason}")[
            :500
        ]
        row.handled_by = user_or_none(actor)
        row.handled_at = timezone.now()
        journaled_save(row, actor=actor, reason=row.reason)
    return shares


def transaction_ignore(*, row: BankTransaction, actor, reason: str) -> BankTransaction:
    """A person sets a line aside (not a debtor's payment, refunded, handled elsewhere)."""
    reason = require_reason(reason)
    with transaction.atomic():
        row = BankTransaction.objects.select_for_update().get(pk=row.pk)
        if not row.is_open:
            raise ValidationError("Cette opération a déjà été traitée.")
        row.status = Status.IGNORED
        row.reason = f"Écartée : {reason}"[:500]
        row.handled_by = user_or_none(actor)
        row.handled_at = timezone.now()
        journaled_save(row, actor=actor, reason=row.reason)
    return row


def open_amount(rows) -> Decimal:
    return sum((r.amount for r in rows), Decimal("0"))
