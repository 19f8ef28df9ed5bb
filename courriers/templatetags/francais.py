"""French grammar by construction: the filters every template uses where a name, a phrase or a
number meets the sentence around it.

- ``de``: « de » before a word, contracted or elided: ``"le créancier"|de`` → « du créancier »,
  ``"les factures n° …"|de`` → « des factures n° … », ``"Atlantique"|de`` → « d'Atlantique »,
  ``"Habitat 44"|de`` → « d'Habitat 44 » (mute h), ``"la facture"|de`` → « de la facture ».
- ``a``: « à » before a word: ``"le créancier"|a`` → « au créancier », ``"les clients"|a`` →
  « aux clients », ``"la société"|a`` → « à la société ».
- ``que``: « que » elided before a vowel or mute h (« qu'Atlantique »).
- ``pourcent``: ``Decimal("12")`` → « 12,00 % »; ``euros``: ``Decimal("1234.5")`` → « 1 234,50 € ».

Used by the default templates (``courriers.defaults``, whose engine has this module as its only
builtin library: ``courriers.versions``), the letter's layout (``{% load francais %}``) and the
pages that name a creditor in a sentence.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from django import template

from legal.formatting import euros as _euros

register = template.Library()

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


@register.filter
def de(value) -> str:
    """« de » + ``value``, contracted (du, des) or elided (d')."""
    text = str(value or "").strip()
    if not text:
        return "de"
    article, rest = _split_article(text)
    if article == "le":
        return f"du {rest}" if not elides(rest) else f"de l'{rest}"
    if article == "les":
        return f"des {rest}"
    if elides(text):
        return f"d'{text}"
    return f"de {text}"


@register.filter
def a(value) -> str:
    """« à » + ``value``, contracted (au, aux)."""
    text = str(value or "").strip()
    if not text:
        return "à"
    article, rest = _split_article(text)
    if article == "le":
        return f"au {rest}" if not elides(rest) else f"à l'{rest}"
    if article == "les":
        return f"aux {rest}"
    return f"à {text}"


@register.filter
def que(value) -> str:
    """« que » + ``value``, elided before a vowel or a mute h."""
    text = str(value or "").strip()
    return f"qu'{text}" if elides(text) else f"que {text}"


@register.filter
def pourcent(value) -> str:
    """A rate in French: ``12`` → « 12,00 % » (decimal comma, non-breaking space)."""
    try:
        number = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{number.quantize(Decimal('0.01')):f}".replace(".", ",") + "\u00a0%"


@register.filter
def euros(value) -> str:
    """An amount in French: ``1234.5`` → « 1 234,50 € »; a string already formatted stays."""
    if isinstance(value, str):
        try:
            value = Decimal(value.replace(",", "."))
        except InvalidOperation:
            return value
    return _euros(value)
