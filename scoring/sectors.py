"""The sections of the French activity nomenclature (NAF rév. 2, INSEE), read from a code APE.

A debtor's sector is its section: the letter of the two first digits of its code (« 43.22A »
→ division 43 → section F, construction). The score uses the section, never the full code.
"""

from __future__ import annotations

# (first division, last division, section, label): NAF rév. 2, décret n° 2007-1888.
SECTIONS = (
    (1, 3, "A", "agriculture, sylviculture et pêche"),
    (5, 9, "B", "industries extractives"),
    (10, 33, "C", "industrie manufacturière"),
    (35, 35, "D", "énergie"),
    (36, 39, "E", "eau, assainissement et déchets"),
    (41, 43, "F", "construction"),
    (45, 47, "G", "commerce"),
    (49, 53, "H", "transports et entreposage"),
    (55, 56, "I", "hébergement et restauration"),
    (58, 63, "J", "information et communication"),
    (64, 66, "K", "finance et assurance"),
    (68, 68, "L", "immobilier"),
    (69, 75, "M", "activités spécialisées, scientifiques et techniques"),
    (77, 82, "N", "services administratifs et de soutien"),
    (84, 84, "O", "administration publique"),
    (85, 85, "P", "enseignement"),
    (86, 88, "Q", "santé humaine et action sociale"),
    (90, 93, "R", "arts, spectacles et loisirs"),
    (94, 96, "S", "autres services"),
    (97, 98, "T", "ménages employeurs"),
    (99, 99, "U", "organisations extraterritoriales"),
)
LETTERS = tuple(section for _low, _high, section, _label in SECTIONS)
LABELS = {section: label for _low, _high, section, label in SECTIONS}


def section(naf_code: str) -> str:
    """The section letter of a code APE, or "" when there is none (a consumer, a code unknown)."""
    digits = (naf_code or "")[:2]
    if not digits.isdigit():
        return ""
    division = int(digits)
    for low, high, letter, _label in SECTIONS:
        if low <= division <= high:
            return letter
    return ""
