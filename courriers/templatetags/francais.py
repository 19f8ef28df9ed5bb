"""French grammar by construction: the filters every template uses where a name, a phrase or a
number meets the sentence around it.

- ``de``: « de » before a word, contracted or elided: ``"le créancier"|de`` → « du créancier »,
  ``"les factures n° …"|de`` → « des factures n° … », ``"Atlantique"|de`` → « d'Atlantique »,
  ``"Habitat 44"|de`` → « d'Habitat 44 » (mute h), ``"la facture"|de`` → « de la facture ».
- ``a``: « à » before a word: ``"le créancier"|a`` → « au créancier », ``"les clients"|a`` →
  « aux clients », ``"la société"|a`` → « à la société ».
- ``que``: « que » elided before a vowel or mute h (« qu'Atlantique »).
- ``pourcent``: ``Decimal("12")`` → « 12,00 % »; ``euros``: ``Decimal("1234.5")`` → « 1 234,50 € ».

The grammar itself is ``legal.grammar`` (any layer may use it). Used by the default templates
(``courriers.defaults``, whose engine has this module as its only builtin library:
``courriers.versions``), the letter's layout (``{% load francais %}``) and the pages that name
a creditor or a person in a sentence.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from legal.formatting import euros as _euros
from legal.grammar import a, de, que

register = template.Library()
for _name, _function in (("de", de), ("a", a), ("que", que)):
    register.filter(_name, _function)


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
