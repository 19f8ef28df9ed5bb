"""Factur-X / ZUGFeRD e-invoices (docs/legal.md §10, docs/imports.md): the CII XML embedded in
the PDF gives the claim without retyping; the PDF itself is kept as the claim's evidence.

The ``factur-x`` library extracts and parses the XML (EN 16931 business terms: BT-1 number,
BT-2 issue date, BT-3 document type, BT-9 due date, BT-112/BT-115 totals, BG-3 preceding
invoice, BG-4 seller, BG-7 buyer).

Document types (UNTDID 1001, BT-3), each read for what it does to the debt:

- **380** (and the other invoice codes): a claim; a negative amount is a credit, read as 381.
- **381** credit note (avoir): reduces what the buyer owes: recorded as a credit note on the
  invoice it cites (BG-3), else on the pair's dossier, oldest invoice first. A credit note larger
  than what is still due is refused: the money is the seller's to refund, not to recover.
- **384** corrective invoice (facture rectificative): replaces the invoice it cites (BG-3). A
  positive amount is the new amount due (the corrected invoice is cancelled, the corrective one
  recorded); zero cancels the corrected invoice; a negative amount is a reduction, recorded as a
  credit note on it. An invoice already partly paid is not replaced automatically.
- **389** self-billed invoice (autofacture): issued by the buyer in the seller's name; the seller
  (BG-4) is still the creditor and the buyer (BG-7) the debtor (EN 16931), and the evidence says
  who issued it. A self-billed invoice where the creditor is the *buyer* is refused: it is a debt
  of the creditor, not a claim.

An invoice whose number is known with other facts (dates, amount, debtor, document) is a
conflict (``InvoiceConflict``, with the differences), never silently the earlier claim.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from stdnum.eu import vat as stdnum_vat
from stdnum.fr import tva as stdnum_tva

from dossiers import scoping, services
from dossiers.models import Claim, Creditor, Debtor, Dossier, Evidence, Payment, PaymentAllocation
from imports.parsing import CellError, parse_siren
from journal.journaled import journaled_save
from legal.formatting import euros

INVOICE, CREDIT_NOTE, CORRECTIVE, SELF_BILLED = "380", "381", "384", "389"
CREDIT_NOTE_CODES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
TYPE_LABELS = {
    INVOICE: "facture",
    CREDIT_NOTE: "avoir",
    CORRECTIVE: "facture rectificative",
    SELF_BILLED: "autofacture",
}
# Without a stated due date, payment is due 30 days after receipt (C. com. L441-10 I).
DEFAULT_TERM_DAYS = 30
EVIDENCE_PREFIX = "Facture électronique Factur-X"


def clean_name(value) -> str:
    """A party's name or address line on one line: line breaks and runs of spaces collapsed
    (« Herrn\\nMax   Mustermann » → « Herrn Max Mustermann »)."""
    return " ".join(str(value or "").split())


@dataclass(frozen=True)
class Party:
    name: str
    siren: str
    address: str
    postal_code: str
    city: str
    country: str
    vat_number: str = ""


@dataclass(frozen=True)
class EInvoice:
    number: str
    type_code: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str
    seller: Party
    buyer: Party
    preceding: tuple[str, ...] = ()  # BG-3: the invoices a credit note or a correction cites
    notes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """380, 381, 384 or 389: what the document does to the debt."""
        if self.type_code in CREDIT_NOTE_CODES:
            return CREDIT_NOTE
        if self.type_code in (CORRECTIVE, SELF_BILLED):
            return self.type_code
        return CREDIT_NOTE if self.amount < 0 else INVOICE

    @property
    def label(self) -> str:
        return TYPE_LABELS[self.kind]


@dataclass(frozen=True)
class Outcome:
    """What importing one e-invoice did: the claim it concerns, whether anything was written,
    and the sentence the user reads."""

    claim: Claim
    created: bool
    message: str


class InvoiceConflict(ValidationError):
    """The number is known for this creditor with other facts. ``differences``: (label,
    recorded, received) in French; ``claim`` is None when the user may not see its dossier
    (nothing about it is revealed)."""

    def __init__(self, message: str, *, claim: Claim | None, differences: list[tuple[str, ...]]):
        super().__init__(message)
        self.claim = claim
        self.differences = differences


def _vat(value) -> str:
    """The party's VAT number (BT-31, BT-48) in compact form; one whose check digits are wrong
    is not used to find anybody (python-stdnum)."""
    raw = clean_name(value)
    return stdnum_vat.compact(raw) if raw and stdnum_vat.is_valid(raw) else ""


def _party(data: dict, role: str) -> Party:
    data = data or {}
    try:
        siren = parse_siren(data.get("legal_identifier", ""))
    except CellError as exc:
        raise ValidationError(f"SIREN du {role} invalide dans la facture : {exc}") from exc
    vat_number = _vat(data.get("vat_identifier"))
    if not siren and vat_number.startswith("FR"):
        siren = stdnum_tva.to_siren(vat_number)  # a French VAT number holds the SIREN
    return Party(
        name=clean_name(data.get("name"))[:200],
        siren=siren,
        address=clean_name(
            " ".join(filter(None, (data.get("addr_l1"), data.get("addr_l2"), data.get("addr_l3"))))
        )[:200],
        postal_code=clean_name(data.get("postcode"))[:10],
        city=clean_name(data.get("city"))[:100],
        country=(clean_name(data.get("country_code")) or "FR")[:2],
        vat_number=vat_number,
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
    return read_xml(xml)


def read_xml(xml: bytes) -> EInvoice:
    import facturx

    try:
        data = facturx.parse_ubl_cii_xml(xml, check_xsd=False)
    except Exception as exc:
        raise ValidationError(f"Le XML de la facture est illisible : {exc}") from exc
    number = clean_name(data.get("BT-1"))
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
    preceding = tuple(
        clean_name(ref.get("BT-25"))
        for ref in (data.get("BG-3") or [])
        if isinstance(ref, dict) and clean_name(ref.get("BT-25"))
    )
    return EInvoice(
        number=number,
        type_code=clean_name(data.get("BT-3")) or INVOICE,
        issue_date=issue,
        due_date=due,
        amount=amount,
        currency=str(data.get("BT-5") or "EUR"),
        seller=_party(data.get("BG-4"), "vendeur"),
        buyer=_party(data.get("BG-7"), "client"),
        preceding=preceding,
        notes=tuple(notes),
    )


def _creditor_of(party: Party) -> Creditor | None:
    """The creditor a party is: by SIREN, or by VAT number."""
    match = Q(pk__in=[])
    if party.siren:
        match |= Q(siren=party.siren)
    if party.vat_number:
        match |= Q(vat_number=party.vat_number)
    return Creditor.objects.filter(match).first()


def _seller(invoice: EInvoice, creditor: Creditor | None, creditors) -> Creditor:
    seller = invoice.seller
    found = _creditor_of(seller) if (seller.siren or seller.vat_number) else None
    if creditor is None:
        creditor = found
        if creditor is None:
            if invoice.kind == SELF_BILLED and _creditor_of(invoice.buyer) is not None:
                raise ValidationError(
                    f"Cette autofacture (type 389) a été émise par « {invoice.buyer.name} », "
                    "client, au nom du vendeur : elle constate une dette de ce créancier, pas "
                    "une créance à recouvrer."
                )
            ids = ", ".join(
                filter(
                    None,
                    (
                        f"SIREN {seller.siren}" if seller.siren else "",
                        f"TVA {seller.vat_number}" if seller.vat_number else "",
                    ),
                )
            )
            raise ValidationError(
                f"Le vendeur « {seller.name} » ({ids or 'SIREN absent'}) n'est pas un "
                "créancier enregistré."
            )
    elif found is not None and found.pk != creditor.pk:
        raise ValidationError(
            f"Cette facture a été émise par « {seller.name} » (SIREN {seller.siren}), "
            f"pas par {creditor}."
        )
    if creditors is not None and not creditors.filter(pk=creditor.pk).exists():
        raise ValidationError(
            f"Le vendeur « {seller.name} » n'est pas un créancier de votre portefeuille : "
            "demandez à son responsable d'importer cette facture."
        )
    return creditor


def einvoice_import(
    *,
    pdf: bytes,
    filename: str,
    actor,
    creditor: Creditor | None = None,
    creditors=None,
    dossiers=None,
) -> Outcome:
    """Record what a Factur-X PDF says (an invoice, a credit note, a correction) and keep the
    PDF as evidence.

    ``creditors``: the creditors the user may work for (``scoping.visible_creditors``), a
    seller outside them is refused; ``dossiers``: the dossiers the user may see
    (``scoping.visible_dossiers``), a conflict with another dossier is refused without saying
    what it holds. The same PDF imported again changes nothing."""
    invoice = read_einvoice(pdf)
    if invoice.currency != "EUR":
        raise ValidationError("Seules les factures en euros sont gérées.")
    creditor = _seller(invoice, creditor, creditors)
    reason = f"{invoice.label} électronique Factur-X « {filename} »"
    with transaction.atomic():
        Creditor.objects.select_for_update().only("pk").get(pk=creditor.pk)
        if invoice.kind == CREDIT_NOTE:
            return _credit_note(invoice, pdf, filename, creditor, actor, reason, dossiers)
        existing = Claim.objects.filter(creditor=creditor, invoice_number=invoice.number).first()
        if existing is not None:
            return _known(existing, invoice, pdf, filename, actor, reason, dossiers)
        if invoice.kind == CORRECTIVE:
            return _corrective(invoice, pdf, filename, creditor, actor, reason, dossiers)
        if invoice.amount <= 0:
            raise ValidationError("Le montant à payer de la facture est nul : rien à recouvrer.")
        claim = _new_claim(
            invoice, pdf, filename, creditor, actor, reason, scoped=creditors is not None
        )
    return Outcome(
        claim,
        True,
        f"Facture {claim.invoice_number} enregistrée dans le dossier "
        f"{claim.dossier.reference} ; le PDF est conservé comme pièce.",
    )


def claim_from_einvoice(**kwargs) -> tuple[Claim, bool]:
    """``einvoice_import`` as (claim, created)."""
    outcome = einvoice_import(**kwargs)
    return outcome.claim, outcome.created


def _description(invoice: EInvoice) -> str:
    words = [f"{EVIDENCE_PREFIX} ({invoice.label}, type {invoice.type_code})."]
    if invoice.kind == SELF_BILLED:
        words.append(
            f"Autofacture : émise par le client « {invoice.buyer.name} » au nom du vendeur."
        )
    if invoice.preceding:
        words.append(f"Se rapporte à : {', '.join(invoice.preceding)}.")
    return " ".join((*words, *invoice.notes))


def _keep_pdf(dossier, claim, pdf: bytes, filename: str, invoice: EInvoice, actor, reason) -> None:
    services.evidence_add(
        dossier=dossier,
        claim=claim,
        file=ContentFile(pdf, name=_evidence_name(filename, invoice.number)),
        kind=Evidence.Kind.INVOICE,
        description=_description(invoice),
        actor=actor,
        reason=reason,
    )


def _new_claim(invoice, pdf, filename, creditor, actor, reason, debtor=None, scoped=False) -> Claim:
    debtor = debtor or _buyer(invoice.buyer, actor=actor, reason=reason)
    claim = services.claim_create(
        creditor=creditor,
        debtor=debtor,
        invoice_number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        amount=invoice.amount,
        actor=actor,
        reason=reason,
        scoped=scoped,
    )
    _keep_pdf(claim.dossier, claim, pdf, filename, invoice, actor, reason)
    return claim


def _date(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _pdfs(claim: Claim) -> list[str]:
    return list(
        Evidence.objects.filter(
            claim=claim, kind=Evidence.Kind.INVOICE, description__startswith=EVIDENCE_PREFIX
        ).values_list("sha256", flat=True)
    )


def _same_debtor(debtor: Debtor, party: Party) -> bool:
    if party.siren or debtor.siren:
        return party.siren == debtor.siren
    return clean_name(debtor.name).casefold() == party.name.casefold()


def _differences(claim: Claim, invoice: EInvoice, digest: str) -> list[tuple[str, str, str]]:
    """(label, recorded, received) for each fact of the invoice that the claim states
    otherwise."""
    found = []
    if claim.issue_date != invoice.issue_date:
        found.append(("Date d'émission", _date(claim.issue_date), _date(invoice.issue_date)))
    if claim.due_date != invoice.due_date:
        found.append(("Date d'échéance", _date(claim.due_date), _date(invoice.due_date)))
    if claim.amount != invoice.amount:
        found.append(("Montant TTC", euros(claim.amount), euros(invoice.amount)))
    debtor = claim.dossier.debtor
    if not _same_debtor(debtor, invoice.buyer):
        found.append(
            (
                "Débiteur",
                f"{debtor.name}" + (f" (SIREN {debtor.siren})" if debtor.siren else ""),
                f"{invoice.buyer.name}"
                + (f" (SIREN {invoice.buyer.siren})" if invoice.buyer.siren else ""),
            )
        )
    kept = _pdfs(claim)
    if kept and digest not in kept:
        found.append(
            ("Document (PDF)", f"SHA-256 {kept[0][:12]}…", f"SHA-256 {digest[:12]}… (un autre PDF)")
        )
    return found


def _hidden(claim: Claim, dossiers) -> bool:
    return dossiers is not None and not dossiers.filter(pk=claim.dossier_id).exists()


def _known(claim: Claim, invoice, pdf, filename, actor, reason, dossiers) -> Outcome:
    """The number is known: the same invoice changes nothing (its PDF is kept if the claim had
    none); another one is a conflict."""
    digest = hashlib.sha256(pdf).hexdigest()
    differences = _differences(claim, invoice, digest)
    if differences:
        if _hidden(claim, dossiers):
            raise InvoiceConflict(
                f"La facture {invoice.number} ne peut pas être importée : ce numéro est déjà "
                "enregistré pour ce créancier, dans un dossier hors de votre portefeuille. "
                "Adressez-vous au responsable du créancier.",
                claim=None,
                differences=[],
            )
        raise InvoiceConflict(
            f"La facture {invoice.number} est déjà enregistrée avec d'autres données "
            f"(dossier {claim.dossier.reference}) : "
            + " ; ".join(
                f"{label} : {old} enregistré, {new} reçu" for label, old, new in differences
            )
            + ". Rien n'a été importé : vérifiez la facture (une facture émise ne se modifie "
            "pas : émettez un avoir ou une facture rectificative).",
            claim=claim,
            differences=differences,
        )
    if _hidden(claim, dossiers):
        # Another portfolio's invoice: no replay of what the user may not read.
        raise ValidationError(scoping.OUT_OF_PORTFOLIO)
    if not _pdfs(claim):
        _keep_pdf(claim.dossier, claim, pdf, filename, invoice, actor, reason)
        return Outcome(
            claim,
            False,
            f"La facture {claim.invoice_number} était déjà enregistrée ; son PDF est "
            "maintenant conservé comme pièce.",
        )
    return Outcome(claim, False, f"La facture {claim.invoice_number} était déjà enregistrée.")


def _cited(invoice: EInvoice, creditor: Creditor) -> Claim | None:
    if not invoice.preceding:
        return None
    return (
        Claim.objects.select_related("dossier__debtor")
        .filter(creditor=creditor, invoice_number__in=invoice.preceding)
        .order_by("due_date", "pk")
        .first()
    )


def _credit_reference(invoice: EInvoice) -> str:
    """The credit note's payment reference: what makes a second import find it."""
    word = "Rectificative" if invoice.kind == CORRECTIVE else "Avoir"
    return f"{word} {invoice.number}"[:100]


def _credit_note(invoice, pdf, filename, creditor, actor, reason, dossiers) -> Outcome:
    """A credit note (or a negative correction) reduces what is owed: a credit note on the
    invoice it cites, the rest (or all, when it cites none) oldest invoice first."""
    amount = abs(invoice.amount)
    if amount == 0:
        raise ValidationError(f"L'{invoice.label} {invoice.number} est de 0,00 € : rien à imputer.")
    if (
        invoice.kind == CREDIT_NOTE
        and invoice.amount < 0
        and invoice.type_code in CREDIT_NOTE_CODES
    ):
        raise ValidationError(
            f"L'avoir {invoice.number} porte un montant négatif ({euros(invoice.amount)}) : "
            "ce serait une facture ; envoyez-la comme facture (type 380)."
        )
    reference = _credit_reference(invoice)
    recorded = (
        Payment.objects.select_related("dossier")
        .filter(dossier__creditor=creditor, kind=Payment.Kind.CREDIT_NOTE, reference=reference)
        .first()
    )
    cited = _cited(invoice, creditor)
    if recorded is not None:
        claim = cited or recorded.allocations.select_related("claim").first().claim
        if recorded.amount != amount or recorded.received_on != invoice.issue_date:
            if _hidden(claim, dossiers):
                raise InvoiceConflict(
                    f"L'{invoice.label} {invoice.number} ne peut pas être importé : ce numéro "
                    "est déjà enregistré pour ce créancier, dans un dossier hors de votre "
                    "portefeuille.",
                    claim=None,
                    differences=[],
                )
            differences = []
            if recorded.amount != amount:
                differences.append(("Montant", euros(recorded.amount), euros(amount)))
            if recorded.received_on != invoice.issue_date:
                differences.append(("Date", _date(recorded.received_on), _date(invoice.issue_date)))
            raise InvoiceConflict(
                f"L'{invoice.label} {invoice.number} est déjà enregistré avec d'autres données "
                f"(dossier {recorded.dossier.reference}) : "
                + " ; ".join(
                    f"{label} : {old} enregistré, {new} reçu" for label, old, new in differences
                )
                + ". Rien n'a été importé.",
                claim=claim,
                differences=differences,
            )
        return Outcome(claim, False, f"L'{invoice.label} {invoice.number} était déjà enregistré.")
    if invoice.preceding and cited is None:
        raise ValidationError(
            f"L'{invoice.label} {invoice.number} se rapporte à la facture "
            f"{', '.join(invoice.preceding)}, inconnue pour ce créancier : rien à réduire."
        )
    if cited is not None:
        dossier = cited.dossier
        if not _same_debtor(dossier.debtor, invoice.buyer):
            raise ValidationError(
                f"L'{invoice.label} {invoice.number} est adressé à « {invoice.buyer.name} », "
                f"mais la facture {cited.invoice_number} l'est à « {dossier.debtor.name} »."
            )
    else:
        debtor = _known_buyer(invoice.buyer)
        dossier = (
            Dossier.objects.filter(creditor=creditor, debtor=debtor, closed_on__isnull=True).first()
            if debtor
            else None
        )
        if dossier is None:
            raise ValidationError(
                f"L'{invoice.label} {invoice.number} ne cite aucune facture et « "
                f"{invoice.buyer.name} » n'a aucun dossier ouvert chez ce créancier : rien à "
                "réduire."
            )
    payment = _credit(dossier, cited, amount, invoice, reference, actor, reason)
    claim = cited or payment.allocations.select_related("claim").first().claim
    _keep_pdf(dossier, claim, pdf, filename, invoice, actor, reason)
    return Outcome(
        claim,
        True,
        f"{invoice.label.capitalize()} {invoice.number} de {euros(amount)} imputé dans le dossier "
        f"{dossier.reference} ; le PDF est conservé comme pièce.",
    )


def _credit(dossier, cited, amount, invoice, reference, actor, reason) -> Payment:
    """A credit note of ``amount`` on the cited invoice first, the rest on the oldest others;
    refused beyond what is still due (the surplus is the seller's to refund)."""
    dossier = services.lock_dossier(dossier)
    if dossier.is_closed:
        raise ValidationError(
            f"Le dossier {dossier.reference} est clos : l'{invoice.label} {invoice.number} ne "
            "peut pas y être imputé."
        )
    claims = list(Claim.objects.select_for_update().filter(dossier=dossier).open().order_by("pk"))
    first = [c for c in claims if cited is not None and c.pk == cited.pk]
    others = [c for c in claims if cited is None or c.pk != cited.pk]
    plan = []
    left = amount
    if first:
        share = min(left, first[0].outstanding)
        plan.append((first[0], share))
        left -= share
    rest, left = services.allocate_oldest_first(others, left)
    plan += [(line.claim, line.amount) for line in rest]
    if left > 0:
        due = sum((c.outstanding for c in claims), Decimal("0.00"))
        raise ValidationError(
            f"L'{invoice.label} {invoice.number} ({euros(amount)}) dépasse ce qui reste dû "
            f"dans le dossier {dossier.reference} ({euros(due)}) : le surplus est à rembourser "
            "par le créancier, il n'est pas imputé. Rien n'a été importé."
        )
    payment = Payment(
        dossier=dossier,
        kind=Payment.Kind.CREDIT_NOTE,
        amount=amount,
        received_on=invoice.issue_date,
        method=Payment.Method.CREDIT_NOTE,
        reference=reference,
    )
    journaled_save(payment, actor=actor, reason=reason)
    for target, share in plan:
        journaled_save(
            PaymentAllocation(payment=payment, claim=target, amount=share),
            actor=actor,
            reason=reason,
        )
        target.outstanding -= share
        journaled_save(target, actor=actor, reason=f"{reason} : imputé")
    services.dossier_refresh(dossier=dossier, actor=actor, reason=f"{invoice.label} reçu")
    return payment


def _corrective(invoice, pdf, filename, creditor, actor, reason, dossiers) -> Outcome:
    """A corrective invoice replaces the invoice it cites."""
    cited = _cited(invoice, creditor)
    if cited is None:
        cites = ", ".join(invoice.preceding)
        raise ValidationError(
            f"La facture rectificative {invoice.number} "
            + (
                f"corrige la facture {cites}, inconnue pour ce créancier."
                if cites
                else "ne dit pas quelle facture elle corrige (BG-3, BT-25)."
            )
            + " Rien n'a été importé."
        )
    if _hidden(cited, dossiers):
        raise ValidationError(
            f"La facture rectificative {invoice.number} corrige une facture d'un dossier hors "
            "de votre portefeuille : adressez-vous au responsable du créancier."
        )
    if not _same_debtor(cited.dossier.debtor, invoice.buyer):
        raise ValidationError(
            f"La facture rectificative {invoice.number} est adressée à « {invoice.buyer.name} », "
            f"mais la facture {cited.invoice_number} l'est à « {cited.dossier.debtor.name} »."
        )
    if invoice.amount < 0:
        return _credit_note(invoice, pdf, filename, creditor, actor, reason, dossiers)
    if cited.is_cancelled:
        raise ValidationError(
            f"La facture {cited.invoice_number} que corrige {invoice.number} est déjà annulée."
        )
    if cited.outstanding != cited.amount:
        raise ValidationError(
            f"La facture {cited.invoice_number} a déjà reçu "
            f"{euros(cited.amount - cited.outstanding)} "
            f"de paiements ou d'avoirs : la facture rectificative {invoice.number} ne la remplace "
            "pas automatiquement. Enregistrez la différence par un avoir, ou corrigez le dossier "
            "à la main."
        )
    why = f"remplacée par la facture rectificative {invoice.number}"
    if invoice.amount == 0:
        _keep_pdf(cited.dossier, cited, pdf, filename, invoice, actor, reason)
        services.claim_cancel(claim=cited, actor=actor, reason=f"{why} (montant 0,00 €)")
        cited.refresh_from_db()
        return Outcome(
            cited,
            True,
            f"Facture {cited.invoice_number} annulée par la facture rectificative "
            f"{invoice.number} (0,00 €) ; le PDF est conservé comme pièce.",
        )
    # The corrective invoice first, then the cancellation: the dossier never empties (a dossier
    # without an open invoice would be settled).
    claim = _new_claim(invoice, pdf, filename, creditor, actor, reason, debtor=cited.dossier.debtor)
    services.claim_cancel(claim=cited, actor=actor, reason=why)
    return Outcome(
        claim,
        True,
        f"Facture rectificative {claim.invoice_number} ({euros(claim.amount)}) enregistrée dans "
        f"le dossier {claim.dossier.reference} ; elle remplace la facture {cited.invoice_number}, "
        "annulée. Le PDF est conservé comme pièce.",
    )


def _evidence_name(filename: str, number: str) -> str:
    """The stored file always ends in ``.pdf``: the evidence validator checks that the name
    matches the bytes, and a Factur-X sent as ``facture`` or ``facture.bin`` is still a PDF."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or number
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def _known_buyer(party: Party) -> Debtor | None:
    if party.siren:
        return Debtor.objects.filter(siren=party.siren).first()
    return next(
        (
            d
            for d in Debtor.objects.filter(siren="", name__iexact=party.name)
            if clean_name(d.name).casefold() == party.name.casefold()
        ),
        None,
    )


def _buyer(party: Party, *, actor, reason: str) -> Debtor:
    debtor = _known_buyer(party) if party.siren else None
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
