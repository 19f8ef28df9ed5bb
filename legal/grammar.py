"""French grammar by construction, for any layer: « de », « à » and « que » before a name or a
phrase, contracted (du, des, au, aux) or elided (d', qu') before a vowel or a mute h.

``de("le créancier")`` → « du créancier », ``de("Atlantique")`` → « d'Atlantique »,
``a("les clients")`` → « aux clients », ``que("Habitat 44")`` → « qu'Habitat 44 ». The letters'
and pages' filters of the same names (``courriers.templatetags.francais``) are these functions.
"""

from __future__ import annotations

import unicodedata

_VOWELS = set("aeiouy")
# Words whose h is aspirated: no elision, no liaison (« de Hauts-de-Seine Habitat », « du
# Havre »). Any other initial h before a vowel is mute (« d'Habitat 44 », « d'Hôtel … »).
_ASPIRATED_H = {
    "hache",
    "haie",
    "hall",
    "halle",
    "hameau",
    "hangar",
    "hardi",
    "haricot",
    "hasard",
    "haut",
    "haute",
    "hautes",
    "hauts",
    "havre",
    "hérisson",
    "héros",
    "hêtre",
    "hibou",
    "hockey",
    "hollande",
    "homard",
    "hongrie",
    "honte",
    "hors",
    "houblon",
    "housse",
}


def _base(letter: str) -> str:
    return unicodedata.normalize("NFD", letter)[0].lower()


def elides(word: str) -> bool:
    """Whether « de », « que », « le » elide before ``word``: a vowel, or a mute h."""
    word = word.strip()
    if not word:
        return False
    first = _base(word[0])
    if first in _VOWELS:
        # « y » before a vowel is a consonant sound (« de Yaourts SA »), before a consonant
        # it is a vowel (« d'Yves »).
        return not (first == "y" and len(word) > 1 and _base(word[1]) in _VOWELS)
    if first == "h" and len(word) > 1 and _base(word[1]) in _VOWELS:
        head = word.split()[0].split("-")[0].lower().strip(".,;:!?")
        return head not in _ASPIRATED_H
    return False


def _split_article(text: str) -> tuple[str, str]:
    """(article, rest) for « le », « les » at the start, case kept out of the article."""
    lowered = text.lower()
    for article in ("les ", "le "):
        if lowered.startswith(article):
            return article.strip(), text[len(article) :]
    return "", text


def _contracted(value, word: str, *, with_le: str, with_les: str, elided: str = "") -> str:
    """``word`` + ``value``: ``with_le`` before « le » (``word`` l' before a vowel), ``with_les``
    before « les », ``elided`` before a vowel or a mute h (when the word itself elides)."""
    text = str(value or "").strip()
    if not text:
        return word
    article, rest = _split_article(text)
    if article == "le":
        return f"{with_le} {rest}" if not elides(rest) else f"{word} l'{rest}"
    if article == "les":
        return f"{with_les} {rest}"
    if elided and elides(text):
        return f"{elided}{text}"
    return f"{word} {text}"


def de(value) -> str:
    """« de » + ``value``, contracted (du, des) or elided (d')."""
    return _contracted(value, "de", with_le="du", with_les="des", elided="d'")


def a(value) -> str:
    """« à » + ``value``, contracted (au, aux)."""
    return _contracted(value, "à", with_le="au", with_les="aux")


def que(value) -> str:
    """« que » + ``value``, elided before a vowel or a mute h."""
    text = str(value or "").strip()
    return f"qu'{text}" if elides(text) else f"que {text}"
