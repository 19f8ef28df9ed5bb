"""The court route's data, ready to file (docs/legal.md §8): the fields of the injonction de payer
request form (Cerfa 12946 before the tribunal de commerce, 12948 before the tribunal judiciaire;
CPC 1407: the parties, the sum claimed with its items, the basis of the claim, the documents),
and the file a commissaire de justice needs to invite the debtor to the simplified procedure for
small claims (CPCE L125-1, R125-1 et s.). Figures come from the legal engine at the day of the
export, the documents from the evidence bundle's list (name and SHA-256).

One CSV (« Rubrique;Champ;Valeur », UTF-8 with BOM, for a spreadsheet): the person filing copies
each value into the form or hands the file over; nothing is sent to a court from here.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from accounts.text import safe_row
from dossiers.models import Dossier
from escalade.routes import ROUTE_BASIS, Route
from journee.selectors import dossier_detail
from legal import rules
from legal.formatting import euros, french_date

Row = tuple[str, str, str]


def _address(party) -> str:
    lines = [party.address_line1, getattr(party, "address_line2", ""), party.postal_code]
    return ", ".join(filter(None, lines[:2])) + f", {party.postal_code} {party.city}"


def _amount(value) -> str:
    return "à calculer (taux manquant)" if value is None else euros(value)


def filing_rows(dossier: Dossier, *, route: str, today: date) -> list[Row]:
    """The rows of the request (injonction de payer) or of the commissaire de justice's file."""
    route = Route(route)
    detail = dossier_detail(dossier, today=today)
    creditor, debtor, totals = dossier.creditor, dossier.debtor, detail.totals
    injunction = route in (Route.INJUNCTION_COMMERCE, Route.INJUNCTION_JUDICIAIRE)
    rows: list[Row] = []
    if injunction:
        commerce = route == Route.INJUNCTION_COMMERCE
        rows += [
            ("Formulaire", "Cerfa", "12946 (tribunal de commerce)" if commerce else "12948"),
            (
                "Juridiction",
                "Tribunal",
                f"Tribunal {'de commerce' if commerce else 'judiciaire'} du lieu où demeure le "
                f"débiteur ({debtor.postal_code} {debtor.city}) (CPC 1406)",
            ),
        ]
    else:
        rows += [
            ("Procédure", "Voie", Route(route).label),
            ("Procédure", "Fondement", ROUTE_BASIS[route]),
            (
                "Procédure",
                "Plafond",
                "5 000,00 € en principal et intérêts (CPCE R125-1) : "
                + ("respecté" if (totals.total or 0) <= 5000 else "dépassé"),
            ),
        ]
    rows += [
        ("Demandeur", "Dénomination", creditor.legal_name),
        ("Demandeur", "SIREN", creditor.siren),
        ("Demandeur", "Siège", _address(creditor)),
        ("Demandeur", "Courriel", creditor.contact_email),
        ("Demandeur", "Téléphone", creditor.contact_phone),
        ("Demandeur", "Référence du dossier", dossier.reference),
        ("Débiteur", "Nom ou dénomination", debtor.name),
        ("Débiteur", "Qualité", debtor.get_kind_display()),
        ("Débiteur", "SIREN", debtor.siren or "—"),
        ("Débiteur", "Adresse", _address(debtor)),
    ]
    contact = debtor.reminder_contact
    if not injunction and contact is not None:
        # CPCE R125-1: the invitation goes by registered letter or by electronic means.
        rows += [
            ("Débiteur", "Contact", contact.name or "—"),
            ("Débiteur", "Courriel", contact.email or "—"),
            ("Débiteur", "Téléphone", contact.phone or "—"),
        ]
    rows += [
        ("Somme réclamée", "Principal", euros(totals.principal)),
        ("Somme réclamée", "Pénalités de retard (C. com. L441-10 II)", _amount(totals.penalties)),
        (
            "Somme réclamée",
            f"Indemnité forfaitaire ({euros(rules.RECOVERY_INDEMNITY)} par facture, D441-5)",
            euros(totals.indemnity),
        ),
        ("Somme réclamée", "Intérêts au taux légal (C. civ. 1231-6)", _amount(totals.interest)),
        ("Somme réclamée", "Total", _amount(totals.total)),
        ("Somme réclamée", "Calculée au", french_date(today)),
    ]
    rows += [
        (
            "Fondement de la créance",
            f"Facture {line.claim.invoice_number}",
            f"émise le {french_date(line.claim.issue_date)}, échue le "
            f"{french_date(line.claim.due_date)}, montant {euros(line.claim.amount)}, reste dû "
            f"{euros(line.claim.outstanding)}",
        )
        for line in detail.claims
        if not line.claim.is_cancelled
    ]
    if dossier.formal_notice_sent_on:
        rows.append(
            (
                "Fondement de la créance",
                "Mise en demeure",
                f"envoyée le {french_date(dossier.formal_notice_sent_on)} (C. civ. 1344)",
            )
        )
    rows += [
        (
            "Pièces (bordereau)",
            f"{number}. {evidence.get_kind_display()}",
            f"{evidence.original_name} — SHA-256 {evidence.sha256}",
        )
        for number, evidence in enumerate(detail.evidence, start=1)
    ]
    return rows


def filing_route(dossier: Dossier, route: str | None = None) -> str:
    """The route whose file is exported: the one asked, else the route followed after Go, else
    the injonction de payer before the tribunal de commerce between traders, the tribunal
    judiciaire otherwise (C. com. L721-3; docs/legal.md §8)."""
    from escalade.court import FOLLOWED_ROUTES

    if route in FOLLOWED_ROUTES:
        return route
    latest = dossier.proceedings.first()
    if latest is not None:
        return latest.route
    if dossier.debtor.kind != "professional":
        return Route.INJUNCTION_JUDICIAIRE
    return Route.INJUNCTION_COMMERCE


def filing_name(dossier: Dossier, route: str) -> str:
    """« requete-injonction-DOS-….csv » or « commissaire-de-justice-DOS-….csv »."""
    name = "commissaire-de-justice" if route == Route.SMALL_CLAIMS else "requete-injonction"
    return f"{name}-{dossier.reference}.csv"


def filing_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Rubrique", "Champ", "Valeur"])
    # A debtor's name or an invoice number typed as a formula stays text (accounts.text).
    writer.writerows(safe_row(row) for row in rows)
    return "\ufeff" + out.getvalue()
