"""The GDPR information notice carried by every message (RGPD art. 13-14; LEGAL_FR.md §4, §9).

Plain French text built from the creditor's settings: controller, purpose, legal basis (with the
balancing test when the basis is legitimate interest), retention, rights, privacy policy, DPO.
"""

from __future__ import annotations

PURPOSE = "gestion des impayés et du recouvrement amiable"

_BASIS = {
    "contract": "l'exécution du contrat qui vous lie au créancier (art. 6-1-b du RGPD)",
    "legitimate_interest": (
        "l'intérêt légitime du créancier à obtenir le paiement des sommes dues (art. 6-1-f du RGPD)"
    ),
    "both": (
        "l'exécution du contrat (art. 6-1-b du RGPD) et l'intérêt légitime du créancier à obtenir "
        "le paiement des sommes dues (art. 6-1-f du RGPD)"
    ),
}


def information_notice(creditor, debtor) -> str:
    """The notice for one creditor writing to one debtor, as plain text (one paragraph)."""
    basis = _BASIS.get(creditor.legal_basis, _BASIS["contract"])
    parts = [
        f"Protection des données personnelles : {creditor.legal_name} (SIREN {creditor.siren}), "
        f"responsable du traitement, traite vos données pour la {PURPOSE}, sur le fondement de "
        f"{basis}.",
        "Les données (identité, coordonnées, factures, échéances, historique des relances et "
        "des échanges) sont conservées pendant le recouvrement puis archivées jusqu'à la "
        "prescription de la créance, puis supprimées ou anonymisées.",
        "Vous disposez des droits d'accès, de rectification, d'effacement, de limitation"
        + (", et d'opposition" if creditor.legal_basis != "contract" else "")
        + f" ; pour les exercer, contactez le délégué à la protection des données : "
        f"{creditor.dpo_contact}.",
        f"Politique de confidentialité : {creditor.privacy_policy_url}. Vous pouvez introduire "
        "une réclamation auprès de la CNIL (www.cnil.fr).",
    ]
    return " ".join(parts)
