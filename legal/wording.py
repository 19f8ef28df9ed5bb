"""Wording forbidden in the amicable phase (docs/legal.md §5), with the reason for each.

The DGCCRF pursues letters and calls that mislead about the collector's powers or the
consequences of not paying (pratiques commerciales trompeuses, C. conso. L121-2) or that put
undue pressure on the debtor (pratiques agressives, C. conso. L121-6). For a consumer, the
costs of amicable recovery stay with the creditor without an enforceable title (CPCE L111-8)
and the 40 EUR indemnity is for professionals only (C. com. L441-10 II): no fee of any kind may
be announced.

``forbidden_phrases(text, consumer=...)`` lists what it finds; a template that yields anything
is refused. Matching ignores case, accents, apostrophe style and line breaks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MISLEADING = "C. conso. L121-2 (pratique commerciale trompeuse)"
AGGRESSIVE = "C. conso. L121-6 (pratique commerciale agressive)"
CONSUMER_FEES = "CPCE L111-8 ; C. com. L441-10 II (professionnels seulement)"


@dataclass(frozen=True)
class Rule:
    pattern: str  # written without accents, lower case; matched on the normalised text
    reason: str
    reference: str
    consumer_only: bool = False


# Specific rules first: a phrase already caught by one is not reported again by a broader one.
RULES: tuple[Rule, ...] = (
    Rule(
        r"avis\s+avant\s+saisie",
        "« Avis avant saisie » : imite un acte d'exécution ; aucune saisie n'est possible "
        "sans titre exécutoire.",
        MISLEADING,
    ),
    Rule(
        r"dernier\s+avis\s+avant\s+poursuites?",
        "« Dernier avis avant poursuites » : formule d'allure officielle qui fait croire à une "
        "procédure engagée.",
        MISLEADING,
    ),
    Rule(
        r"avis\s+de\s+passage",
        "« Avis de passage » : imite un document d'huissier ou de La Poste.",
        MISLEADING,
    ),
    Rule(
        r"\b(?:huissiers?|commissaires?\s+de\s+justice)\b(?:\s+de\s+justice)?"
        r"(?:\s+(?:a|ont|est|sont|sera|seront|vient\s+d'etre|a\s+ete|ont\s+ete))?"
        r"(?:\s+(?:deja|d'ores\s+et\s+deja))?\s+mandate",
        "Présente un commissaire de justice (huissier) comme mandaté : rien n'est engagé au "
        "stade amiable.",
        MISLEADING,
    ),
    Rule(
        r"\bmandat(?:er|ons|e|ee)?\s+(?:un|une|notre|l')\s*(?:huissier|commissaire\s+de\s+justice)",
        "Annonce le mandat d'un commissaire de justice (huissier) comme décidé.",
        MISLEADING,
    ),
    Rule(
        r"execution\s+forcee",
        "« Exécution forcée » : suppose un titre exécutoire, que le recouvrement amiable n'a pas.",
        MISLEADING,
    ),
    Rule(
        r"\bsaisies?\b(?!\s+(?:de|des)\s+(?:vos|votre)\s+(?:coordonnees|donnees|informations))",
        "Évoque une saisie : aucun pouvoir d'exécution au stade amiable.",
        MISLEADING,
    ),
    Rule(
        r"\bsaisir\s+(?:vos|votre|ses|son|sa|les|le|la)\s+"
        r"(?:biens|bien|comptes?|salaires?|remuneration|meubles|vehicule|voiture|maison|logement)",
        "Menace de saisir des biens : aucun pouvoir d'exécution au stade amiable.",
        MISLEADING,
    ),
    Rule(
        r"\bgreffe\b",
        "« Greffe » : donne au courrier l'apparence d'un acte de justice.",
        MISLEADING,
    ),
    Rule(
        r"\btribunal\b",
        "« Tribunal » : un courrier amiable ne doit pas prendre l'allure d'un acte judiciaire "
        "(les voies envisagées se nomment sans mise en scène : injonction de payer, "
        "référé-provision, assignation).",
        MISLEADING,
    ),
    Rule(
        r"\b(?:votre|vos|son|ses|leur)\s+(?:employeur|employeurs|famille|proches|voisins|"
        r"voisinage|entourage|collegues)\b",
        "Menace d'informer l'employeur, la famille ou les voisins du débiteur.",
        AGGRESSIVE,
    ),
    Rule(
        r"\bsous\s+peine\s+d[e']",
        "Formule de pression (« sous peine de… ») : menace de conséquences non décidées.",
        AGGRESSIVE,
    ),
    Rule(
        r"frais\s+de\s+(?:recouvrement|dossier|relance|gestion|procedure|contentieux)",
        "Frais réclamés à un consommateur : les frais du recouvrement amiable restent à la "
        "charge du créancier sans titre exécutoire.",
        CONSUMER_FEES,
        consumer_only=True,
    ),
    Rule(
        r"indemnite\s+(?:forfaitaire|de\s+recouvrement)",
        "Indemnité forfaitaire de recouvrement : due par les seuls professionnels, jamais "
        "mentionnée à un consommateur.",
        CONSUMER_FEES,
        consumer_only=True,
    ),
    Rule(
        r"(?<![\d,.])40(?:[,.]00)?\s*(?:€|euros?\b|eur\b)",
        "Montant de 40 € : l'indemnité forfaitaire ne concerne que les professionnels.",
        CONSUMER_FEES,
        consumer_only=True,
    ),
)

_COMPILED = tuple((rule, re.compile(rule.pattern)) for rule in RULES)
_APOSTROPHES = {"’": "'", "ʼ": "'", "‘": "'", "`": "'"}


@dataclass(frozen=True)
class Finding:
    phrase: str  # the words as written in the text
    reason: str
    reference: str
    start: int  # position in the text


class _Folded(dict):
    """Each character (by code point) in lower case, without accents, apostrophes straight (may
    be empty, or longer: « ß » → « ss »), worked out once: a mapping for ``str.translate``."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        char = _APOSTROPHES.get(char, char)
        folded = "".join(
            part
            for part in unicodedata.normalize("NFKD", char.casefold())
            if not unicodedata.combining(part)
        )
        self[code] = folded
        return folded


_FOLDED = _Folded()


def _normalise(text: str) -> str:
    """Lower case, no accents, straight apostrophes."""
    return text.translate(_FOLDED)


def _origin(text: str) -> list[int]:
    """For each character of ``_normalise(text)``, its index in ``text``."""
    return [index for index, char in enumerate(text) for _ in _FOLDED[ord(char)]]


def forbidden_phrases(text: str, *, consumer: bool) -> list[Finding]:
    """Every forbidden phrase in ``text``, in reading order, with its reason (docs/legal.md §5;
    C. conso. L121-2 and L121-6).

    ``consumer``: the text goes to a consumer (or a debtor of unknown kind); it may then mention
    no recovery fee and no 40 EUR indemnity (CPCE L111-8; C. com. L441-10 II).
    """
    text = text or ""
    normalised, origin = _normalise(text), None
    taken: list[tuple[int, int]] = []
    findings: list[Finding] = []
    for rule, regex in _COMPILED:
        if rule.consumer_only and not consumer:
            continue
        for match in regex.finditer(normalised):
            start, end = match.span()
            if any(start < taken_end and taken_start < end for taken_start, taken_end in taken):
                continue
            taken.append((start, end))
            origin = origin or _origin(text)  # a finding is rare: worked out then only
            first, last = origin[start], origin[end - 1]
            findings.append(
                Finding(
                    phrase=text[first : last + 1],
                    reason=rule.reason,
                    reference=rule.reference,
                    start=first,
                )
            )
    return sorted(findings, key=lambda finding: finding.start)
