"""Factur-X / ZUGFeRD e-invoices (docs/legal.md §10): the CII XML embedded in the PDF gives the
claim without retyping; the PDF itself is kept as the claim's evidence.

The ``factur-x`` library extracts and parses the XML (EN 16931 business terms: BT-1 number,
BT-2 issue date, BT-9 due date, BT-112/BT-115 totals, BG-4 seller, BG-7 buyer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from dossiers import scoping, services
from dossiers.models import Claim, Creditor, Debtor, Evidence
from imports.parsing import CellError, parse_siren

CREDIT_NOTE_CODES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
# Without a stated due date, payment is due 30 days after receipt (C. com. L441-10 I).
DEFAULT_TERM_DAYS = 30


@dataclass(frozen=True)
class Party:
    name: str
    siren: str
    address: str
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True)
class EInvoice:
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str
    seller: Party
    buyer: Party
    notes: tuple[str, ...] = ()


def _party(data: dict, role: str) -> Party:
    data = data or {}
    try:
        siren = parse_siren(data.get("legal_identifier", ""))
    except CellError as exc:
        raise ValidationError(f"SIREN du {role} invalide dans la facture : {exc}") from exc
    return Party(
        name=(data.get("name") or "").strip()[:200],
        siren=siren,
        address=" ".join(
            filter(None, (data.get("addr_l1"), data.get("addr_l2"), data.get("addr_l3")))
        )[:200],
        postal_code=(data.get("postcode") or "")[:10],
        city=(data.get("city") or "")[:100],
        country=(data.get("country_code") or "FR")[:2],
    )


def read_einvoice(pdf: bytes) -> EInvoice:
    """The invoice's figures, read from the XML inside a Factur-X PDF (French errors)."""
    import facturx

    try:
        _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    except Exception as exc:  # the library raises bare exceptions for damaged PDFs
        raise ValidationError("Ce fichier n'est pas un PDF lisible.") from exc
    if not xml:
        raise ValidationError(
            "Ce PDF ne contient pas de facture électronique Factur-X (aucun XML joint)."
        )
    try:
        data = facturx.parse_ubl_cii_xml(xml, check_xsd=False)
    except Exception as exc:
        raise ValidationError(f"Le XML de la facture est illisible : {exc}") from exc
    if str(data.get("BT-3", "380")) in CREDIT_NOTE_CODES:
        raise ValidationError("Ce document est un avoir, pas une facture à recouvrer.")
    number = str(data.get("BT-1") or "").strip()
    issue = data.get("BT-2")
    if not number or not isinstance(issue, date):
        raise ValidationError("La facture n'indique pas son numéro ou sa date d'émission.")
    try:
        amount = Decimal(str(data.get("BT-115") or data.get("BT-112") or ""))
    except InvalidOperation as exc:
        raise ValidationError("La facture n'indique pas de montant à payer.") from exc
    notes = []
    due = data.get("BT-9")
    if not isinstance(due, date):
        due = issue + timedelta(days=DEFAULT_TERM_DAYS)
        notes.append(
            f"Échéance absente : {DEFAULT_TERM_DAYS} jours après l'émission (C. com. L441-10)."
        )
    return EInvoice(
        number=number,
        issue_date=issue,
        due_date=due,
        amount=amount,
        currency=str(data.get("BT-5") or "EUR"),
        seller=_party(data.get("BG-4"), "vendeur"),
        buyer=_party(data.get("BG-7"), "client"),
        notes=tuple(notes),
    )


def claim_from_einvoice(
    *, pdf: bytes, filename: str, actor, creditor: Creditor | None = None, creditors=None
) -> tuple[Claim, bool]:
    """Record the invoice of a Factur-X PDF as a claim and keep the PDF as its evidence.

    The seller must be a known creditor (by SIREN); the buyer is found by SIREN or created.
    ``creditors``: the creditors the user may work for (``scoping.visible_creditors``); a
    seller outside them is refused. The same PDF imported again changes nothing. Returns
    (claim, created)."""
    invoice = read_einvoice(pdf)
    if invoice.currency != "EUR":
        raise ValidationError("Seules les factures en euros sont gérées.")
    if invoice.amount <= 0:
        raise ValidationError("Le montant à payer de la facture est nul : rien à recouvrer.")
    seller = invoice.seller
    if creditor is None:
        creditor = Creditor.objects.filter(siren=seller.siren).first() if seller.siren else None
        if creditor is None:
            raise ValidationError(
                f"Le vendeur « {seller.name} » (SIREN {seller.siren or 'absent'}) n'est pas un "
                "créancier enregistré."
            )
    if creditors is not None and not creditors.filter(pk=creditor.pk).exists():
        raise ValidationError(
            f"Le vendeur « {seller.name} » n'est pas un créancier de votre portefeuille : "
            "demandez à son responsable d'importer cette facture."
        )
    elif seller.siren and seller.siren != creditor.siren:
        raise ValidationError(
            f"Cette facture a été émise par « {seller.name} » (SIREN {seller.siren}), "
            f"pas par {creditor}."
        )
    reason = f"facture électronique Factur-X « {filename} »"
    with transaction.atomic():
        existing = Claim.objects.filter(creditor=creditor, invoice_number=invoice.number).first()
        if existing is not None:
            readable = scoping.visible_dossiers(actor).filter(pk=existing.dossier_id)
            if creditors is not None and not readable.exists():
                # Another portfolio's invoice: no replay of what the user may not read.
                raise ValidationError(scoping.OUT_OF_PORTFOLIO)
            if existing.amount != invoice.amount:
                raise ValidationError(
                    f"La facture {invoice.number} est déjà enregistrée avec un autre montant."
                )
            return existing, False
        debtor = _buyer(invoice.buyer, actor=actor, reason=reason)
        claim = services.claim_create(
            creditor=creditor,
            debtor=debtor,
            invoice_number=invoice.number,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            amount=invoice.amount,
            actor=actor,
            reason=reason,
            scoped=creditors is not None,
        )
        services.evidence_add(
            dossier=claim.dossier,
            claim=claim,
            file=ContentFile(pdf, name=_evidence_name(filename, invoice.number)),
            kind=Evidence.Kind.INVOICE,
            description=" ".join(("Facture électronique Factur-X.", *invoice.notes)),
            actor=actor,
            reason=reason,
        )
    return claim, True


def _evidence_name(filename: str, number: str) -> str:
    """The stored file always ends in ``.pdf``: the evidence validator checks that the name
    matches the bytes, and a Factur-X sent as ``facture`` or ``facture.bin`` is still a PDF."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or number
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def _buyer(party: Party, *, actor, reason: str) -> Debtor:
    if party.siren:
        debtor = Debtor.objects.filter(siren=party.siren).first()
        if debtor is not None:
            return debtor
    if not (party.name and party.address and party.postal_code and party.city):
        raise ValidationError(
            f"Le client « {party.name} » n'est pas connu et la facture ne donne pas son adresse "
            "complète."
        )
    return services.debtor_create(
        actor=actor,
        reason=reason,
        kind=Debtor.Kind.PROFESSIONAL if party.siren else Debtor.Kind.UNKNOWN,
        name=party.name,
        siren=party.siren,
        address_line1=party.address,
        postal_code=party.postal_code,
        city=party.city,
        country=party.country,
    )
