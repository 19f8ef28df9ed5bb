"""The routes a Go/No-Go decision may take, and the rule that suggests one (docs/legal.md §8).

Every number here carries its source; the ones marked "policy" are house choices, not law.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models


class Route(models.TextChoices):
    SMALL_CLAIMS = "small_claims", "Procédure simplifiée de recouvrement des petites créances"
    INJUNCTION_JUDICIAIRE = "injonction_tj", "Injonction de payer — tribunal judiciaire"
    INJUNCTION_COMMERCE = "injonction_tc", "Injonction de payer — tribunal de commerce"
    REFERE_PROVISION = "refere_provision", "Référé-provision"
    ASSIGNATION = "assignation", "Assignation au fond"
    STAY_AMICABLE = "stay_amicable", "Rester en phase amiable (nouveau cycle)"
    WRITE_OFF = "write_off", "Passage en perte"


# The state change each route makes, through dossiers.services.dossier_decide.
ROUTE_DECISION = {
    Route.SMALL_CLAIMS: "litigation",
    Route.INJUNCTION_JUDICIAIRE: "litigation",
    Route.INJUNCTION_COMMERCE: "litigation",
    Route.REFERE_PROVISION: "litigation",
    Route.ASSIGNATION: "litigation",
    Route.STAY_AMICABLE: "amicable",
    Route.WRITE_OFF: "written_off",
}
COURT_ROUTES = frozenset(r for r, d in ROUTE_DECISION.items() if d == "litigation")

# What the prepared summary says of each route: the text, the competent person or court.
ROUTE_BASIS = {
    Route.SMALL_CLAIMS: "CPCE L125-1 et R125-1 : commissaire de justice, créance contractuelle "
    "jusqu'à 5 000 €, accord du débiteur requis",
    Route.INJUNCTION_JUDICIAIRE: "CPC 1405 et suivants : requête au tribunal judiciaire "
    "(Cerfa 12948)",
    Route.INJUNCTION_COMMERCE: "CPC 1405 et suivants, C. com. L721-3 : requête au tribunal de "
    "commerce entre commerçants (Cerfa 12946)",
    Route.REFERE_PROVISION: "CPC 835 al. 2 : provision lorsque l'obligation n'est pas "
    "sérieusement contestable",
    Route.ASSIGNATION: "Assignation au fond devant la juridiction compétente ; CPC 750-1 : "
    "tentative préalable de résolution amiable devant le tribunal judiciaire jusqu'à 5 000 €",
    Route.STAY_AMICABLE: "Nouveau cycle de relances amiables",
    Route.WRITE_OFF: "Créance passée en perte (aucune action judiciaire)",
}

# CPCE L125-1 and R125-1: the simplified procedure for small claims, up to 5 000 €.
SMALL_CLAIMS_CEILING = Decimal("5000.00")
# CPC 750-1: before the tribunal judiciaire, a claim up to 5 000 € needs a prior attempt at
# conciliation, mediation or participatory procedure (injonction de payer excepted).
PRIOR_AMICABLE_ATTEMPT_CEILING = Decimal("5000.00")
# Policy (no rule of law): below this balance no procedure is proportionate; suggest a write-off.
WRITE_OFF_SUGGESTED_BELOW = Decimal("150.00")


def needs_prior_amicable_attempt(route: str, *, balance: Decimal, debtor_kind: str) -> bool:
    """CPC 750-1: tribunal judiciaire (a consumer debtor here: between traders the tribunal de
    commerce is competent), claim up to 5 000 €, any route but the injonction de payer."""
    return (
        route in (Route.ASSIGNATION, Route.REFERE_PROVISION)
        and debtor_kind != "professional"
        and balance <= PRIOR_AMICABLE_ATTEMPT_CEILING
    )


@dataclass(frozen=True)
class Suggestion:
    route: Route
    why: str


def suggest_route(
    *,
    balance: Decimal,
    debtor_kind: str,
    disputed: bool,
    insolvent: bool = False,
    paid_since_notice: bool = False,
) -> Suggestion:
    """The route the rules suggest, by amount, debtor kind and dispute state, with the reason."""
    if insolvent:
        return Suggestion(
            Route.WRITE_OFF,
            "Procédure collective ouverte : aucune action individuelle n'est permise "
            "(C. com. L622-21) ; déclarer la créance au mandataire.",
        )
    if balance < WRITE_OFF_SUGGESTED_BELOW:
        return Suggestion(
            Route.WRITE_OFF,
            f"Solde inférieur à {WRITE_OFF_SUGGESTED_BELOW} € : aucune procédure n'est "
            "proportionnée (règle interne).",
        )
    if paid_since_notice:
        return Suggestion(
            Route.STAY_AMICABLE,
            "Le débiteur a payé depuis la mise en demeure : l'amiable produit encore des effets.",
        )
    if disputed:
        return Suggestion(
            Route.ASSIGNATION,
            "Créance contestée : le référé-provision suppose une obligation non sérieusement "
            "contestable (CPC 835) et l'injonction appellerait une opposition (CPC 1412).",
        )
    if balance <= SMALL_CLAIMS_CEILING:
        return Suggestion(
            Route.SMALL_CLAIMS,
            "Créance non contestée jusqu'à 5 000 € : procédure simplifiée par commissaire de "
            "justice (CPCE L125-1).",
        )
    if debtor_kind == "professional":
        return Suggestion(
            Route.INJUNCTION_COMMERCE,
            "Créance non contestée entre professionnels au-delà de 5 000 € : injonction de "
            "payer au tribunal de commerce (CPC 1405, C. com. L721-3).",
        )
    return Suggestion(
        Route.INJUNCTION_JUDICIAIRE,
        "Créance non contestée sur un consommateur au-delà de 5 000 € : injonction de payer au "
        "tribunal judiciaire (CPC 1405), dispensée de tentative amiable préalable (CPC 750-1).",
    )
