"""Which dossier a bank credit pays, and how sure we are — each answer with its French reason.

Three rules, tried in order; the first that names a dossier wins:

1. **Référence RF** (ISO 11649, printed on letters and the portal): a valid RF reference in the
   structured reference or the remittance text naming an open dossier of the creditor is
   certain (100 %): the payment is posted at once.
2. **Numéro de facture** in the remittance text, tolerant to spacing, dashes and prefixes
   (``FA-2026-0042``, ``fa 2026 0042``, ``Facture n° 20260042``): certain (95 %) when the cited
   invoices are open, in one dossier, and their balance equals the amount; probable otherwise.
   The payment goes to the invoices cited, even when older ones remain due: the debtor chose
   which debt he pays (C. civ. 1342-10).
3. **IBAN connu et montant**: the payer's IBAN was learned from an earlier certain or confirmed
   match; the amount equals one open invoice, or the oldest invoices in a row, or some of the
   debtor's invoices: probable (never posted without a person).

Anything else stays « Non rapproché » in the queue. Pure reads: nothing is written here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Replace, Upper
from django.utils.crypto import salted_hmac

from dossiers.models import Claim, Creditor, Dossier
from legal.formatting import euros_writer
from legal.references import compact, rf_references_in
from recouvrement.lookups import AnyOf

CERTAIN = 95  # at or above: posted at once
SUBSET_LIMIT = 14  # invoices tried in combinations for an amount (2^14 sums at most)
_TOKENS = re.compile(r"[0-9A-Z]+")
_PREFIX = re.compile(r"^(?:FACTURE|FACT|FAC|FA|FCT|INVOICE|INV|NO|N|F)(?=\d)")
# ``compact`` and ``invoice_core`` of a claim's number in SQL, as indexed (migration
# imports 0006, word for word): equal to Python's for a number in ASCII; the numbers beyond
# ASCII (``BEYOND_ASCII_SQL``, a partial index) are read in Python.
COMPACT_SQL = "regexp_replace(upper(invoice_number), '[^0-9A-Z]', '', 'g')"
_UNPREFIXED_SQL = (
    f"regexp_replace({COMPACT_SQL}, '^(FACTURE|FACT|FAC|FA|FCT|INVOICE|INV|NO|N|F)(?=[0-9])', '')"
)
CORE_SQL = f"coalesce(nullif(ltrim({_UNPREFIXED_SQL}, '0'), ''), {_UNPREFIXED_SQL})"
BEYOND_ASCII_SQL = "invoice_number !~ '^[\\x01-\\x7F]*$'"


def iban_hash(iban: str) -> str:
    """A keyed hash of an IBAN: enough to recognise it again, useless to read it back."""
    return salted_hmac("statements.known-iban", compact(iban)).hexdigest()


def iban_hint(iban: str) -> str:
    iban = compact(iban)
    return f"…{iban[-4:]}" if iban else ""


class OpenInvoice(NamedTuple):
    """What the rules read of a dossier's open invoice: a row, not a model (the open invoices of
    every dossier a statement names, 200,000 at 1M claims, cost more built as models than
    matched)."""

    pk: int
    dossier_id: int
    invoice_number: str
    due_date: date
    outstanding: Decimal


OPEN_INVOICE_FIELDS = ("pk", "dossier_id", "invoice_number", "due_date", "outstanding")


def open_invoices(claims) -> list[OpenInvoice]:
    """The open invoices of ``claims`` (a queryset), oldest due first, as rows."""
    rows = claims.open().oldest_first().values_list(*OPEN_INVOICE_FIELDS)
    return [OpenInvoice._make(row) for row in rows]


# What ``by_invoice`` reads of an invoice cited (and its dossier, whole: the match's).
CITED_FIELDS = ("pk", "dossier", "invoice_number", "due_date", "outstanding", "cancelled_on")


def cited_invoices(claims):
    """``claims`` (a queryset) with their dossier, built with the fields the rule reads."""
    return claims.select_related("dossier").only(*CITED_FIELDS)


@dataclass
class Match:
    rule: str = ""
    confidence: int = 0
    reason: str = "Aucune référence, facture ou IBAN connu ne désigne un dossier."
    dossier: Dossier | None = None
    invoices: list[str] = field(default_factory=list)

    @property
    def certain(self) -> bool:
        return self.dossier is not None and self.confidence >= CERTAIN


def invoice_core(number: str) -> str:
    """An invoice number without spacing, punctuation, prefix or leading zeros
    (``FA-2026-0042`` → ``20260042``)."""
    return _core(compact(number))


def _core(key: str) -> str:
    """``invoice_core`` of a number already compact (letters and digits in upper case)."""
    key = _PREFIX.sub("", key)
    return key.lstrip("0") or key


def candidates_in(text: str) -> set[str]:
    """Every way the remittance text may write an invoice number: runs of 1 to 4 consecutive
    words glued together, compact, then also without prefix and leading zeros."""
    words = _TOKENS.findall((text or "").upper())
    found: set[str] = set()
    for size in range(1, 5):
        for start in range(len(words) - size + 1):
            glued = "".join(words[start : start + size])
            if len(glued) < 3 or len(glued) > 50:
                continue
            found.add(glued)
            found.add(_core(glued))  # the words are compact already
    return found


class Matcher:
    """Matches the lines of one statement for one creditor, its lookups built once.

    ``prefetch`` looks up in bulk, in a few queries for the whole statement, what the rules
    read for each line (the dossiers of the RF references, the invoices cited, the known
    IBANs and their debtors' dossiers, the open invoices of every dossier concerned); the
    rules then read those instead of querying line by line. A dossier a line has just paid
    (``changed``) is read again from the database, and an IBAN learned during the statement
    (``learned``) counts for the lines after it: the matches are those of a line-by-line
    reading."""

    def __init__(self, creditor: Creditor):
        self.creditor = creditor
        self._claims: dict[str, list[int]] | None = None
        self._looked: set[str] = set()  # the keys looked up in SQL (their ids all known)
        self._cores: dict[str, list[int]] | None = None
        self._rf: dict[str, Dossier] = {}
        self._rf_known: set[str] = set()  # references looked up (found or not)
        self._claim_rows: dict[int, Claim] = {}
        self._open: dict[int, list[OpenInvoice]] = {}
        self._ibans: dict[str, set[int]] = {}  # IBAN hash → debtors (prefetched, learned)
        self._debtor_dossiers: dict[int, list[Dossier]] = {}
        self._stale: set[int] = set()  # dossiers changed since the prefetch
        self._cited: dict[str, tuple[set[int], bool]] = {}  # text → invoices cited, loose
        self._hashes: dict[str, str] = {}  # IBAN → its keyed hash
        self._references: dict[str, list[str]] = {}  # text → its RF references (pure)
        # The dossiers the rules read since the caller last cleared it: a line's match
        # depends on these alone (a caller holding back writes knows which must go first).
        self.consulted: set[int] = set()
        self._euros = euros_writer()  # the reasons' amounts, the separators read once

    # --- lookups --------------------------------------------------------------------------

    def _claim_maps(self, candidates: set[str]):
        """{compact number: claim ids} and {number without prefix: claim ids} of the creditor's
        claims in open dossiers, complete for ``candidates`` (on PostgreSQL, looked up in SQL,
        each key once per statement; elsewhere every number read once)."""
        if connection.vendor != "postgresql":
            return self._all_claim_maps()
        arms = []
        if self._claims is None:  # the numbers beyond ASCII, once
            self._claims, self._cores, self._looked = {}, {}, set()
            arms.append((f"c.creditor_id = %s AND {BEYOND_ASCII_SQL}", [self.creditor.pk]))
        missing = sorted(candidates - self._looked)
        if missing:
            self._looked.update(missing)
            # The candidates as one text (letters and digits only, « \x1f » between them):
            # the driver dumps a list of a million strings one by one (~20 s at 1M claims).
            joined = "\x1f".join(missing)
            for key in (COMPACT_SQL, CORE_SQL):
                where = f"c.creditor_id = %s AND NOT {BEYOND_ASCII_SQL} AND {key} = w.key"
                arms.append((where, [joined, self.creditor.pk]))
        if arms:
            self._add_claims(self._sql_claims(arms), set(missing))
        return self._claims, self._cores

    def _sql_claims(self, arms: list[tuple[str, list]]) -> list[tuple[int, str, bool]]:
        """(id, number, beyond ASCII) of the claims of open dossiers some ``arms`` (SQL of this
        module, values as parameters) select, in one query.

        An arm naming ``w.key`` is run once per candidate (``LATERAL``, ``OFFSET 0`` keeping it
        a subquery of its own): each candidate looked up in the claims' expression index
        (migration ``imports 0006``). Written as ``key = ANY(array)`` or as a join, PostgreSQL
        estimates a pass over every claim of the creditor cheaper (it counts a regular
        expression as one operator) and computes both keys of each of them: at 1,000,000
        claims and 270,000 candidates, 4.2 s against 0.9 s through the indexes."""
        select = (
            f"SELECT c.id, c.invoice_number, c.dossier_id, {BEYOND_ASCII_SQL} AS beyond "  # noqa: S608
            "FROM dossiers_claim c WHERE "
        )
        query = " UNION ".join(
            f"SELECT c.* FROM unnest(string_to_array(%s, E'\\x1f')) AS w(key) "  # noqa: S608
            f"CROSS JOIN LATERAL ({select}{where} OFFSET 0) c"
            if "w.key" in where
            else select + where
            for where, _ in arms
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT k.id, k.invoice_number, k.beyond FROM ({query}) k "  # noqa: S608
                "JOIN dossiers_dossier d ON d.id = k.dossier_id WHERE d.closed_on IS NULL",
                [value for _, params in arms for value in params],
            )
            return cursor.fetchall()

    def _add_claims(self, rows, keys: set[str]) -> None:
        """Index ``rows`` by their keys: every key of a number beyond ASCII, those among
        ``keys`` of the others."""
        for pk, number, beyond in rows:
            key = compact(number)
            if beyond or key in keys:
                self._claims.setdefault(key, []).append(pk)
            core = invoice_core(number)
            if len(core) >= 3 and (beyond or core in keys):
                self._cores.setdefault(core, []).append(pk)

    def _all_claim_maps(self):
        if self._claims is None:
            self._claims, self._cores = {}, {}
            rows = Claim.objects.filter(
                creditor=self.creditor, dossier__closed_on__isnull=True
            ).values_list("pk", "invoice_number")
            for pk, number in rows.iterator(chunk_size=10_000):
                self._claims.setdefault(compact(number), []).append(pk)
                core = invoice_core(number)
                if len(core) >= 3:
                    self._cores.setdefault(core, []).append(pk)
        return self._claims, self._cores

    def prefetch(self, lines: Iterable[tuple[str, str, str]]) -> None:
        """Look up in bulk what ``match`` reads for these credits, each given as its
        ``(remittance, structured reference, payer's IBAN)``."""
        references: set[str] = set()
        ids: set[int] = set()
        hashes: set[str] = set()
        read: list[tuple[str, list[str]]] = []  # each credit's text and its RF references
        for remittance, structured, iban in lines:
            found = self._rf_references(f"{structured} {remittance}")
            references.update(found)
            read.append((remittance, found))
            if iban:
                hashes.add(self._hash(iban))
        self._rf.update(self._query_rf(sorted(references)))
        self._rf_known |= references
        # A credit whose RF reference names a dossier of the creditor is matched by it (``by_rf``
        # stops there, the dossier found again if it changes): its text's invoice numbers are
        # not looked up (a third of a day's statement). Another line of the same text is.
        texts: dict[str, set[str]] = {}
        for remittance, found in read:
            if remittance in texts or remittance in self._cited:
                continue
            if not any(reference in self._rf for reference in found):
                texts[remittance] = candidates_in(remittance)
        self._claim_maps(set().union(*texts.values()) if texts else set())  # one lookup
        for text, candidates in texts.items():
            self._cited[text] = self._read_invoice_ids(text, candidates)
        for remittance in texts:
            ids |= self._cited[remittance][0]
        self._claim_rows.update(
            (c.pk, c) for c in cited_invoices(Claim.objects.filter(AnyOf("pk", ids)))
        )
        from imports.statements.models import KnownIban

        for digest in hashes:
            self._ibans.setdefault(digest, set())
        for digest, debtor_id in KnownIban.objects.filter(AnyOf("iban_hash", hashes)).values_list(
            "iban_hash", "debtor_id"
        ):
            self._ibans[digest].add(debtor_id)
        debtors = set().union(*self._ibans.values()) if self._ibans else set()
        self._debtor_dossiers.update(self._query_debtor_dossiers(debtors))
        concerned = {d.pk for d in self._rf.values()}
        concerned |= {c.dossier_id for c in self._claim_rows.values()}
        concerned |= {d.pk for ds in self._debtor_dossiers.values() for d in ds}
        # The dossiers' open invoices as rows (200,000 of them at 1M claims).
        for claim in open_invoices(Claim.objects.filter(AnyOf("dossier_id", concerned))):
            self._open.setdefault(claim.dossier_id, []).append(claim)
        for pk in concerned:
            self._open.setdefault(pk, [])

    def changed(self, dossier_id: int | None) -> None:
        """A line was just posted to (or taken back from) this dossier: read it again."""
        if dossier_id is not None:
            self._stale.add(dossier_id)
            self._open.pop(dossier_id, None)

    def learned(self, iban: str, debtor_id: int) -> None:
        """The payer's IBAN was just learned for this debtor (``KnownIban``, written later)."""
        digest = self._hash(iban)
        if digest not in self._ibans:
            self._ibans[digest] = self._query_iban_debtors(digest)
        self._ibans[digest].add(debtor_id)

    def _rf_references(self, text: str) -> list[str]:
        """``rf_references_in(text)``, each text read once (the prefetch, then the rule)."""
        if text not in self._references:
            self._references[text] = rf_references_in(text)
        return self._references[text]

    def hashed(self, iban: str) -> str:
        """``iban_hash(iban)``, each IBAN of the statement hashed once."""
        return self._hash(iban)

    def _hash(self, iban: str) -> str:
        if iban not in self._hashes:
            self._hashes[iban] = iban_hash(iban)
        return self._hashes[iban]

    def _invoice_ids(self, text: str) -> tuple[set[int], bool]:
        """The invoices the text cites (exact numbers, else numbers read without prefix), and
        whether they were read without prefix (the creditor's numbers are read once per
        statement: the answer for a text does not change)."""
        if text not in self._cited:
            self._cited[text] = self._read_invoice_ids(text)
        return self._cited[text]

    def _read_invoice_ids(self, text: str, candidates=None) -> tuple[set[int], bool]:
        candidates = candidates_in(text) if candidates is None else candidates
        exact, cores = self._claim_maps(candidates)
        ids = {pk for c in candidates for pk in exact.get(c, [])}
        if ids:
            return ids, False
        ids = {pk for c in candidates for pk in cores.get(c, [])}
        return ids, bool(ids)

    def _query_rf(self, references: list[str]) -> dict[str, Dossier]:
        bases = {reference[4:]: reference for reference in references}
        if not bases:
            return {}
        found = (
            Dossier.objects.filter(creditor=self.creditor)
            .annotate(compact_ref=Replace(Upper("reference"), Value("-"), Value("")))
            .filter(compact_ref__in=list(bases))
        )  # the rule reads the dossier alone (its debtor's id, not the debtor)
        return {bases[d.compact_ref]: d for d in found}

    def _dossiers_by_rf(self, references: list[str]) -> dict[str, Dossier]:
        found = None
        if set(references) <= self._rf_known:
            found = {r: self._rf[r] for r in references if r in self._rf}
            if any(d.pk in self._stale for d in found.values()):
                found = None
        if found is None:
            found = self._query_rf(references)
        self.consulted.update(d.pk for d in found.values())
        return found

    def _claims_by_pk(self, ids: set[int]) -> list[Claim]:
        cached = [self._claim_rows.get(pk) for pk in ids]
        if not all(c is not None and c.dossier_id not in self._stale for c in cached):
            cached = list(cited_invoices(Claim.objects.filter(AnyOf("pk", ids))))
        self.consulted.update(c.dossier_id for c in cached)
        return cached

    def _open_claims(self, dossier: Dossier) -> list[OpenInvoice]:
        """The dossier's open invoices, oldest due first."""
        self.consulted.add(dossier.pk)
        if dossier.pk in self._open and dossier.pk not in self._stale:
            return self._open[dossier.pk]
        return open_invoices(Claim.objects.filter(dossier_id=dossier.pk))

    def _query_iban_debtors(self, digest: str) -> set[int]:
        from imports.statements.models import KnownIban

        return set(KnownIban.objects.filter(iban_hash=digest).values_list("debtor_id", flat=True))

    def _query_debtor_dossiers(self, debtors: set[int]) -> dict[int, list[Dossier]]:
        found: dict[int, list[Dossier]] = {pk: [] for pk in debtors}
        if debtors:
            for dossier in (
                Dossier.objects.filter(
                    AnyOf("debtor_id", debtors), creditor=self.creditor, closed_on__isnull=True
                )
                .select_related("debtor")
                .order_by("opened_on", "pk")
            ):
                found[dossier.debtor_id].append(dossier)
        return found

    def _iban_dossiers(self, iban: str) -> list[Dossier]:
        """The open dossiers of the creditor for the debtors who paid from this IBAN, the
        oldest opened first."""
        digest = self._hash(iban)
        debtors = self._ibans.get(digest)
        if debtors is None:
            debtors = self._query_iban_debtors(digest)
        missing = {pk for pk in debtors if pk not in self._debtor_dossiers}
        if missing:
            self._debtor_dossiers.update(self._query_debtor_dossiers(missing))
        dossiers = [d for pk in debtors for d in self._debtor_dossiers[pk]]
        if any(d.pk in self._stale for d in dossiers):
            dossiers = [d for ds in self._query_debtor_dossiers(debtors).values() for d in ds]
        self.consulted.update(d.pk for d in dossiers)
        return sorted(dossiers, key=lambda d: (d.opened_on, d.pk))

    def _amount_note(self, amount: Decimal, balance: Decimal) -> str:
        if amount == balance:
            return f", montant égal au reste dû ({self._euros(balance)})."
        if amount < balance:
            return f" ; paiement partiel : il restera {self._euros(balance - amount)} dus."
        return f" ; trop-perçu de {self._euros(amount - balance)} à rembourser."

    # --- rules ----------------------------------------------------------------------------

    def match(self, *, amount: Decimal, remittance: str, structured: str, iban: str) -> Match:
        return (
            self.by_rf(amount, f"{structured} {remittance}")
            or self.by_invoice(amount, remittance)
            or self.by_iban(amount, iban)
            or Match()
        )

    def by_rf(self, amount: Decimal, text: str) -> Match | None:
        references = self._rf_references(text)
        if not references:
            return None
        dossiers = self._dossiers_by_rf(references)
        for reference in references:
            dossier = dossiers.get(reference)
            if dossier is None:
                continue
            if dossier.is_closed:
                return Match(
                    rule="rf",
                    confidence=60,
                    dossier=dossier,
                    reason=(
                        f"Référence {reference} du dossier {dossier.reference}, mais ce dossier "
                        "est clos : trop-perçu à rembourser ou dossier à rouvrir ?"
                    ),
                )
            balance = sum((c.outstanding for c in self._open_claims(dossier)), Decimal("0"))
            return Match(
                rule="rf",
                confidence=100,
                dossier=dossier,
                reason=f"Référence {reference} du dossier {dossier.reference} au libellé"
                + self._amount_note(amount, balance),
            )
        return None

    def by_invoice(self, amount: Decimal, text: str) -> Match | None:
        ids, loose = self._invoice_ids(text)
        if not ids:
            return None
        claims = self._claims_by_pk(ids)
        by_dossier: dict[int, list[Claim]] = {}
        for claim in claims:
            by_dossier.setdefault(claim.dossier_id, []).append(claim)
        numbers = sorted(c.invoice_number for c in claims)
        cited = ", ".join(numbers)
        if len(by_dossier) > 1:
            first = min(claims, key=lambda c: (c.due_date, c.pk))
            return Match(
                rule="invoice",
                confidence=50,
                dossier=first.dossier,
                invoices=numbers,
                reason=f"Factures {cited} citées au libellé, mais de plusieurs dossiers : "
                "à répartir.",
            )
        dossier = claims[0].dossier
        open_claims = [c for c in claims if c.outstanding > 0 and not c.is_cancelled]
        if not open_claims:
            return Match(
                rule="invoice",
                confidence=50,
                dossier=dossier,
                invoices=numbers,
                reason=f"Facture(s) {cited} citée(s) au libellé, déjà soldée(s) ou annulée(s) : "
                "trop-perçu ?",
            )
        due = sum((c.outstanding for c in open_claims), Decimal("0"))
        oldest = self._open_claims(dossier)[: len(open_claims)]
        are_oldest = {c.pk for c in oldest} == {c.pk for c in open_claims}
        label = "Facture" if len(numbers) == 1 else "Factures"
        reason = f"{label} {cited} citée(s) au libellé (dossier {dossier.reference})"
        if loose:
            reason += ", numéro lu sans son préfixe"
        if amount == due and not loose:
            # C. civ. 1342-10: the debtor chose the invoices he pays; they are settled even when
            # older ones remain due.
            note = "" if are_oldest else " ; imputé sur ces factures, désignées par le débiteur"
            return Match(
                rule="invoice",
                confidence=CERTAIN,
                dossier=dossier,
                invoices=numbers,
                reason=f"{reason}, montant égal à leur reste dû ({self._euros(due)}){note}.",
            )
        if amount == due:
            note = f"montant égal à leur reste dû ({self._euros(due)})."
            return Match(
                rule="invoice",
                confidence=85,
                dossier=dossier,
                invoices=numbers,
                reason=f"{reason}, {note}",
            )
        return Match(
            rule="invoice",
            confidence=75,
            dossier=dossier,
            invoices=numbers,
            reason=f"{reason}, mais le montant ({self._euros(amount)}) diffère de leur reste dû "
            f"({self._euros(due)}) : paiement partiel ou trop-perçu.",
        )

    def by_iban(self, amount: Decimal, iban: str) -> Match | None:
        if not iban:
            return None
        dossiers = self._iban_dossiers(iban)
        if not dossiers:
            return None
        best: Match | None = None
        for dossier in dossiers:
            claims = self._open_claims(dossier)
            found = _amount_rule(amount, claims)
            if found is None:
                continue
            confidence, chosen, how = found
            match = Match(
                rule="iban",
                confidence=confidence,
                dossier=dossier,
                invoices=[c.invoice_number for c in chosen],
                reason=f"IBAN {iban_hint(iban)} déjà connu pour {dossier.debtor} ; {how}.",
            )
            if best is None or match.confidence > best.confidence:
                best = match
        if best is not None:
            return best
        dossier = dossiers[0]
        return Match(
            rule="iban",
            confidence=40,
            dossier=dossier,
            reason=f"IBAN {iban_hint(iban)} déjà connu pour {dossier.debtor}, mais le montant "
            f"({self._euros(amount)}) ne correspond à aucune facture ni somme de factures.",
        )


def _amount_rule(amount: Decimal, claims: list[OpenInvoice]):
    """(confidence, invoices, explanation) when the amount fits the open invoices, else None."""
    if not claims:
        return None
    single = [c for c in claims if c.outstanding == amount]
    if single:
        confidence = 80 if len(single) == 1 else 70
        return (
            confidence,
            single[:1],
            f"montant égal au reste dû de la facture {single[0].invoice_number}"
            + (" (la plus ancienne de celles de ce montant)" if len(single) > 1 else ""),
        )
    running = Decimal("0")
    for index, claim in enumerate(claims):
        running += claim.outstanding
        if running == amount:
            chosen = claims[: index + 1]
            return (
                75,
                chosen,
                "montant égal au reste dû des factures "
                + ", ".join(c.invoice_number for c in chosen)
                + " (les plus anciennes)",
            )
        if running > amount:
            break
    pool = claims[:SUBSET_LIMIT]
    for size in range(2, len(pool) + 1):
        for combo in itertools.combinations(pool, size):
            if sum((c.outstanding for c in combo), Decimal("0")) == amount:
                return (
                    65,
                    list(combo),
                    "montant égal à la somme des factures "
                    + ", ".join(c.invoice_number for c in combo),
                )
    return None
