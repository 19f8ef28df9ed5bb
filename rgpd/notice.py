"""The GDPR information notice (art. 13 and 14) printed in every message (docs/legal.md §4, §9).

``information_notice(creditor, debtor)`` is what the letters call: plain French text, built from
the creditor's legal basis, with the retention that applies to the debtor's kind.
"""

from __future__ import annotations

from django.conf import settings

from dossiers.models import LegalBasis
from legal.prescription import DEBTOR_PERIODS

PURPOSE = "gestion des impayés et du recouvrement amiable"
DATA = (
    "identité et coordonnées, factures et échéances, historique des relances et des échanges, "
    "informations de solvabilité licitement obtenues"
)

BASIS_TEXT = {
    LegalBasis.CONTRACT: "l'exécution du contrat qui nous lie (article 6-1-b du RGPD)",
    LegalBasis.LEGITIMATE_INTEREST: (
        "notre intérêt légitime à obtenir le paiement des sommes dues (article 6-1-f du RGPD)"
    ),
    LegalBasis.BOTH: (
        "l'exécution du contrat qui nous lie et notre intérêt légitime à obtenir le paiement "
        "des sommes dues (articles 6-1-b et 6-1-f du RGPD)"
    ),
}


def _retention_years(debtor) -> int:
    kind = getattr(debtor, "kind", "") if debtor is not None else ""
    years, _ = DEBTOR_PERIODS.get(kind, DEBTOR_PERIODS["consumer"])
    return years


def has_legitimate_interest(creditor) -> bool:
    return creditor.legal_basis in (LegalBasis.LEGITIMATE_INTEREST, LegalBasis.BOTH)


def information_notice(creditor, debtor) -> str:
    """The notice for one creditor and one debtor, as plain text (one paragraph per point)."""
    years = _retention_years(debtor)
    rights = (
        "Vous disposez d'un droit d'accès, de rectification, d'effacement et de limitation du "
        "traitement de vos données"
    )
    if has_legitimate_interest(creditor):
        rights += (
            ", ainsi que d'un droit d'opposition, pour des raisons tenant à votre situation "
            "particulière, au traitement fondé sur notre intérêt légitime"
        )
    paragraphs = [
        "Protection de vos données personnelles",
        (
            f"{creditor.legal_name} (SIREN {creditor.siren}), {creditor.address_line1}, "
            f"{creditor.postal_code} {creditor.city}, responsable du traitement, traite vos "
            f"données pour la {PURPOSE}, sur le fondement de {BASIS_TEXT[creditor.legal_basis]}."
        ),
        (
            f"Données traitées : {DATA}. Elles sont destinées à nos services de recouvrement et, "
            "le cas échéant, à nos conseils et auxiliaires de justice ; elles ne sont pas "
            "transférées hors de l'Union européenne."
        ),
        (
            "Durée de conservation : pendant le traitement du dossier, puis en archive "
            f"intermédiaire jusqu'à la prescription de la créance ({years} ans à compter de "
            "l'échéance ou de la dernière reconnaissance de dette), augmentée de "
            f"{settings.RGPD_PURGE_MARGIN_DAYS} jours ; elles sont ensuite anonymisées."
        ),
        (
            f"{rights}. Pour les exercer, contactez notre délégué à la protection des données : "
            f"{creditor.dpo_contact}. Vous pouvez introduire une réclamation auprès de la CNIL "
            "(www.cnil.fr)."
        ),
        f"Notre politique de confidentialité : {creditor.privacy_policy_url}",
    ]
    return "\n".join(paragraphs)
