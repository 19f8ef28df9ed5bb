"""The bank statements' part of the demo: the first creditor's bank sends a camt.054 credit
notice, then a camt.053 statement, imported as a user would from « Imports › Relevés
bancaires ». The statement holds every kind of line:

- certain, posted at once: a transfer quoting a dossier's RF reference (clearing it), and a
  transfer quoting the oldest invoice's number for exactly its balance;
- probable, waiting in « Rapprochement »: an invoice number with a part payment, and a transfer
  from an IBAN learned the day before (from the notice) for exactly an invoice's balance;
- unmatched: a transfer naming nothing known; and bank fees, set aside.

``statement_files(creditor, dossiers, on)`` builds the two files (also used by the tests);
``bank_statements(seeder=...)`` imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from dossiers.models import CADENCE_STATES, Claim, Creditor, Debtor, Dossier
from legal.references import dossier_rf_reference

NS053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
NS054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
PAYER_IBANS = [
    "FR7610107001011234567890129",
    "FR7617569000301234567890168",
    "FR7630003000401234567890162",
    "FR1420041010050500013M02606",
    "FR7630004000031234567890143",
]


@dataclass
class Line:
    amount: Decimal
    name: str
    iban: str = ""
    text: str = ""
    reference: str = ""
    debit: bool = False
    fees: bool = False


def _entry(line: Line, on: date, number: int, prefix: str) -> str:
    family, sub = ("MDOP", "CHRG") if line.fees else ("RCDT", "ESCT")
    domain = "ACMT" if line.fees else "PMNT"
    party = ""
    if line.name:
        party = f"<Dbtr><Pty><Nm>{escape(line.name)}</Nm></Pty></Dbtr>"
    if line.iban:
        party += f"<DbtrAcct><Id><IBAN>{line.iban}</IBAN></Id></DbtrAcct>"
    remittance = ""
    if line.reference:
        remittance = (
            "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr>"
            f"</Tp><Ref>{line.reference}</Ref></CdtrRefInf></Strd></RmtInf>"
        )
    elif line.text:
        remittance = f"<RmtInf><Ustrd>{escape(line.text)}</Ustrd></RmtInf>"
    details = ""
    if party or remittance:
        details = (
            "<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
            f"<RltdPties>{party}</RltdPties>{remittance}</TxDtls></NtryDtls>"
        )
    extra = f"<AddtlNtryInf>{escape(line.text)}</AddtlNtryInf>" if line.fees else ""
    return (
        f'<Ntry><Amt Ccy="EUR">{line.amount:.2f}</Amt>'
        f"<CdtDbtInd>{'DBIT' if line.debit else 'CRDT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{on:%Y-%m-%d}</Dt></BookgDt><ValDt><Dt>{on:%Y-%m-%d}</Dt></ValDt>"
        f"<AcctSvcrRef>{prefix}-{on:%Y%m%d}-{number:04d}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd>"
        f"</Fmly></Domn></BkTxCd>{extra}{details}</Ntry>"
    )


def camt(account: str, lines: list[Line], on: date, *, notice: bool = False) -> bytes:
    """A camt.053 statement (or, ``notice``, a camt.054 notification) of ``lines``."""
    prefix = "AVIS" if notice else "REL"
    entries = "".join(_entry(line, on, n, prefix) for n, line in enumerate(lines, start=1))
    message, block, ns = (
        ("BkToCstmrDbtCdtNtfctn", "Ntfctn", NS054) if notice else ("BkToCstmrStmt", "Stmt", NS053)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}"><{message}>'
        f"<GrpHdr><MsgId>{prefix}-{on:%Y%m%d}</MsgId><CreDtTm>{on:%Y-%m-%d}T06:00:00</CreDtTm>"
        f"</GrpHdr><{block}><Id>{prefix}-{on:%Y%m%d}-1</Id>"
        f"<Acct><Id><IBAN>{account}</IBAN></Id></Acct>{entries}</{block}></{message}></Document>\n"
    ).encode()


def _open_claims(dossier: Dossier) -> list[Claim]:
    return list(dossier.claims.open().oldest_first())


def statement_files(
    creditor: Creditor, dossiers: list[Dossier], on: date
) -> list[tuple[str, bytes]]:
    """(name, content) of the notice (the day before) and the statement, for four dossiers
    with open invoices: [RF, invoice number, part payment, known IBAN]."""
    rf, invoice, partial, iban = dossiers[:4]
    notice_day, day = on - timedelta(days=1), on
    iban_payer = PAYER_IBANS[3]
    notice = [
        # A first part payment quoting the RF reference: certain; its IBAN is learned.
        Line(
            Decimal("50.00"),
            iban.debtor.name,
            iban_payer,
            reference=dossier_rf_reference(iban.reference),
        ),
    ]
    balance = sum((c.outstanding for c in _open_claims(rf)), Decimal("0"))
    oldest = _open_claims(invoice)[0]
    part = _open_claims(partial)[0]
    after_notice = _open_claims(iban)[0].outstanding - Decimal("50.00")
    statement = [
        Line(balance, rf.debtor.name, PAYER_IBANS[0], reference=dossier_rf_reference(rf.reference)),
        Line(
            oldest.outstanding,
            invoice.debtor.name,
            PAYER_IBANS[1],
            text=f"REGLEMENT FACTURE {oldest.invoice_number.replace('-', ' ')}",
        ),
        Line(
            (part.outstanding / 2).quantize(Decimal("0.01")),
            partial.debtor.name,
            PAYER_IBANS[2],
            text=f"ACOMPTE FACT {part.invoice_number}",
        ),
        Line(after_notice, iban.debtor.name, iban_payer, text="VIREMENT"),
        Line(Decimal("75.00"), "M. PAUL INCONNU", PAYER_IBANS[4], text="REMBOURSEMENT"),
        Line(Decimal("18.40"), "", text="FRAIS TENUE DE COMPTE", debit=True, fees=True),
    ]
    return [
        (
            f"avis-credit-{notice_day:%Y%m%d}.xml",
            camt(creditor.iban, notice, notice_day, notice=True),
        ),
        (f"releve-{day:%Y%m%d}.xml", camt(creditor.iban, statement, day)),
    ]


def demo_dossiers(creditor: Creditor) -> list[Dossier]:
    """Four open dossiers of the creditor with invoices due, of four debtors (those in the
    cadence first)."""
    chosen, debtors = [], set()
    candidates = sorted(
        Dossier.objects.filter(
            creditor=creditor,
            closed_on__isnull=True,
            debtor__processing_restricted=False,
            debtor__insolvency_status=Debtor.Insolvency.NONE,
        )
        .select_related("debtor")
        .order_by("pk"),
        key=lambda d: d.state not in CADENCE_STATES,
    )
    for dossier in candidates:
        claims = _open_claims(dossier)
        if dossier.debtor_id in debtors or not claims or claims[0].outstanding <= 60:
            continue
        chosen.append(dossier)
        debtors.add(dossier.debtor_id)
        if len(chosen) == 4:
            break
    return chosen


def bank_statements(*, seeder) -> list[str]:
    from imports.statements import services

    # The first creditor with four open dossiers to pay.
    for creditor in Creditor.objects.order_by("pk"):
        dossiers = demo_dossiers(creditor)
        if len(dossiers) == 4:
            break
    else:
        return ["Relevés bancaires : aucun créancier n'a quatre dossiers ouverts à payer."]
    on = seeder.today - timedelta(days=1)
    summary = {}
    for name, content in statement_files(creditor, dossiers, on):
        result = services.statement_import(
            content=content, name=name, actor=seeder.controller, creditor=creditor
        )
        summary = result.statement.summary
    return [
        f"Relevés bancaires : un avis et un relevé de {creditor} importés "
        f"({summary.get('posted', 0)} paiements enregistrés, {summary.get('proposed', 0)} "
        f"proposés, {summary.get('unmatched', 0)} non rapproché ; menu Rapprochement)."
    ]
