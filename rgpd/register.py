"""The record of processing activities (GDPR art. 30-1): one entry per creditor, the controller
of this processing, built from what is stored about it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from dossiers.models import Creditor, LegalBasis
from legal import rules
from rgpd.notice import BASIS_TEXT, DATA, PURPOSE

SUBJECTS = (
    "Clients débiteurs du responsable du traitement (professionnels et consommateurs) et les "
    "personnes qu'ils désignent comme contacts (facturation, recouvrement)."
)
RECIPIENTS = (
    "Services de recouvrement du responsable du traitement (chargé(e)s et responsables "
    "recouvrement), son délégué à la protection des données ; le cas échéant ses conseils, "
    "commissaires de justice et juridictions. Sous-traitants techniques : hébergement et envoi "
    "des courriers et e-mails."
)
TRANSFERS = "Aucun transfert hors de l'Union européenne."
SECURITY = (
    "Accès nominatif par rôle (chargé(e), responsable, DPO, administrateur), chaque rôle ne "
    "voyant que ce qu'il lui faut ; journal probant de toutes les modifications (qui, quand, "
    "pourquoi) chaîné par empreintes ; pièces conservées avec leur empreinte SHA-256 ; dossiers "
    "clos en lecture seule ; purge automatique quotidienne avec certificat ; avertissement sur "
    "les mots sensibles dans les notes libres."
)
# The cadence experiments (``experiences``, issue #26): what they do with the debtors' dossiers.
EXPERIMENTS = (
    "Le responsable recouvrement peut comparer deux cadences de relance ou plus : chaque "
    "nouveau dossier est tiré au sort entre elles (tirage reproductible, inscrit au journal du "
    "dossier, qui figure dans la réponse à une demande d'accès) et garde sa cadence jusqu'au "
    "bout. Toutes les cadences comparées suivent les mêmes règles (délais, canaux, modèles "
    "validés) ; le tirage n'utilise aucune donnée du débiteur et ne décide ni d'une poursuite, "
    "ni d'une exclusion ; les résultats sont des statistiques par cadence, jamais un profil "
    "individuel."
)
SOURCE = (
    "Données issues de la facturation du responsable du traitement et des échanges avec le "
    "débiteur (art. 14 : information donnée dans chaque relance)."
)


# The payment-probability score (scoring/, docs/scoring.md): a profiling that helps a person
# order their work and never decides alone (GDPR art. 22; CNIL, profilage et décision
# entièrement automatisée). Its logic, for the register (art. 30) and the access export (art. 15).
PROFILING = (
    "Aide à la priorisation : pour chaque dossier ouvert, une probabilité de paiement en totalité "
    "sous 30 jours est calculée chaque jour par un modèle statistique (régression logistique) "
    "réentraîné chaque semaine sur l'historique des dossiers du responsable du traitement et "
    "validé sur une période ultérieure (il n'est utilisé que s'il fait mieux que le hasard). "
    "Données utilisées : montant restant dû, ancienneté du retard, nombre de factures et part "
    "déjà réglée, type de débiteur (professionnel ou consommateur) et secteur d'activité (code "
    "NAF), issue des dossiers précédents chez le même créancier, promesses de paiement tenues "
    "ou non, échéancier et échéances impayées, contestation en cours, résultat des appels "
    "(joint ou non), relances envoyées ou en échec, mise en demeure, consultations et réponses "
    "dans l'espace en ligne, procédure collective. Jamais : le nom, l'adresse, les coordonnées, "
    "les notes libres, ni aucune donnée sensible (art. 9 et 10). Chaque probabilité est "
    "accompagnée de ses raisons principales en clair. Elle ne déclenche aucune décision : elle "
    "est affichée aux chargés de recouvrement et ne modifie l'ordre de leur liste de travail que "
    "si un responsable l'a décidé ; relances, mises en demeure, escalades et exclusions restent "
    "décidées par les règles de la cadence et par des personnes. Le débiteur en obtient la "
    "valeur et les raisons sur demande d'accès."
)


def retention_text() -> str:
    return (
        "Base active pendant le traitement du dossier ; archive intermédiaire, en lecture seule, "
        f"jusqu'à la prescription des créances ({rules.PRESCRIPTION_YEARS_CONSUMER} ans pour un "
        f"consommateur, C. conso. L218-2 ; {rules.PRESCRIPTION_YEARS_PROFESSIONAL} ans entre "
        "professionnels, C. com. L110-4), comptée depuis l'échéance ou la dernière "
        f"reconnaissance de dette, plus {settings.RGPD_PURGE_MARGIN_DAYS} jours ; puis "
        "anonymisation, historique compris. Les pièces comptables sont conservées 10 ans par la "
        "comptabilité (C. com. L123-22), hors de ce traitement."
    )


@dataclass(frozen=True)
class Entry:
    creditor: Creditor
    rows: tuple[tuple[str, str], ...]


def entries() -> list[Entry]:
    result = []
    for creditor in Creditor.objects.order_by("legal_name"):
        basis = BASIS_TEXT[creditor.legal_basis]
        if creditor.legal_basis != LegalBasis.CONTRACT:
            basis += f". Mise en balance des intérêts : {creditor.balancing_test}"
        rows = (
            (
                "Responsable du traitement",
                f"{creditor.legal_name}, SIREN {creditor.siren}, {creditor.address_line1}, "
                f"{creditor.postal_code} {creditor.city} ; {creditor.contact_email}",
            ),
            ("Délégué à la protection des données", creditor.dpo_contact),
            ("Finalité", PURPOSE[0].upper() + PURPOSE[1:]),
            ("Base légale", basis[0].upper() + basis[1:]),
            ("Personnes concernées", SUBJECTS),
            ("Catégories de données", DATA[0].upper() + DATA[1:] + "."),
            ("Source des données", SOURCE),
            ("Destinataires", RECIPIENTS),
            ("Transferts hors UE", TRANSFERS),
            ("Durées de conservation", retention_text()),
            ("Profilage et décision automatisée (art. 22)", PROFILING),
            ("Mesures de sécurité", SECURITY),
            ("Expériences de cadence", EXPERIMENTS),
            ("Politique de confidentialité", creditor.privacy_policy_url),
        )
        result.append(Entry(creditor, rows))
    return result
