# ruff: noqa: E501 - the table keeps one labelled sentence per row
"""Forbidden wording of the amicable phase (docs/legal.md §5; C. conso. L121-2, L121-6;
C. pén. 433-13; CPCE L111-2, L111-8, L122-1, R124-4; C. mon. fin. L751-1; C. com. L441-10 II).

``SENTENCES`` is the labelled table: each sentence, the context it is written in, the rule that
refuses it (``None``: allowed) and why. The check reads normalised text (case, accents,
look-alike characters, letters spread with spaces or punctuation), word families with their
inflections, and the context: kind of letter, debtor's kind, court title.
"""

import pytest

from courriers.defaults import DEFAULT_TEMPLATES
from legal.wording import RULES, forbidden_phrases, is_formal_notice, normalise

B2B_REMINDER = (
    "Madame, Monsieur, la facture FA-2026-00012 du 01/09/2026 reste impayée. Conformément à "
    "l'article L441-10 du code de commerce, des pénalités de retard et une indemnité "
    "forfaitaire pour frais de recouvrement de 40 € sont dues."
)

# Each row: (sentence, context, expected rule code or None when allowed, why).
AMI_PRO = {"consumer": False, "letter_kind": "amicable"}
AMI_CONSO = {"consumer": True, "letter_kind": "amicable"}
FIRM_PRO = {"consumer": False, "letter_kind": "firm"}
MED_PRO = {"consumer": False, "letter_kind": "formal_notice"}
MED_CONSO = {"consumer": True, "letter_kind": "formal_notice"}
MED_PRO_TITLE = {"consumer": False, "letter_kind": "formal_notice", "has_title": True}
AMI_PRO_TITLE = {"consumer": False, "letter_kind": "amicable", "has_title": True}
UNKNOWN = {"debtor_kind": "unknown", "letter_kind": "amicable"}
RECAP = {"consumer": True, "letter_kind": "call_recap"}

SENTENCES = [
    # --- Seizure, any spelling or inflection (L121-2; CPCE L111-2, L122-1) ---
    ("Nous procéderons à la saisie de vos biens.", AMI_PRO, "saisie", "saisie sans titre"),
    ("Vos biens seront saisis.", AMI_PRO, "saisir-biens", "passif conjugué"),
    ("Votre véhicule pourra être saisi.", AMI_CONSO, "saisir-biens", "passif avec modal"),
    ("Nous saisirons vos comptes bancaires.", AMI_PRO, "saisir-biens", "futur actif"),
    ("Nous allons saisir votre salaire.", AMI_CONSO, "saisir-biens", "infinitif + salaire"),
    ("Une saisie-attribution sera pratiquée.", AMI_PRO, "saisie", "saisie-attribution"),
    ("Une saisie-vente de votre mobilier est envisagée.", AMI_CONSO, "saisie", "saisie-vente"),
    (
        "Saisie sur salaire possible dès le mois prochain.",
        AMI_CONSO,
        "saisie",
        "saisie sur salaire",
    ),
    (
        "La part saisissable de votre salaire sera prélevée.",
        AMI_CONSO,
        "saisir-biens",
        "saisissable",
    ),
    ("Votre mobilier risque d'être saisi.", AMI_CONSO, "saisir-biens", "risque d'être saisi"),
    ("Vos meubles et votre voiture seront saisis.", AMI_CONSO, "saisir-biens", "énumération"),
    ("AVIS DE SAISIE", AMI_PRO, "saisie", "majuscules"),
    ("s a i s i e de vos biens", AMI_PRO, "saisie", "lettres espacées"),
    ("s.a.i.s.i.e imminente", AMI_PRO, "saisie", "lettres séparées par des points"),
    ("S-A-I-S-I-E", AMI_PRO, "saisie", "lettres séparées par des tirets"),
    ("s_a_i_s_i_e de votre compte", AMI_PRO, "saisie", "soulignés"),
    ("sai sie de vos biens", AMI_PRO, "saisie", "mot coupé par une espace"),
    ("sai.sie de vos biens", AMI_PRO, "saisie", "point dans le mot"),
    ("s4isie de vos biens", AMI_PRO, "saisie", "chiffre 4 pour a"),
    ("s@isie de vos biens", AMI_PRO, "saisie", "arobase pour a"),
    ("Ѕаisiе de vos biens", AMI_PRO, "saisie", "lettres cyrilliques"),
    ("sa\u200bisie de vos biens", AMI_PRO, "saisie", "espace de largeur nulle"),
    ("ＳＡＩＳＩＥ", AMI_PRO, "saisie", "pleine chasse"),
    ("saisîe de vos biens", AMI_PRO, "saisie", "accent parasite"),
    ("5aisie de vos biens", AMI_PRO, "saisie", "chiffre 5 pour s en début de mot"),
    ("sa!sie de vos biens", AMI_PRO, "saisie", "point d'exclamation pour i"),
    ("Nous allons procéder à s a i s i e.", AMI_PRO, "saisie", "lettres espacées après « à »"),
    ("Vos biens seront s a i s i s.", AMI_PRO, "saisir-biens", "participe espacé"),
    ("Nous allons b l o q u e r vos comptes.", AMI_PRO, "comptes-bloques", "infinitif espacé"),
    ("Vos biens seront vendus aux enchères.", AMI_CONSO, "execution-forcee", "vente forcée"),
    (
        "Nous engageons une procédure de recouvrement forcé.",
        AMI_PRO,
        "execution-forcee",
        "recouvrement forcé",
    ),
    (
        "Vous serez fiché à la Banque de France.",
        AMI_CONSO,
        "fichier-banque-de-france",
        "fiché à la Banque de France",
    ),
    (
        "Le tribunal de commerce a déjà été saisi.",
        MED_PRO,
        "procedure-engagee",
        "saisine présentée comme faite",
    ),
    (
        "Vous êtes assigné devant le tribunal de commerce le 12/01/2027.",
        MED_PRO,
        "procedure-engagee",
        "assignation présentée comme délivrée",
    ),
    (
        "Il y a à payer 120,00 € avant le 15/12/2026.",
        AMI_CONSO,
        None,
        "lettres isolées ordinaires avant un montant",
    ),
    (
        "À défaut, le tribunal de commerce pourra être saisi d'une requête en injonction de payer.",
        MED_PRO,
        None,
        "voie envisagée au passif",
    ),
    (
        "Nous serons contraints de saisir le tribunal judiciaire.",
        MED_CONSO,
        None,
        "voie envisagée, tribunal judiciaire",
    ),
    (
        "En cas de désaccord, vous pouvez saisir gratuitement le médiateur de la consommation.",
        AMI_CONSO,
        None,
        "médiation de la consommation (C. conso. L612-1)",
    ),
    ("Votre compte client présente un solde débiteur de 250,00 €.", AMI_PRO, None, "compte client"),
    (
        "Un commissaire de justice pourra saisir vos biens.",
        MED_PRO,
        "saisir-biens",
        "menace d'exécution sans titre, même en mise en demeure",
    ),
    (
        "Nous pourrons procéder à une saisie conservatoire.",
        MED_PRO,
        "saisie",
        "mesure d'exécution non ouverte au créancier",
    ),
    (
        "La saisie de vos coordonnées bancaires est sécurisée.",
        AMI_CONSO,
        None,
        "saisie informatique",
    ),
    (
        "Une erreur de saisie s'est glissée dans notre précédent courrier.",
        AMI_PRO,
        None,
        "erreur de saisie",
    ),
    ("Lors de la saisie de votre IBAN, vérifiez le numéro.", AMI_CONSO, None, "saisie de données"),
    ("La saisie en ligne du formulaire prend deux minutes.", AMI_CONSO, None, "saisie en ligne"),
    (
        "N'hésitez pas à saisir cette occasion pour régulariser.",
        AMI_PRO,
        None,
        "saisir une occasion",
    ),
    (
        "Saisissez votre référence dans le formulaire de paiement.",
        AMI_CONSO,
        None,
        "saisir au clavier",
    ),
    (
        "En vertu du jugement du 12/03/2026, un commissaire de justice pourra pratiquer une saisie-attribution.",
        MED_PRO_TITLE,
        None,
        "titre exécutoire détenu : la mise en demeure dit ce qui peut être exécuté",
    ),
    (
        "Le commissaire de justice pourra procéder à l'exécution forcée du jugement.",
        MED_PRO_TITLE,
        None,
        "exécution forcée avec titre",
    ),
    (
        "Vos biens pourront être saisis en exécution de l'ordonnance.",
        MED_PRO_TITLE,
        None,
        "saisie annoncée avec titre en mise en demeure",
    ),
    (
        "Nous procéderons à la saisie de vos biens.",
        AMI_PRO_TITLE,
        "saisie",
        "même avec un titre, pas dans une relance amiable",
    ),
    # --- Enforcement in general ---
    (
        "Nous procéderons à l'exécution forcée.",
        AMI_PRO,
        "execution-forcee",
        "exécution forcée sans titre",
    ),
    (
        "Des mesures d'exécution seront engagées.",
        MED_PRO,
        "execution-forcee",
        "mesures d'exécution sans titre",
    ),
    (
        "Les voies d'exécution seront mises en œuvre.",
        AMI_CONSO,
        "execution-forcee",
        "voies d'exécution",
    ),
    ("Nous disposons d'un titre exécutoire.", MED_PRO, "titre-executoire-detenu", "titre affirmé"),
    (
        "Ce courrier vaut titre exécutoire.",
        MED_PRO_TITLE,
        "titre-executoire-vaut",
        "un courrier n'est jamais un titre",
    ),
    (
        "Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du créancier.",
        AMI_PRO,
        None,
        "L111-8 cité",
    ),
    (
        "Nous pourrons demander un titre exécutoire au juge.",
        MED_PRO,
        None,
        "voie envisagée en mise en demeure",
    ),
    (
        "En vertu du jugement du 12/03/2026, titre exécutoire, la somme est exigible.",
        MED_PRO_TITLE,
        None,
        "titre réellement détenu",
    ),
    # --- Bank accounts blocked ---
    ("Vos comptes bancaires seront bloqués.", AMI_PRO, "comptes-bloques", "comptes bloqués"),
    ("Votre compte sera bloqué sous huit jours.", AMI_CONSO, "comptes-bloques", "compte bloqué"),
    ("Nous allons bloquer vos comptes.", AMI_CONSO, "comptes-bloques", "bloquer vos comptes"),
    ("Blocage de votre compte courant à compter du 15/12.", AMI_PRO, "comptes-bloques", "blocage"),
    ("Votre carte bancaire risque d'être bloquée.", AMI_CONSO, "comptes-bloques", "carte bloquée"),
    ("Vos avoirs seront gelés.", AMI_PRO, "comptes-bloques", "avoirs gelés"),
    ("Vos c0mptes seront bl0qués.", AMI_PRO, "comptes-bloques", "zéros pour o"),
    ("Votre compte sera b l o q u é.", AMI_PRO, "comptes-bloques", "lettres espacées"),
    (
        "Votre commande reste bloquée chez le transporteur.",
        AMI_PRO,
        None,
        "commande bloquée : autre sens",
    ),
    (
        "Si votre paiement est bloqué par votre banque, contactez-nous.",
        AMI_CONSO,
        None,
        "paiement bloqué : aide",
    ),
    # --- Court officers ---
    ("Un huissier a été mandaté.", AMI_PRO, "officier-mandate", "huissier mandaté"),
    (
        "Un commissaire de justice est déjà mandaté.",
        MED_PRO,
        "officier-mandate",
        "mandat présenté comme fait, même en mise en demeure",
    ),
    (
        "Nous avons mandaté un commissaire de justice.",
        MED_CONSO,
        "mandater-officier",
        "mandat décidé",
    ),
    (
        "Votre dossier sera transmis à un commissaire de justice.",
        AMI_PRO,
        "mandater-officier",
        "transmission décidée en relance amiable",
    ),
    (
        "Votre dossier a été confié à notre huissier.",
        AMI_CONSO,
        "mandater-officier",
        "confié à l'huissier",
    ),
    ("Notre huissier vous contactera.", AMI_PRO, "voie-judiciaire", "huissier évoqué en relance"),
    ("H U I S S I E R", AMI_PRO, "voie-judiciaire", "huissier espacé"),
    (
        "Nous pourrons confier votre dossier à un commissaire de justice pour une procédure simplifiée de recouvrement des petites créances.",
        MED_PRO,
        None,
        "voie envisagée (CPCE L125-1) en mise en demeure",
    ),
    (
        "Nous nous réservons le droit de mandater un commissaire de justice.",
        MED_CONSO,
        None,
        "mandat envisagé en mise en demeure",
    ),
    (
        "Nous mandaterons un commissaire de justice.",
        MED_PRO,
        "mandater-officier",
        "mandat présenté comme décidé",
    ),
    ("Huissier mandaté", AMI_PRO, "officier-mandate", "en-tête"),
    # --- Imitation of acts (C. pén. 433-13) ---
    ("COMMANDEMENT DE PAYER", AMI_PRO, "commandement", "en-tête d'acte"),
    ("Commandement de payer", MED_PRO, "commandement", "même en mise en demeure"),
    (
        "Ce commandement vous est adressé ce jour.",
        MED_PRO_TITLE,
        "commandement",
        "même avec un titre : le courrier n'est pas l'acte",
    ),
    ("SOMMATION DE PAYER", AMI_PRO, "sommation", "en-tête d'acte"),
    ("Dernière sommation avant poursuites.", AMI_CONSO, "sommation", "sommation"),
    ("Nous vous sommons de régler la somme due.", MED_PRO, "sommation", "sommer"),
    ("Vous êtes sommé de payer sous huitaine.", MED_CONSO, "sommation", "être sommé"),
    ("s.o.m.m.a.t.i.o.n", AMI_PRO, "sommation", "lettres séparées"),
    ("TITRE EXÉCUTOIRE", MED_PRO, "titre-en-tete", "en-tête de titre"),
    ("Objet : titre exécutoire n° 2026-118", AMI_PRO, "titre-en-tete", "objet d'allure judiciaire"),
    ("INJONCTION DE PAYER", MED_PRO, "titre-en-tete", "en-tête d'ordonnance"),
    ("Tribunal de commerce de Lyon", MED_PRO, "titre-en-tete", "en-tête de juridiction"),
    ("RÉPUBLIQUE FRANÇAISE", MED_CONSO, "titre-en-tete", "en-tête officiel"),
    ("Dernier avis", AMI_CONSO, "titre-en-tete", "en-tête d'avis"),
    ("AVIS AVANT SAISIE", AMI_PRO, "avis-avant-saisie", "avis avant saisie"),
    (
        "Dernier avis avant poursuites judiciaires",
        AMI_PRO,
        "dernier-avis-avant-poursuites",
        "formule officielle",
    ),
    ("Avis de passage", AMI_CONSO, "avis-de-passage", "avis de passage"),
    ("Acte d'huissier", AMI_PRO, "acte-officier", "acte d'huissier"),
    (
        "La signification par commissaire de justice suivra.",
        MED_PRO,
        "acte-officier",
        "signification",
    ),
    (
        "Dernière relance avant mise en demeure — dossier D-2026-0042",
        FIRM_PRO,
        None,
        "objet par défaut de la relance ferme",
    ),
    (
        "Mise en demeure de payer — dossier D-2026-0042",
        MED_PRO,
        None,
        "objet par défaut de la mise en demeure",
    ),
    (
        "Par la présente, nous vous mettons en demeure de régler la somme de 1 234,56 €.",
        MED_CONSO,
        None,
        "mise en demeure (C. civ. 1344)",
    ),
    ("La somme due est somme toute modeste.", AMI_PRO, None, "somme toute"),
    ("La somme de 120,00 € reste due.", AMI_CONSO, None, "somme n'est pas sommation"),
    # --- Criminal threats (L121-6, L121-2) ---
    ("Nous porterons plainte contre vous.", AMI_PRO, "menace-penale", "plainte"),
    ("Un dépôt de plainte est en préparation.", AMI_CONSO, "menace-penale", "dépôt de plainte"),
    ("Le procureur de la République sera saisi.", MED_PRO, "menace-penale", "procureur"),
    ("Votre dossier sera transmis au commissariat.", AMI_CONSO, "menace-penale", "commissariat"),
    ("Nous alerterons la gendarmerie.", AMI_CONSO, "menace-penale", "gendarmerie"),
    ("Des poursuites pénales seront engagées.", MED_PRO, "menace-penale", "poursuites pénales"),
    (
        "Vous êtes pénalement responsable de ce défaut de paiement.",
        AMI_PRO,
        "menace-penale",
        "pénalement",
    ),
    ("Ce refus de payer constitue un délit.", AMI_CONSO, "menace-penale", "délit"),
    ("Il s'agit d'une escroquerie.", AMI_CONSO, "menace-penale", "escroquerie"),
    ("Vous risquez la prison.", AMI_CONSO, "menace-penale", "prison"),
    (
        "Une inscription à votre casier judiciaire est possible.",
        AMI_CONSO,
        "menace-penale",
        "casier judiciaire",
    ),
    ("La police sera informée.", AMI_CONSO, "menace-penale", "police"),
    ("P L A I N T E", AMI_PRO, "menace-penale", "lettres espacées"),
    ("pl@inte", AMI_PRO, "menace-penale", "arobase"),
    (
        "Vous pouvez adresser votre plainte à notre service client.",
        AMI_CONSO,
        None,
        "réclamation du débiteur",
    ),
    ("Votre police d'assurance n'est pas concernée.", AMI_CONSO, None, "police d'assurance"),
    (
        "La clause pénale de nos conditions générales s'applique.",
        AMI_PRO,
        None,
        "clause pénale (C. civ. 1231-5)",
    ),
    ("Les pénalités de retard courent depuis l'échéance.", AMI_PRO, None, "pénalités L441-10"),
    # --- Bad-payers files (C. mon. fin. L751-1) ---
    ("Vous serez inscrit au FICP.", AMI_CONSO, "fichier-banque-de-france", "FICP"),
    (
        "Nous signalerons cet impayé à la Banque de France.",
        AMI_PRO,
        "fichier-banque-de-france",
        "Banque de France",
    ),
    (
        "Inscription au fichier des mauvais payeurs.",
        AMI_CONSO,
        "fichier-banque-de-france",
        "fichier de mauvais payeurs",
    ),
    ("Vous figurerez sur notre liste noire.", AMI_PRO, "fichier-banque-de-france", "liste noire"),
    ("Un fichage bancaire sera demandé.", AMI_CONSO, "fichier-banque-de-france", "fichage"),
    (
        "Vous risquez un interdit bancaire.",
        AMI_CONSO,
        "fichier-banque-de-france",
        "interdit bancaire",
    ),
    ("F.I.C.P", AMI_CONSO, "fichier-banque-de-france", "sigle ponctué"),
    (
        "La Banque de France sera informée de votre situation.",
        MED_PRO,
        "fichier-banque-de-france",
        "Banque de France informée",
    ),
    (
        "Votre entreprise sera déclarée au fichier national des incidents.",
        AMI_PRO,
        "fichier-banque-de-france",
        "fichier national",
    ),
    (
        "Vous trouverez la fiche de paiement en pièce jointe.",
        AMI_CONSO,
        None,
        "fiche n'est pas fichage",
    ),
    # --- Home visits, investigators (L121-6) ---
    ("Un enquêteur passera à votre domicile.", AMI_CONSO, "visite-domicile", "enquêteur"),
    (
        "Notre agent se présentera à votre domicile lundi.",
        AMI_CONSO,
        "visite-domicile",
        "visite au domicile",
    ),
    ("Une visite à votre domicile est programmée.", AMI_CONSO, "visite-domicile", "visite"),
    ("Nos collaborateurs viendront chez vous.", AMI_PRO, "visite-domicile", "viendront chez vous"),
    (
        "Un agent se déplacera dans vos locaux.",
        AMI_PRO,
        "visite-domicile",
        "déplacement dans les locaux",
    ),
    ("e n q u ê t e u r", AMI_CONSO, "visite-domicile", "lettres espacées"),
    ("Vous pouvez passer régler à notre agence.", AMI_CONSO, None, "le débiteur vient à l'agence"),
    ("Nous vous adressons ce courrier à votre domicile.", AMI_CONSO, None, "adresse postale"),
    # --- Court in an amicable reminder vs a formal notice ---
    ("Nous saisirons le tribunal.", AMI_PRO, "tribunal", "tribunal en relance amiable"),
    ("Le tribunal de commerce sera saisi.", FIRM_PRO, "tribunal", "tribunal en relance ferme"),
    (
        "Une injonction de payer sera demandée.",
        AMI_PRO,
        "voie-judiciaire",
        "voie judiciaire trop tôt",
    ),
    ("Nous engagerons des poursuites judiciaires.", AMI_CONSO, "voie-judiciaire", "poursuites"),
    ("Nous agirons en justice.", AMI_CONSO, "voie-judiciaire", "en justice"),
    ("Le juge sera saisi d'une demande en référé.", AMI_PRO, "voie-judiciaire", "juge"),
    ("Une assignation vous sera délivrée.", AMI_PRO, "voie-judiciaire", "assignation"),
    ("Greffe du tribunal", AMI_PRO, "titre-en-tete", "en-tête de greffe"),
    ("Votre dossier part au greffe demain, sauf règlement.", AMI_PRO, "greffe", "greffe"),
    (
        "À défaut, nous pourrons saisir le tribunal de commerce d'une requête en injonction de payer.",
        MED_PRO,
        None,
        "voie envisagée, professionnel, mise en demeure",
    ),
    (
        "À défaut de règlement, nous saisirons le tribunal de commerce d'une requête en injonction de payer.",
        MED_PRO,
        None,
        "voie envisagée, conditionnée au défaut",
    ),
    (
        "Sans règlement à cette date, nous pourrons saisir le tribunal judiciaire d'une requête en injonction de payer.",
        MED_CONSO,
        None,
        "voie envisagée, consommateur, bon tribunal",
    ),
    (
        "Nous pourrons engager une procédure de référé-provision ou vous assigner.",
        MED_PRO,
        None,
        "voies envisagées",
    ),
    (
        "À défaut, une procédure judiciaire pourra être engagée.",
        MED_CONSO,
        None,
        "procédure envisagée",
    ),
    (
        "À défaut, nous pourrons saisir le tribunal de commerce d'une requête en injonction de payer.",
        MED_CONSO,
        "tribunal-de-commerce-consommateur",
        "mauvais tribunal pour un consommateur",
    ),
    (
        "À défaut, nous pourrons saisir le tribunal de commerce.",
        {"debtor_kind": "unknown", "letter_kind": "formal_notice"},
        "tribunal-de-commerce-consommateur",
        "débiteur de nature inconnue traité comme consommateur",
    ),
    (
        "Le tribunal de commerce a été saisi.",
        MED_PRO,
        "procedure-engagee",
        "procédure présentée comme engagée",
    ),
    (
        "Nous avons saisi le tribunal.",
        MED_PRO,
        "procedure-engagee",
        "procédure présentée comme engagée",
    ),
    (
        "Une procédure judiciaire est en cours.",
        MED_CONSO,
        "procedure-engagee",
        "procédure en cours",
    ),
    ("Vous êtes convoqué à l'audience du 12 janvier.", MED_PRO, "procedure-engagee", "convocation"),
    ("Vous serez condamné à payer.", MED_PRO, "procedure-engagee", "issue certaine"),
    ("Le tribunal vous condamnera aux dépens.", MED_CONSO, "procedure-engagee", "issue certaine"),
    (
        "À défaut, nous pourrons saisir le tribunal de commerce d'une requête en injonction de payer.",
        {"consumer": False},
        "tribunal",
        "sans nature de courrier, un texte sans mise en demeure est une relance",
    ),
    (
        "Par la présente, nous vous mettons en demeure de payer. À défaut, nous pourrons saisir le tribunal de commerce d'une requête en injonction de payer.",
        {"consumer": False},
        None,
        "le texte opère la mise en demeure : déduit du texte",
    ),
    ("Si vous le jugez utile, contactez notre service.", AMI_PRO, None, "juger n'est pas juge"),
    ("Nous avons jugé bon de vous proposer un échéancier.", AMI_PRO, None, "jugé bon"),
    (
        "Nous souhaitons la poursuite de notre relation commerciale.",
        AMI_PRO,
        None,
        "poursuite d'une relation",
    ),
    # --- Pressure, third parties (L121-6) ---
    ("Réglez immédiatement sous peine de sanctions.", AMI_PRO, "sous-peine", "sous peine de"),
    ("Nous informerons votre employeur.", AMI_CONSO, "entourage", "employeur"),
    ("Vos voisins seront avertis.", AMI_CONSO, "entourage", "voisins"),
    ("Nous contacterons votre famille.", AMI_CONSO, "entourage", "famille"),
    (
        "Nous informerons vos clients de cet impayé.",
        AMI_PRO,
        "entourage",
        "clients du professionnel",
    ),
    ("Nous préviendrons votre banque.", AMI_CONSO, "entourage", "banque"),
    ("Ceci est votre dernier avertissement.", AMI_CONSO, "pression", "dernier avertissement"),
    ("Cela aura des conséquences graves.", AMI_PRO, "pression", "conséquences graves"),
    ("Réglez sous 24 heures.", AMI_CONSO, "pression", "délai de 24 heures"),
    ("Merci de régler dans les 48h.", AMI_PRO, "pression", "délai de 48 h"),
    (
        "Vous pouvez payer depuis votre banque par virement.",
        AMI_CONSO,
        None,
        "votre banque, moyen de paiement",
    ),
    ("Nous vous répondrons sous 48 heures.", AMI_CONSO, None, "engagement du créancier"),
    ("Merci de régler avant le 15/12/2026.", AMI_CONSO, None, "délai raisonnable"),
    # --- Fees (consumer: CPCE L111-8, R124-4; professional: L441-10 II) ---
    (
        "Des frais de dossier de 25 € seront ajoutés.",
        AMI_CONSO,
        "frais-consommateur",
        "frais de dossier",
    ),
    (
        "Des frais de relance vous seront facturés.",
        RECAP,
        "frais-consommateur",
        "frais de relance, récapitulatif d'appel",
    ),
    (
        "Frais de mise en demeure : 15 €.",
        MED_CONSO,
        "frais-consommateur",
        "frais de mise en demeure",
    ),
    (
        "Une indemnité forfaitaire de 40 € est due.",
        AMI_CONSO,
        "indemnite-consommateur",
        "indemnité au consommateur",
    ),
    ("Montant majoré de 40,00 EUR.", AMI_CONSO, "quarante-euros-consommateur", "40 €"),
    (
        "Des frais de recouvrement seront ajoutés.",
        UNKNOWN,
        "frais-consommateur",
        "inconnu traité comme consommateur",
    ),
    (
        "Une indemnité forfaitaire pour frais de recouvrement de 40 € est due (C. com. L441-10).",
        AMI_PRO,
        None,
        "mention obligatoire entre professionnels",
    ),
    (
        "Des pénalités de retard au taux de 12,15 % s'appliquent.",
        AMI_PRO,
        None,
        "pénalités L441-10 II",
    ),
    (
        "Des intérêts au taux légal courent à compter de la présente mise en demeure.",
        MED_CONSO,
        None,
        "intérêt légal (C. civ. 1231-6)",
    ),
    # --- Harmless letters ---
    (
        "Sauf erreur de notre part, votre facture FA-2026-00012 reste impayée.",
        AMI_CONSO,
        None,
        "relance courtoise",
    ),
    ("Contactez-nous pour convenir d'un échéancier.", AMI_CONSO, None, "proposition d'échéancier"),
    (
        "Si vous contestez tout ou partie de ces sommes, écrivez-nous.",
        AMI_PRO,
        None,
        "contestation",
    ),
    ("Il s'agit peut-être d'un simple oubli.", AMI_CONSO, None, "courtoisie"),
    ("Nous vous remercions de votre règlement.", AMI_CONSO, None, "remerciement"),
    (
        "Votre conseiller reste à votre disposition au 01 23 45 67 89.",
        AMI_CONSO,
        None,
        "numéro de téléphone",
    ),
    ("Règlement par virement sur l'IBAN FR76 3000 4000 0500 0012 3456 789.", AMI_PRO, None, "IBAN"),
    (
        "Conformément à l'article L441-10 du code de commerce, des pénalités sont dues.",
        AMI_PRO,
        None,
        "article cité",
    ),
    ("Nous restons à votre écoute pour trouver une solution amiable.", AMI_CONSO, None, "amiable"),
    (
        "À défaut, nous serons amenés à vous adresser une mise en demeure par lettre recommandée.",
        FIRM_PRO,
        None,
        "relance ferme annonçant la mise en demeure",
    ),
    (
        "Le 1er versement est attendu le 05/01/2027.",
        AMI_CONSO,
        None,
        "1er n'est pas un mot déguisé",
    ),
    ("Contact : recouvrement@exemple.fr ou www.exemple.fr/paiement", AMI_CONSO, None, "adresses"),
    (
        "Il y a à peine une semaine, nous vous écrivions.",
        AMI_CONSO,
        None,
        "lettres isolées ordinaires",
    ),
    ("Mme A. B. Martin, service recouvrement.", AMI_CONSO, None, "initiales"),
    (
        "Si vous avez déjà réglé, merci de ne pas tenir compte de ce message.",
        AMI_CONSO,
        None,
        "paiement croisé",
    ),
    (
        "Nous vous confirmons les engagements pris lors de notre entretien téléphonique.",
        RECAP,
        None,
        "récapitulatif d'appel",
    ),
]


def test_the_table_holds_at_least_150_labelled_sentences():
    assert len(SENTENCES) >= 150
    assert sum(code is None for _, _, code, _ in SENTENCES) >= 50
    assert all(why for *_, why in SENTENCES)
    assert {code for _, _, code, _ in SENTENCES} >= {rule.code for rule in RULES}


@pytest.mark.parametrize(
    ("sentence", "context", "code", "why"),
    SENTENCES,
    ids=[f"{n:03d}-{code or 'allowed'}" for n, (_, _, code, _) in enumerate(SENTENCES)],
)
def test_labelled_sentence(sentence, context, code, why):
    """docs/legal.md §5: each sentence is refused by its rule, with a French reason and its
    article, or allowed (``code`` None) — ``why`` says which."""
    findings = forbidden_phrases(sentence, **context)
    if code is None:
        assert findings == [], why
        return
    assert code in [f.code for f in findings], why
    for finding in findings:
        assert finding.reason and finding.reference
        assert finding.phrase and finding.phrase in sentence
        assert sentence[finding.start :].startswith(finding.phrase)


def test_every_rule_cites_its_article_and_gives_a_french_reason():
    """Each rule names its article: C. conso. L121-2 / L121-6, C. pén. 433-13, CPCE, C. mon.
    fin. L751-1; the families asked for are all there."""
    for rule in RULES:
        assert any(a in rule.reference for a in ("L121-2", "L121-6", "433-13", "L111-8"))
        assert rule.reason.endswith(".") and any(c in rule.reason for c in "éèêàç«")
    references = " ".join(rule.reference for rule in RULES)
    for article in ("L121-2", "L121-6", "R124-4", "433-13", "L751-1", "L111-8"):
        assert article in references


def test_professional_reminder_may_state_the_indemnity():
    """C. com. L441-10 II: the 40 EUR indemnity is a mandatory mention between professionals."""
    assert forbidden_phrases(B2B_REMINDER, consumer=False) == []


def test_consumer_letter_never_mentions_recovery_fees_nor_the_indemnity():
    """CPCE L111-8: amicable recovery costs stay with the creditor; L441-10 is B2B only."""
    findings = forbidden_phrases(B2B_REMINDER, consumer=True)
    assert [f.phrase for f in findings] == [
        "indemnité forfaitaire",
        "frais de recouvrement",
        "40 €",
    ]
    assert all("L111-8" in f.reference for f in findings)
    fees = forbidden_phrases("Des frais de dossier de 25 € seront ajoutés.", consumer=True)
    assert [f.phrase for f in fees] == ["frais de dossier"]
    assert "créancier" in fees[0].reason


def test_debtor_kind_decides_when_consumer_is_not_given():
    """§1: a debtor of unknown kind is treated as a consumer (no fee may be announced)."""
    text = "Des frais de recouvrement seront ajoutés."
    assert forbidden_phrases(text, debtor_kind="professional") == []
    assert forbidden_phrases(text, debtor_kind="unknown")
    assert forbidden_phrases(text, debtor_kind="consumer")
    assert forbidden_phrases(text)  # nothing said: the strictest reading


def test_claims_of_enforcement_powers_are_refused_for_everyone():
    """C. conso. L121-2: no enforcement power in the amicable phase."""
    text = (
        "Un huissier a été mandaté. À défaut, nous procéderons à l'exécution forcée et à la "
        "saisie de vos biens."
    )
    findings = forbidden_phrases(text, consumer=False)
    assert [f.phrase for f in findings] == [
        "huissier a été mandaté",
        "exécution forcée",
        "saisie",
    ]
    assert all(f.reason for f in findings)


def test_avis_avant_saisie_is_reported_once_with_its_own_reason():
    """C. conso. L121-2: the specific phrase wins over the generic « saisie »."""
    findings = forbidden_phrases("AVIS AVANT SAISIE", consumer=False)
    assert len(findings) == 1
    assert findings[0].phrase == "AVIS AVANT SAISIE"
    assert "Avis avant saisie" in findings[0].reason


def test_court_look_and_official_formulas_are_refused():
    """C. conso. L121-2: fake court or administration look."""
    text = "Greffe — Dernier avis avant poursuites. Avis de passage. Tribunal de commerce."
    phrases = [f.phrase for f in forbidden_phrases(text, consumer=False)]
    assert phrases == [
        "Greffe",
        "Dernier avis avant poursuites",
        "Avis de passage",
        "Tribunal",
    ]


def test_threats_and_pressure_are_refused():
    """C. conso. L121-6: threats to inform the employer or neighbours, pressure formulas."""
    text = "Réglez immédiatement sous peine de voir informés votre employeur et vos voisins."
    phrases = [f.phrase for f in forbidden_phrases(text, consumer=False)]
    assert phrases == ["sous peine de", "votre employeur", "vos voisins"]


def test_matching_ignores_accents_case_and_apostrophes():
    """The check reads the words, not their typography; the phrase is quoted as written."""
    findings = forbidden_phrases(
        "EXECUTION FORCEE et commissaire de justice mandaté", consumer=False
    )
    assert [f.phrase for f in findings] == [
        "EXECUTION FORCEE",
        "commissaire de justice mandaté",
    ]


def test_harmless_letter_passes_and_data_entry_is_not_a_seizure():
    """A courteous reminder is accepted; « saisie de vos coordonnées » is data entry."""
    text = (
        "Sauf erreur de notre part, votre facture reste impayée. Vous pouvez régler par "
        "virement ; la saisie de vos coordonnées bancaires est sécurisée. Contactez-nous "
        "pour convenir d'un échéancier."
    )
    assert forbidden_phrases(text, consumer=True) == []


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("S A I S I E", "saisie"),
        ("s.a.i.s.i.e", "saisie"),
        ("s-a-i-s-i-e", "saisie"),
        ("s . a . i . s . i . e", "saisie"),
        ("sai sie", "saisie"),
        ("huis-sier", "huissier"),
        ("b l o q u e r", "bloquer"),
        ("5aisie", "saisie"),
        ("sa!sie", "saisie"),
        ("à s a i s i e", "a saisie"),
        ("trib*unal", "tribunal"),
        ("Ѕаіѕіе", "saisie"),  # Cyrillic
        ("ѕаіѕіе", "saisie"),
        ("ρlainte", "plainte"),  # Greek rho
        ("p0ursuites", "poursuites"),
        ("h\u00adui\u200bssier", "huissier"),  # soft hyphen, zero-width space
        ("ŒUVRE", "oeuvre"),
        ("40eur et FA-2026-00012 et L441-10", "40eur et fa-2026-00012 et l441-10"),
    ],
)
def test_normalisation_undoes_the_disguises(written, read):
    """A forbidden word cannot hide behind spacing, punctuation or look-alike characters;
    numbers (amounts, invoice numbers, articles) are left as they are."""
    normalised, origin = normalise(written)
    assert normalised == read
    assert len(origin) == len(normalised)


def test_formal_notice_is_recognised_from_its_text_when_the_kind_is_not_given():
    """C. civ. 1344: a letter that puts the debtor on notice is the formal notice; a reminder
    that announces one is not."""
    assert is_formal_notice("Par la présente, nous vous mettons en demeure de régler…")
    assert is_formal_notice("Cette lettre vaut mise en demeure au sens de l'article 1344.")
    assert is_formal_notice("Mise en demeure de payer — dossier D-1")
    assert not is_formal_notice("À défaut, nous vous adresserons une mise en demeure.")
    assert not is_formal_notice("Dernière relance avant mise en demeure — dossier D-1")


def test_a_formal_notice_to_a_professional_may_name_the_remedy_envisaged():
    """docs/legal.md §4-§5; C. civ. 1344: naming the injonction de payer before the tribunal de
    commerce is allowed in the formal notice to a professional, refused in an amicable
    reminder, refused to a consumer (wrong court), and no letter may threaten a seizure."""
    remedy = "Nous pourrons saisir le tribunal de commerce d'une requête en injonction de payer."
    assert forbidden_phrases(remedy, consumer=False, letter_kind="formal_notice") == []
    assert forbidden_phrases(remedy, consumer=False, letter_kind="amicable")
    [wrong] = forbidden_phrases(remedy, consumer=True, letter_kind="formal_notice")
    assert "L721-3" in wrong.reference
    threat = "À défaut, un commissaire de justice saisira vos biens."
    assert forbidden_phrases(threat, consumer=False, letter_kind="formal_notice")


@pytest.mark.parametrize(
    ("code", "channel", "debtor_kind", "kind", "label", "subject", "body"), DEFAULT_TEMPLATES
)
def test_the_default_templates_pass_the_check(
    code, channel, debtor_kind, kind, label, subject, body
):
    """The shipped wording (courriers/defaults.py) passes in its own context and when the
    kind of letter is not given (template form, sending)."""
    consumer = debtor_kind != "professional"
    for text in (subject, body, f"{subject}\n{body}"):
        assert forbidden_phrases(text, consumer=consumer) == []
        assert forbidden_phrases(text, consumer=consumer, letter_kind=kind) == []
