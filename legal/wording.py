"""Wording forbidden in the amicable phase (docs/legal.md §5), with the reason for each.

The DGCCRF pursues letters and calls that mislead about the collector's powers or the
consequences of not paying (pratiques commerciales trompeuses, C. conso. L121-2) or that put
undue pressure on the debtor (pratiques agressives, C. conso. L121-6). A document that looks like
a judicial or extrajudicial act (commandement, sommation, titre exécutoire…) is an offence
(C. pén. 433-13). Only a commissaire de justice holding an enforceable title may seize or block
anything (CPCE L111-2, L122-1). The FICP is fed by lenders only, for credit repayment incidents
(C. mon. fin. L751-1). For a consumer, the costs of amicable recovery stay with the creditor
without an enforceable title (CPCE L111-8, recalled by a collection agency under R124-4) and the
40 EUR indemnity is for professionals only (C. com. L441-10 II): no fee of any kind may be
announced.

``forbidden_phrases(text, consumer=..., letter_kind=..., debtor_kind=..., has_title=...)`` lists
what it finds; a template that yields anything is refused.

**The check cannot be dodged by typography.** The text is first normalised (``normalise``):
case, accents, apostrophe style, invisible characters, look-alike letters (Cyrillic « а »,
Greek « ο », « 0 » for « o », « 1 » for « i », « @ » for « a » inside a word), letters spread out
with spaces or punctuation (« s a i s i e », « s.a.i.s.i.e », « sai.sie »), and the forbidden
words themselves split anywhere (« sai sie », « huis-sier »). Each finding still quotes the
words as written. Rules are word families with their inflections (« saisir », « saisis »,
« saisie-attribution », « bloqués »…).

**Context** (``Context``): the kind of letter (an amicable reminder vs the formal notice), the
debtor's kind, whether the creditor holds a court title. A formal notice may name the remedies
envisaged (« saisir le tribunal de commerce d'une requête en injonction de payer », C. civ.
1344; docs/legal.md §4); no letter may present them as engaged, threaten an enforcement act
without a title, or look like a court officer's act.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MISLEADING = "C. conso. L121-2 (pratique commerciale trompeuse)"
AGGRESSIVE = "C. conso. L121-6 (pratique commerciale agressive)"
CONSUMER_FEES = "CPCE L111-8, R124-4 ; C. com. L441-10 II (professionnels seulement)"
IMITATION = (
    "C. pén. 433-13 (document ressemblant à un acte judiciaire ou extrajudiciaire) ; "
    "C. conso. L121-2"
)
ENFORCEMENT = (
    "C. conso. L121-2 ; CPCE L111-2, L122-1 (seul un commissaire de justice muni d'un titre "
    "exécutoire exécute)"
)
CRIMINAL = "C. conso. L121-6, L121-2 (un impayé n'est pas une infraction pénale)"
BAD_PAYERS_FILE = (
    "C. mon. fin. L751-1 (le FICP recense les seuls incidents de remboursement de crédit, "
    "déclarés par les établissements de crédit) ; C. conso. L121-2"
)
WRONG_COURT = "C. conso. L121-2 ; C. com. L721-3 (le tribunal de commerce juge les commerçants)"

# Kinds of letter (``courriers.models.TemplateKind`` values): only the formal notice names the
# remedies envisaged (docs/legal.md §4). Any other kind is an amicable message.
FORMAL_NOTICE = "formal_notice"


@dataclass(frozen=True)
class Context:
    """What a rule may depend on (docs/legal.md §5)."""

    consumer: bool = True  # a consumer or a debtor of unknown kind
    formal_notice: bool = False  # the letter is the mise en demeure (C. civ. 1344)
    has_title: bool = False  # the creditor holds an enforceable title (CPCE L111-2, L111-3)


@dataclass(frozen=True)
class Rule:
    code: str
    pattern: str  # written without accents, lower case; matched on the normalised text
    reason: str
    reference: str
    consumer_only: bool = False
    # Allowed in a formal notice (a remedy envisaged may be named there).
    allowed_in_formal_notice: bool = False
    # Allowed in a formal notice when the creditor holds an enforceable title.
    allowed_with_title: bool = False
    # Allowed in a formal notice when announced as a possibility (« nous pourrons… »).
    allowed_if_envisaged: bool = False
    # Refused only as a heading: at the start of a short line (a subject, a title).
    heading_only: bool = False

    def applies(self, context: Context) -> bool:
        if self.consumer_only and not context.consumer:
            return False
        if self.allowed_in_formal_notice and context.formal_notice:
            return False
        return not (self.allowed_with_title and context.formal_notice and context.has_title)


# Word families reused by several rules.
_GOODS = (
    r"(?:biens?|comptes?(?:\s+bancaires?)?|salaires?|remunerations?|revenus|vehicules?|voitures?|"
    r"meubles|mobilier|maison|logement|appartement|patrimoine|avoirs|fonds|sommes|tresorerie|"
    r"stocks?|materiels?|equipements?|marchandises|objets|effets\s+personnels|possessions|"
    r"allocations|pensions?|retraites?|loyers|creances|parts\s+sociales|actions|fonds\s+de\s+commerce)"
)
_SEIZE_VERB = (
    r"saisi(?:r|rons|rez|ra|ront|rai|rais|rait|raient|ssons|ssez|ssent|sse|sses|ssant|t|rent)"
)
_PASSIVE = r"(?:(?:etre|ete|sera|seront|serait|seraient|sont|est|soient|soit)\s+)"
_MODAL = (
    r"(?:pourr\w*|pouvons|pouvez|peut|peuvent|envisage\w*|reserv\w*\s+le\s+droit|"
    r"susceptibles?|amenes?\s+a|fondes?\s+a|contraints?\s+de|eventuellement|le\s+cas\s+echeant|"
    r"possibilite|faculte)"
)
_COURT_WORDS = (
    r"(?:tribunal|tribunaux|juge|juges|juridiction|juridictions|justice|greffe|cour|jugement)"
)

# Specific rules first: a phrase already caught by one is not reported again by a broader one.
RULES: tuple[Rule, ...] = (
    # --- Imitation of a judicial or extrajudicial act (C. pén. 433-13) ---------------------------
    Rule(
        "avis-avant-saisie",
        r"avis\s+avant\s+saisies?",
        "« Avis avant saisie » : imite un acte d'exécution ; aucune saisie n'est possible "
        "sans titre exécutoire.",
        IMITATION,
    ),
    Rule(
        "dernier-avis-avant-poursuites",
        r"dernier\s+avis\s+avant\s+(?:toutes?\s+)?poursuites?(?:\s+judiciaires?)?",
        "« Dernier avis avant poursuites » : formule d'allure officielle qui fait croire à une "
        "procédure engagée.",
        IMITATION,
    ),
    Rule(
        "avis-de-passage",
        r"avis\s+de\s+passage",
        "« Avis de passage » : imite un document de commissaire de justice (huissier) ou de "
        "La Poste.",
        IMITATION,
    ),
    Rule(
        "commandement",
        r"\bcommandements?\b(?:\s+de\s+payer)?(?:\s+aux\s+fins\s+de\s+saisie(?:[\s-]\w+)?)?",
        "« Commandement (de payer) » : nom d'un acte de commissaire de justice, signifié en "
        "vertu d'un titre exécutoire ; un courrier du créancier ne peut en prendre l'allure.",
        IMITATION,
    ),
    Rule(
        "sommation",
        r"\bsommations?\b(?:\s+de\s+payer|\s+interpellative)?"
        r"|\b(?:vous\s+)?sommons\b"
        r"|\b(?:etes|est|etre|soyez|serez)\s+sommee?s?\b(?!\s+toute)",
        "« Sommation » : acte de commissaire de justice ; un courrier amiable ne somme pas, il "
        "demande (la mise en demeure se nomme « mise en demeure »).",
        IMITATION,
    ),
    Rule(
        "acte-officier",
        r"\b(?:acte|exploit|proces[\s-]verbal)s?\s+(?:d'huissiers?|de\s+commissaires?\s+de\s+"
        r"justice|de\s+signification)\b|\bsignification\s+(?:d'un\s+acte|par\s+huissier|"
        r"par\s+commissaire)",
        "Se présente comme un acte de commissaire de justice (huissier) : seul cet officier "
        "signifie des actes.",
        IMITATION,
    ),
    Rule(
        "titre-executoire-vaut",
        r"\b(?:vaut|valant|constitue|constituant|tient\s+lieu\s+de|a\s+valeur\s+de|"
        r"a\s+force\s+de|fait\s+office\s+de)\s+(?:de\s+)?(?:un\s+|le\s+)?titres?\s+executoires?",
        "Un courrier n'est jamais un titre exécutoire : seul un juge (ou un acte notarié) en "
        "délivre un.",
        IMITATION,
    ),
    Rule(
        "titre-en-tete",
        r"(?:titres?\s+executoires?|injonctions?\s+de\s+payer|ordonnances?|"
        r"republique\s+francaise|ministere\s+de\s+la\s+justice|tribunal|greffe|juridictions?|"
        r"dernier\s+avis|service\s+(?:des\s+saisies|du\s+contentieux\s+judiciaire|"
        r"de\s+l'execution))\b",
        "En-tête d'allure judiciaire ou administrative (titre exécutoire, injonction, tribunal, "
        "greffe…) : le courrier ne peut ressembler à un acte de justice.",
        IMITATION,
        heading_only=True,
    ),
    # --- Court proceedings presented as engaged or their outcome as certain ---------------------
    Rule(
        "procedure-engagee",
        r"\b(?:avons|ai|a|ont|avez)\s+(?:deja\s+)?saisi\s+(?:le|la|les|l')\s*"
        + _COURT_WORDS
        + r"|\b"
        + _COURT_WORDS
        + r"s?\s+(?:\w+\s+){0,3}?(?:a|ont|est|sont|vient\s+d'etre|viennent\s+d'etre)\s+"
        r"(?:deja\s+|desormais\s+|bien\s+)?(?:ete\s+)?saisie?s?\b"
        r"|\b(?:procedure|action|instance|poursuites?)\s+(?:judiciaires?\s+|contentieuses?\s+|"
        r"en\s+justice\s+)?(?:a\s+ete|ont\s+ete|est|sont|vient\s+d'etre)\s+(?:deja\s+)?"
        r"(?:engagee|engagees|lancee|lancees|ouverte|ouvertes|introduite|en\s+cours)"
        r"|\b(?:etes|serez|etre)\s+(?:\w+\s+)?convoquee?s?\b|\bconvocations?\s+(?:au|devant|a\s+l')"
        r"|\b(?:etes|avez\s+ete|a\s+ete|est)\s+(?:deja\s+|desormais\s+)?assignee?s?\b"
        r"|\bassignation\s+(?:vous\s+)?(?:a\s+ete|est)\s+(?:deja\s+)?(?:delivree|signifiee)"
        r"|\baudiences?\b"
        r"|\b(?:serez|sera|seront|etes|est)\s+(?:\w+\s+)?condamnee?s?\b"
        r"|\bvous\s+condamner(?:a|ont)\b|\bjugement\s+(?:a\s+ete|est|sera)\s+rendu",
        "Présente une procédure judiciaire comme engagée ou son issue comme certaine "
        "(audience, convocation, condamnation) : rien de tel au stade amiable.",
        MISLEADING,
    ),
    # --- Court officers presented as instructed -------------------------------------------------
    Rule(
        "officier-mandate",
        r"\b(?:huissiers?|commissaires?\s+de\s+justice)\b"
        r"(?:\s+(?:a|ont|est|sont|sera|seront|vient\s+d'etre|a\s+ete|ont\s+ete|va\s+etre))?"
        r"(?:\s+(?:deja|d'ores\s+et\s+deja))?\s+(?:mandatee?s?|saisie?s?|charge|chargee?s?|"
        r"missionnee?s?)\b",
        "Présente un commissaire de justice (huissier) comme mandaté : rien n'est engagé au "
        "stade amiable.",
        MISLEADING,
    ),
    Rule(
        "mandater-officier",
        r"\b(?:mandat\w*|transm\w*|confi\w*|remettr\w*|remis)\s+(?:\w+\s+){0,3}?(?:a\s+)?"
        r"(?:un|une|notre|l'|le|nos|des)\s*(?:huissiers?|commissaires?\s+de\s+justice)",
        "Annonce le mandat d'un commissaire de justice (huissier) comme décidé ; une mise en "
        "demeure peut seulement l'envisager (« nous pourrons… »).",
        MISLEADING,
        allowed_if_envisaged=True,
    ),
    # --- Enforcement acts: only a commissaire de justice with a title (CPCE L111-2, L122-1) -----
    Rule(
        "execution-forcee",
        r"\bexecutions?\s+forcees?|\bvoies?\s+d'execution|\bmesures?\s+d'execution"
        r"|\bexecution\s+(?:du\s+jugement|de\s+la\s+decision)|\brecouvrements?\s+force"
        r"|\bventes?\s+(?:aux\s+encheres|forcees?)|\b(?:vendue?s?|mise?s?)\s+aux\s+encheres",
        "« Exécution forcée » : suppose un titre exécutoire, que le recouvrement amiable n'a pas.",
        ENFORCEMENT,
        allowed_with_title=True,
    ),
    Rule(
        "saisie",
        r"(?<!erreur de )(?<!erreurs de )(?<!lors de la )\bsaisies?\b"
        r"(?:[\s-](?:attribution|vente|conservatoire|immobiliere|appréhension|apprehension|"
        r"sur\s+salaires?|des\s+remunerations|sur\s+remunerations|arret))?"
        r"(?!\s+(?:de|des|du)\s+(?:vos|votre|ses|son|sa|leurs?|mes|nos)?\s*(?:coordonnees|donnees|"
        r"informations|identifiants?|references?|code|formulaire|mot\s+de\s+passe|iban|"
        r"numeros?)|\s+en\s+ligne|\s+informatique|\s+manuelle)",
        "Évoque une saisie : aucun pouvoir d'exécution au stade amiable (il faut un titre "
        "exécutoire et un commissaire de justice).",
        ENFORCEMENT,
        allowed_with_title=True,
    ),
    Rule(
        "saisir-biens",
        r"\b" + _SEIZE_VERB + r"\b(?:\s+\w+){0,2}?\s+(?:vos|votre|ses|son|sa|leurs?|les|le|la|l'|"
        r"des|de\s+vos|tous\s+vos|toutes\s+vos|l'ensemble\s+de\s+vos)\s*" + _GOODS + r"\b"
        r"|\b" + _GOODS + r"\b(?:\s+[\w']+){0,4}?\s+" + _PASSIVE + r"?(?:\w+\s+){0,1}?"
        r"saisi(?:e|es|s)?\b|\bsaisissables?\b",
        "Menace de saisir des biens : aucun pouvoir d'exécution au stade amiable.",
        ENFORCEMENT,
        allowed_with_title=True,
    ),
    Rule(
        "comptes-bloques",
        r"\b(?:comptes?(?:\s+(?:bancaires?|courants?|professionnels?))?|cartes?(?:\s+bancaires?)?|"
        r"avoirs|fonds|salaires?|revenus|chequiers?|moyens\s+de\s+paiement|tresorerie)\b"
        r"(?:\s+[\w']+){0,4}?\s+" + _PASSIVE + r"?(?:\w+\s+){0,1}?"
        r"(?:bloquee?s?|gelee?s?|immobilisee?s?)\b"
        r"|\b(?:bloqu\w*|blocage|geler|gelerons|gelera|gel|immobilis\w*)\s+(?:de\s+|du\s+)?"
        r"(?:\w+\s+){0,2}?(?:vos|votre|ses|son|sa|les|le|la|des|l')\s*(?:comptes?|cartes?|avoirs|"
        r"fonds|salaires?|revenus|moyens\s+de\s+paiement|tresorerie)\b",
        "Menace de bloquer des comptes : seul un commissaire de justice muni d'un titre "
        "exécutoire peut pratiquer une saisie-attribution.",
        ENFORCEMENT,
        allowed_with_title=True,
    ),
    Rule(
        "titre-executoire-detenu",
        r"\b(?:disposons|dispose|detenons|detient|sommes\s+munis?|muni|munie|beneficions|"
        r"en\s+vertu)\s+(?:deja\s+)?(?:d'un|du|de\s+notre|de\s+ce|d'une?)\s+titres?\s+executoires?",
        "Affirme un titre exécutoire que le créancier n'a pas.",
        ENFORCEMENT,
        allowed_with_title=True,
    ),
    # --- Criminal threats: non-payment is not an offence (C. conso. L121-6, L121-2) -------------
    Rule(
        "menace-penale",
        r"(?<!votre )(?<!vos )\bplaintes?\b(?!\s+de\s+votre\s+part)"
        r"|\bprocureurs?\b(?:\s+de\s+la\s+republique)?"
        r"|\bcommissariats?\b(?:\s+de\s+police)?|\bgendarmeries?\b|\bgendarmes?\b"
        r"|\bpolice\b(?!\s+d'assurance|\s+de\s+caracteres|\s+d'ecriture)|\bpoliciers?\b"
        r"|\bpoursuites?\s+penales?|(?<!clause )(?<!clauses )\bpenal(?:e|es|ement)\b"
        r"|\bcode\s+penal\b"
        r"|\bdelits?\b|\bescroqu\w*|\babus\s+de\s+confiance|\bprison\b|\bemprisonnement"
        r"|\bincarcer\w*|\bcasier\s+judiciaire|\bgarde\s+a\s+vue|\bcorrectionnel(?:le)?s?\b"
        r"|\borganisation\s+(?:frauduleuse\s+)?d'insolvabilite|\bdelinquan\w*",
        "Menace pénale (plainte, procureur, commissariat, poursuites pénales) : une dette "
        "impayée n'est pas une infraction ; cette menace est une pression illicite.",
        CRIMINAL,
    ),
    # --- Bad-payers files and the Banque de France (C. mon. fin. L751-1) -------------------------
    Rule(
        "fichier-banque-de-france",
        r"\bficp\b|\bfiben\b|\bfcc\b"
        r"|\bfichiers?\s+(?:national|nationaux|central|centraux|bancaires?|positif|des\s+"
        r"(?:incidents|mauvais\s+payeurs|debiteurs|impayes|mauvais\s+clients)|de\s+la\s+banque)"
        r"|\bfich(?:age|er|erons|era|eront|ee|ees)\b|\bmauvais\s+payeurs?\b|\bliste\s+noire"
        r"|\binterdi(?:t|ts|ction)\s+bancaires?|\binterdi(?:t|ction)\s+de\s+chequiers?"
        r"|\b(?:inscri\w*|signal\w*|declar\w*|repertori\w*|transm\w*|communiqu\w*|inform\w*|"
        r"report\w*|enregistr\w*|avis\w*|prevenir|previendr\w*|fiche\w*|saisi\w*|alert\w*)\b"
        r"[^.!?\n]{0,60}?"
        r"\bbanque\s+de\s+france\b"
        r"|\bbanque\s+de\s+france\b[^.!?\n]{0,40}?\b(?:inform\w*|avis\w*|prevenu\w*|saisi\w*|"
        r"signal\w*|inscri\w*)",
        "Menace d'inscription dans un fichier de « mauvais payeurs » ou auprès de la Banque de "
        "France : le FICP ne recense que les incidents de crédit, déclarés par les prêteurs ; "
        "un créancier ne peut y inscrire une facture impayée.",
        BAD_PAYERS_FILE,
    ),
    # --- Home visits and investigators (C. conso. L121-6) ----------------------------------------
    Rule(
        "visite-domicile",
        r"\benqueteu(?:r|rs|se|ses)\b|\bvisites?\s+domiciliaires?"
        r"|\b(?:visite|passage|deplacement|venue|intervention|presentation)s?\b[^.!?\n]{0,30}?"
        r"\b(?:a|au|sur|dans)\s+(?:votre|vos)\s+(?:domicile|lieu\s+de\s+travail|bureau|locaux)"
        r"|\b(?:passer\w*|rendre\s+visite|rendr\w+\s+visite|se\s+rendr\w*|se\s+present\w*|"
        r"se\s+deplac\w*|deplacer\w*|frapper\w*|sonner\w*|viendr\w*|visiter\w*)\b"
        r"[^.!?\n]{0,40}?\b(?:domicile|chez\s+vous|a\s+votre\s+porte|"
        r"lieu\s+de\s+travail|vos\s+locaux|votre\s+bureau)",
        "Annonce la visite d'un enquêteur ou d'un agent au domicile ou au travail : pression "
        "illicite, aucun pouvoir de cette sorte au stade amiable.",
        AGGRESSIVE,
    ),
    # --- Court look in an amicable reminder (the formal notice may name remedies) ---------------
    Rule(
        "tribunal",
        r"\btribunal\b",
        "« Tribunal » : un courrier amiable ne doit pas prendre l'allure d'un acte judiciaire "
        "(les voies envisagées se nomment dans la mise en demeure, sans mise en scène : "
        "injonction de payer, référé-provision, assignation).",
        MISLEADING,
        allowed_in_formal_notice=True,
    ),
    Rule(
        "greffe",
        r"\bgreffes?\b",
        "« Greffe » : donne au courrier l'apparence d'un acte de justice.",
        MISLEADING,
        allowed_in_formal_notice=True,
    ),
    Rule(
        "voie-judiciaire",
        r"\btribunaux\b|\bjuridictions?\b|\bjugements?\b"
        r"|(?<!avons )(?<!avez )(?<!ont )(?<!a )(?<!ete )(?<!etre )\bjuges?\b"
        r"(?!\s+(?:bon|utile|necessaire|opportun|preferable|souhaitable))"
        r"|\binjonctions?\s+de\s+payer|\brefere(?:s|[\s-]provision)?\b|\bassignations?\b"
        r"|\bassigner\b|\bassign(?:erons|era|eront)\b|\bpoursuites\b|\bpoursuites?\s+judiciaires?"
        r"|\bpoursuivre\s+en\s+justice|\bpoursuivie?s?\s+en\s+justice"
        r"|\b(?:en|action\s+en|recours\s+en|devant\s+la)\s+justice\b"
        r"|\bprocedures?\s+(?:judiciaires?|contentieuses?|d'injonction|simplifiee)"
        r"|\bhuissiers?\b|\bcommissaires?\s+de\s+justice\b|\bcondamnations?\b",
        "Évoque le juge ou un commissaire de justice dans une relance amiable : seule la mise "
        "en demeure nomme les voies envisagées ; avant, c'est une mise en scène trompeuse.",
        MISLEADING,
        allowed_in_formal_notice=True,
    ),
    Rule(
        "tribunal-de-commerce-consommateur",
        r"\btribunal\s+(?:de\s+commerce|des\s+activites\s+economiques)\b",
        "Un consommateur ne relève pas du tribunal de commerce : le nommer est trompeur (le "
        "tribunal judiciaire est compétent).",
        WRONG_COURT,
        consumer_only=True,
    ),
    # --- Pressure and threats to third parties (C. conso. L121-6) -------------------------------
    Rule(
        "entourage",
        r"\b(?:votre|vos|son|ses|leur)\s+(?:employeur|employeurs|famille|proches|voisins|"
        r"voisinage|entourage|collegues|conjointe?|amis)\b"
        r"|\b(?:informerons|previendrons|contacterons|avertirons|alerterons|signalerons|"
        r"ecrirons\s+a)\s+(?:\w+\s+){0,2}?(?:votre|vos)\s+(?:banque|banquier|clients|fournisseurs|"
        r"partenaires|associes|bailleur|proprietaire)\b",
        "Menace d'informer l'employeur, la famille, les voisins, la banque ou les partenaires "
        "du débiteur.",
        AGGRESSIVE,
    ),
    Rule(
        "sous-peine",
        r"\bsous\s+peine\s+d[e']",
        "Formule de pression (« sous peine de… ») : menace de conséquences non décidées.",
        AGGRESSIVE,
    ),
    Rule(
        "pression",
        r"\b(?:dernier|ultime)\s+avertissement|\b(?:derniere|ultime)\s+chance"
        r"|\bconsequences?\s+(?:tres\s+)?(?:graves|lourdes|serieuses|irreversibles|facheuses|"
        r"desastreuses|dramatiques)"
        r"|\b(?:regl\w*|pay\w*|vers\w*|sold\w*|acquitt\w*)\b[^.!?\n]{0,40}?"
        r"\b(?:sous|dans\s+les|d'ici)\s+(?:24|48|72)\s*(?:h\b|heures)",
        "Formule de pression (dernier avertissement, conséquences graves, délai de quelques "
        "heures) : contrainte illicite, le délai doit être raisonnable (C. civ. 1344).",
        AGGRESSIVE,
    ),
    # --- Fees announced to a consumer (CPCE L111-8; C. com. L441-10 II) -------------------------
    Rule(
        "frais-consommateur",
        r"\bfrais\s+(?:de\s+|d')(?:recouvrement|dossier|relance|gestion|procedure|contentieux|"
        r"traitement|rappel|retard|mise\s+en\s+demeure|encaissement|huissier|commissaire|"
        r"lettre\s+recommandee|recommande|impaye|rejet|poursuite)",
        "Frais réclamés à un consommateur : les frais du recouvrement amiable restent à la "
        "charge du créancier sans titre exécutoire.",
        CONSUMER_FEES,
        consumer_only=True,
    ),
    Rule(
        "indemnite-consommateur",
        r"indemnites?\s+(?:forfaitaires?|de\s+recouvrement|compensatoires?)",
        "Indemnité forfaitaire de recouvrement : due par les seuls professionnels, jamais "
        "mentionnée à un consommateur.",
        CONSUMER_FEES,
        consumer_only=True,
    ),
    Rule(
        "quarante-euros-consommateur",
        r"(?<![\d,.])40(?:[,.]00)?\s*(?:€|euros?\b|eur\b)",
        "Montant de 40 € : l'indemnité forfaitaire ne concerne que les professionnels.",
        CONSUMER_FEES,
        consumer_only=True,
    ),
)

_COMPILED = tuple((rule, re.compile(rule.pattern)) for rule in RULES)

# Phrases that are lawful whatever the context, neutralised before the rules run: the statement
# that nothing is enforceable (L111-8's own words), data entry, an insurance policy.
_ALLOWED = re.compile(
    r"\bsans\s+titres?\s+executoires?"
    r"|\b(?:demander|demandera|obtenir|obtention|delivrance)\s+(?:d'un|un)\s+titre\s+executoire"
)

# An operative formal notice (« nous vous mettons en demeure », « vaut mise en demeure », a
# subject « Mise en demeure… »), not its announcement (« avant mise en demeure »).
_FORMAL_NOTICE = re.compile(
    r"\bmett(?:ons|ent|e|re|ez)\s+(?:\w+\s+){0,2}?en\s+demeure\b"
    r"|\b(?:vaut|valant|constitue|constituant)\s+(?:une\s+|la\s+|derniere\s+)?mise\s+en\s+demeure"
    r"|\b(?:cette|la\s+presente|presente)\s+(?:lettre\s+de\s+)?mise\s+en\s+demeure\b"
    r"|\bmise\s+en\s+demeure\s+(?:au\s+sens\s+de\s+)?(?:de\s+)?l'article\s+1344\b"
    r"|^[\s\W]*(?:objet\s*:\s*)?(?:derniere\s+)?mise\s+en\s+demeure\b",
    re.MULTILINE,
)
_ENVISAGED = re.compile(_MODAL + r"[^.!?\n]{0,60}$")
_HEADING_MAX_WORDS = 10

# --- Normalisation ----------------------------------------------------------------------------

_APOSTROPHES = {"’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'", "ʹ": "'", "′": "'"}
# Letters that look like Latin ones (Cyrillic, Greek, a few others) and ligatures.
_LOOK_ALIKES = {
    **dict(zip("абвезийклмнопрстухсѕіїјԁԛԝһӏ", "abbeziiklmhonpctyxcsiijdqwhl", strict=True)),
    **dict(zip("αβγεζηικμνοπρτυχωςϲϳ", "abyeznikuvonptuxwscj", strict=True)),
    "ё": "e",
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ħ": "h",
    "œ": "oe",
    "æ": "ae",
    "ß": "ss",
}
# Digits and signs used for letters, inside a word only (« s4isie », « p0ursuites », « s@isie »).
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_TOKEN = re.compile(r"[a-z0-9@$]+")
# A number with its unit or ordinal stays a number (« 40eur », « 48h », « 1er », « 2nd »).
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:er|ere|re|e|eme|nd|nde|d|st|rd|th|h|heures?|eur|euros?|k|ke|m|j|jours?|mois|ans?|"
    r"min|mn|ht|ttc|x|km|kg|g|mm|cm|l|bis|ter|sem|semaines?)?"
)
# Separators that may be slipped between the letters of a word (never a line break).
_SEP = r"[^a-z0-9\n]"
_SPREAD = re.compile(r"(?<![a-z0-9])[a-z](?:" + _SEP + r"{1,3}[a-z](?![a-z0-9])){2,}")
_BANG = re.compile(r"(?<=[a-z])!(?=[a-z])")
_INNER_PUNCT = re.compile(r"(?<=[a-z])[._*·•|/+~^=]+(?=[a-z])")
# The forbidden words themselves, found even when split anywhere by separators.
_SPLIT_WORDS = (
    "saisie",
    "saisir",
    "saisi",
    "huissier",
    "tribunal",
    "greffe",
    "plainte",
    "procureur",
    "commissariat",
    "gendarmerie",
    "sommation",
    "commandement",
    "executoire",
    "execution",
    "enqueteur",
    "mandate",
    "bloque",
    "penale",
    "fichier",
    "injonction",
)
_SPLIT = re.compile(
    r"(?<![a-z0-9])(?:"
    + "|".join(
        (_SEP + "{0,3}").join(re.escape(c) for c in word)
        for word in sorted(_SPLIT_WORDS, key=len, reverse=True)
    )
    + ")"
)


# Inflection endings spelled out after a split word (« b l o q u e r », « s a i s i e s »).
_TAIL = re.compile(_SEP + r"{1,3}([a-z])(?![a-z0-9])")
_TAILS = frozenset({"s", "e", "r", "es", "er", "ez", "ee", "ees"})


def _with_tail(folded: str, match: re.Match) -> tuple[int, int]:
    """The span of a split forbidden word with the inflection spelled out after it."""
    end, letters, best = match.end(), "", match.end()
    while len(letters) < 3 and (tail := _TAIL.match(folded, end)):
        letters, end = letters + tail.group(1), tail.end()
        if letters in _TAILS:
            best = end
    return match.start(), best


class _Folded(dict):
    """Each character (by code point) in lower case, without accents, apostrophes straight,
    look-alikes as the Latin letter, invisible characters dropped (may be empty, or longer:
    « œ » → « oe »), worked out once: a mapping for ``str.translate``."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        char = _APOSTROPHES.get(char, char)
        if unicodedata.category(char) == "Cf":  # zero-width space, soft hyphen, joiners…
            self[code] = ""
            return ""
        parts = []
        for part in unicodedata.normalize("NFKD", char.casefold()):
            if unicodedata.combining(part):
                continue
            part = _LOOK_ALIKES.get(part, part)
            parts.append(
                "".join(
                    p for p in unicodedata.normalize("NFKD", part) if not unicodedata.combining(p)
                )
            )
        folded = "".join(parts)
        self[code] = folded
        return folded


_FOLDED = _Folded()


def _remove(chars: list[str], origin: list[int], spans: list[tuple[int, int]], keep) -> None:
    """Delete, inside each span, the characters for which ``keep`` is false (in place)."""
    for start, end in reversed(spans):
        kept = [(c, o) for c, o in zip(chars[start:end], origin[start:end], strict=True) if keep(c)]
        chars[start:end] = [c for c, _ in kept]
        origin[start:end] = [o for _, o in kept]


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as the rules read it, and for each of its characters the index in ``text``.

    Lower case, no accents, straight apostrophes, look-alike letters as Latin letters, no
    invisible characters; inside a word, digits or signs standing for letters become the
    letters; letters spread out with separators are joined back (« s . a . i . s . i . e »),
    as are the forbidden words split anywhere (« sai sie »).
    """
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text or ""):
        for folded in _FOLDED[ord(char)]:
            chars.append(folded)
            origin.append(index)
    folded = "".join(chars)
    # Look-alike digits inside a word with at least as many letters (never « L441 », « 2026 »).
    for match in _TOKEN.finditer(folded):
        token = match.group()
        letters = sum(c.isalpha() for c in token)
        if _NUMBER_WITH_UNIT.fullmatch(token):  # « 40eur », « 48heures », « 1er »
            continue
        if letters >= 2 and letters >= len(token) - letters > 0:
            chars[match.start() : match.end()] = list(token.translate(_LEET))
    folded = _BANG.sub("i", "".join(chars))  # « sa!sie »
    chars = list(folded)
    is_letter = str.isalnum
    _remove(chars, origin, [m.span() for m in _INNER_PUNCT.finditer(folded)], lambda c: False)
    folded = "".join(chars)
    # The forbidden words first (« à s a i s i e » keeps its « à »), then any spread word.
    spans = [_with_tail(folded, m) for m in _SPLIT.finditer(folded) if not m.group().isalpha()]
    _remove(chars, origin, spans, is_letter)
    folded = "".join(chars)
    _remove(chars, origin, [m.span() for m in _SPREAD.finditer(folded)], is_letter)
    return "".join(chars), origin


def _mask(normalised: str) -> str:
    """Blank out the phrases lawful in any context (positions kept)."""
    return _ALLOWED.sub(lambda m: " " * len(m.group()), normalised)


# --- The check --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    phrase: str  # the words as written in the text
    reason: str
    reference: str
    start: int  # position in the text
    code: str = ""  # the rule's code (``Rule.code``)


def is_formal_notice(text: str) -> bool:
    """Whether the text itself operates a formal notice (« nous vous mettons en demeure »,
    « la présente vaut mise en demeure », a subject « Mise en demeure… »; C. civ. 1344)."""
    return bool(_FORMAL_NOTICE.search(normalise(text)[0]))


def context_for(
    text: str = "",
    *,
    consumer: bool | None = None,
    letter_kind: str | None = None,
    debtor_kind: str | None = None,
    has_title: bool = False,
) -> Context:
    """The context of a check. ``consumer`` wins over ``debtor_kind`` (unknown → consumer);
    without ``letter_kind`` the letter is a formal notice only if its text operates one."""
    if consumer is None:
        consumer = debtor_kind != "professional"
    formal = letter_kind == FORMAL_NOTICE if letter_kind else is_formal_notice(text)
    return Context(consumer=consumer, formal_notice=formal, has_title=has_title)


def _is_heading(normalised: str, start: int) -> bool:
    line_start = normalised.rfind("\n", 0, start) + 1
    line_end = normalised.find("\n", start)
    line = normalised[line_start : len(normalised) if line_end < 0 else line_end]
    before = normalised[line_start:start]
    if re.sub(r"^(?:objet|re|ref|reference)\s*:", "", before.strip()).strip(" \t-—–:.*#>|[]()"):
        return False
    return len(re.findall(r"[a-z0-9]+", line)) <= _HEADING_MAX_WORDS


def _envisaged(normalised: str, start: int) -> bool:
    """A modal (« nous pourrons », « nous nous réservons le droit de ») earlier in the sentence."""
    sentence_start = max(normalised.rfind(c, 0, start) for c in ".!?\n") + 1
    return bool(_ENVISAGED.search(normalised[sentence_start:start]))


def forbidden_phrases(
    text: str,
    *,
    consumer: bool | None = None,
    letter_kind: str | None = None,
    debtor_kind: str | None = None,
    has_title: bool = False,
) -> list[Finding]:
    """Every forbidden phrase in ``text``, in reading order, with its reason and article
    (docs/legal.md §5; C. conso. L121-2 and L121-6; C. pén. 433-13; CPCE L111-8, R124-4;
    C. mon. fin. L751-1).

    ``consumer``: the text goes to a consumer (or a debtor of unknown kind); it may then mention
    no recovery fee and no 40 EUR indemnity (CPCE L111-8; C. com. L441-10 II). Without it,
    ``debtor_kind`` decides (anything but « professional » counts as a consumer).
    ``letter_kind``: the kind of message (``courriers.models.TemplateKind``); « formal_notice »
    may name the remedies envisaged. Without it, the text is a formal notice if it operates one.
    ``has_title``: the creditor holds an enforceable title; a formal notice may then say what a
    commissaire de justice may enforce.
    """
    text = text or ""
    normalised, origin = normalise(text)
    if consumer is None:
        consumer = debtor_kind != "professional"
    formal = (
        letter_kind == FORMAL_NOTICE if letter_kind else bool(_FORMAL_NOTICE.search(normalised))
    )
    context = Context(consumer=consumer, formal_notice=formal, has_title=has_title)
    masked = _mask(normalised)
    taken: list[tuple[int, int]] = []
    findings: list[Finding] = []
    for rule, regex in _COMPILED:
        if not rule.applies(context):
            continue
        for match in regex.finditer(masked):
            start, end = match.span()
            while end > start and masked[end - 1] in " \t":
                end -= 1
            if end <= start:
                continue
            if rule.heading_only and not _is_heading(masked, start):
                continue
            if rule.allowed_if_envisaged and context.formal_notice and _envisaged(masked, start):
                continue
            if any(start < taken_end and taken_start < end for taken_start, taken_end in taken):
                continue
            taken.append((start, end))
            first, last = origin[start], origin[end - 1]
            findings.append(
                Finding(
                    phrase=text[first : last + 1],
                    reason=rule.reason,
                    reference=rule.reference,
                    start=first,
                    code=rule.code,
                )
            )
    return sorted(findings, key=lambda finding: finding.start)
