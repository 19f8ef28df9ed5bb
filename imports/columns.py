"""The fields an import understands, the headers recognised for each, and the mapping of a
file's headers to fields (the creditor's remembered mapping first, then the usual names)."""

from __future__ import annotations

from dataclasses import dataclass

from imports.models import ImportKind
from imports.parsing import normalize_header

IGNORE = "ignorer"


@dataclass(frozen=True)
class Field:
    code: str
    label: str
    required: bool
    aliases: tuple[str, ...]


CLAIM_FIELDS = (
    Field(
        "invoice_number",
        "Numéro de facture",
        True,
        (
            "numero de facture",
            "numero facture",
            "n facture",
            "no facture",
            "facture",
            "num facture",
            "invoice number",
            "invoice_number",
            "reference facture",
        ),
    ),
    Field(
        "issue_date",
        "Date d'émission",
        True,
        (
            "date d emission",
            "date emission",
            "date de facture",
            "date facture",
            "issue date",
            "issue_date",
        ),
    ),
    Field(
        "due_date",
        "Date d'échéance",
        True,
        ("date d echeance", "date echeance", "echeance", "due date", "due_date"),
    ),
    Field(
        "amount",
        "Montant TTC",
        True,
        ("montant ttc", "montant", "total ttc", "amount", "montant facture"),
    ),
    Field(
        "debtor_name",
        "Débiteur",
        True,
        (
            "debiteur",
            "client",
            "raison sociale",
            "nom du client",
            "nom client",
            "nom",
            "debtor",
            "debtor_name",
        ),
    ),
    Field(
        "debtor_siren",
        "SIREN du débiteur",
        False,
        ("siren", "siren du debiteur", "siren client", "siret", "debtor_siren"),
    ),
    Field(
        "debtor_kind",
        "Type de débiteur",
        False,
        ("type", "type de debiteur", "type client", "debtor_kind"),
    ),
    Field("address", "Adresse", False, ("adresse", "adresse du debiteur", "address")),
    Field("postal_code", "Code postal", False, ("code postal", "cp", "postal_code")),
    Field("city", "Ville", False, ("ville", "commune", "city")),
    Field("email", "E-mail", False, ("email", "e mail", "courriel", "adresse e mail")),
    Field("phone", "Téléphone", False, ("telephone", "tel", "phone")),
    Field(
        "contract_ref",
        "Référence du contrat",
        False,
        ("reference du contrat", "contrat", "ref contrat", "contract_ref"),
    ),
    Field(
        "purchase_order_ref",
        "Bon de commande",
        False,
        ("bon de commande", "commande", "ref commande", "purchase_order_ref"),
    ),
    Field(
        "delivery_note_ref",
        "Bon de livraison",
        False,
        ("bon de livraison", "livraison", "delivery_note_ref"),
    ),
)

PAYMENT_FIELDS = (
    Field(
        "invoice_number",
        "Numéro de facture",
        True,
        (
            "numero de facture",
            "numero facture",
            "n facture",
            "no facture",
            "facture",
            "invoice number",
            "invoice_number",
        ),
    ),
    Field(
        "received_on",
        "Date du paiement",
        True,
        (
            "date du paiement",
            "date de paiement",
            "date paiement",
            "date",
            "date reglement",
            "received_on",
        ),
    ),
    Field("amount", "Montant", True, ("montant", "montant paye", "montant regle", "amount")),
    Field(
        "reference",
        "Référence du paiement",
        True,
        ("reference du paiement", "reference paiement", "reference", "ref", "libelle"),
    ),
    Field(
        "method",
        "Moyen de paiement",
        False,
        ("moyen de paiement", "moyen", "mode de paiement", "mode de reglement", "method"),
    ),
)

LIFECYCLE_FIELDS = (
    Field(
        "invoice_number",
        "Numéro de facture",
        True,
        ("numero de facture", "numero facture", "facture", "invoice_number"),
    ),
    Field("status", "Statut", True, ("statut", "status", "statut de la facture")),
    Field("occurred_on", "Date du statut", True, ("date du statut", "date", "occurred_on")),
    Field("amount", "Montant encaissé", False, ("montant encaisse", "montant", "amount")),
    Field("note", "Motif", False, ("motif", "commentaire", "note")),
)

FIELDS = {
    ImportKind.CLAIMS: CLAIM_FIELDS,
    ImportKind.PAYMENTS: PAYMENT_FIELDS,
    ImportKind.LIFECYCLE: LIFECYCLE_FIELDS,
}


def fields_for(kind: str) -> tuple[Field, ...]:
    return FIELDS[kind]


def resolve(kind: str, headers: list[str], chosen: dict[str, str] | None = None):
    """Map each header to a field code (or ``IGNORE``).

    ``chosen`` holds choices by normalised header (the user's, then the creditor's remembered
    ones). Returns (index → field code, French errors about the columns)."""
    chosen = chosen or {}
    fields = fields_for(kind)
    codes = {f.code for f in fields}
    by_alias = {normalize_header(alias): f.code for f in fields for alias in f.aliases}
    by_alias.update({normalize_header(f.label): f.code for f in fields})
    positions: dict[int, str] = {}
    errors: list[str] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        key = normalize_header(header)
        if not key:
            continue
        code = chosen.get(key) or by_alias.get(key)
        if code == IGNORE:
            continue
        if code not in codes:
            errors.append(
                f"Colonne inconnue : « {header} ». Indiquez à quel champ elle correspond ou "
                "choisissez de l'ignorer."
            )
            continue
        if code in seen:
            errors.append(
                f"Les colonnes « {seen[code]} » et « {header} » désignent toutes deux "
                f"le champ « {_label(fields, code)} »."
            )
            continue
        seen[code] = header
        positions[index] = code
    for field in fields:
        if field.required and field.code not in seen:
            errors.append(f"Colonne obligatoire absente : « {field.label} ».")
    return positions, errors


def _label(fields, code: str) -> str:
    return next(f.label for f in fields if f.code == code)
