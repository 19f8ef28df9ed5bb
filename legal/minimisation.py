"""Data minimisation in free text (GDPR art. 5-1-c and 9; docs/legal.md §9): notes hold facts
about the debt, never health, religion, family situation and the like. A note containing such a
word is not refused outright (« malade » may be the debtor's own words about a delay): the form
warns, and saves only once the person confirms the wording is needed.

``sensitive_words(text)`` is the reusable check; ``SensitiveTextMixin`` adds it to a form.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms

# Stems, matched at the start of a word, accents and case ignored.
SENSITIVE_STEMS: dict[str, tuple[str, ...]] = {
    "santé": (
        "sante",
        "malad",
        "hopital",
        "hospitalis",
        "cancer",
        "chimio",
        "handicap",
        "depress",
        "medic",
        "medecin",
        "enceinte",
        "grossesse",
        "burn-out",
        "burnout",
        "arret maladie",
        "invalid",
        "psychiatr",
        "therapie",
        "alcool",
        "drogue",
    ),
    "religion ou convictions": (
        "religi",
        "musulman",
        "islam",
        "chretien",
        "catholique",
        "protestant",
        "juif",
        "juive",
        "ramadan",
        "eglise",
        "mosquee",
        "synagogue",
        "athee",
    ),
    "situation familiale ou vie privée": (
        "divorc",
        "separation",
        "separe",
        "deces",
        "decede",
        "veuf",
        "veuve",
        "enfant",
        "mariage",
        "concubin",
        "pacs",
        "enterrement",
        "funerailles",
        "orientation sexuelle",
        "homosexuel",
    ),
    "opinions, syndicat, origine": (
        "syndica",
        "opinion politique",
        "origine ethnique",
        "ethni",
        "racial",
    ),
    "justice pénale": ("casier judiciaire", "condamnation penale", "prison", "incarcer"),
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


_PATTERNS = {
    category: re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")")
    for category, stems in SENSITIVE_STEMS.items()
}


def sensitive_words(text: str) -> dict[str, list[str]]:
    """The sensitive categories found in ``text``, each with the words that triggered it."""
    folded = _fold(text)
    found: dict[str, list[str]] = {}
    for category, pattern in _PATTERNS.items():
        words = []
        for match in pattern.finditer(folded):
            end = match.end()
            while end < len(folded) and (folded[end].isalnum() or folded[end] == "-"):
                end += 1
            word = folded[match.start() : end]
            if word not in words:
                words.append(word)
        if words:
            found[category] = words
    return found


def warning_text(found: dict[str, list[str]]) -> str:
    detail = " ; ".join(f"{cat} ({', '.join(words)})" for cat, words in found.items())
    return (
        f"Ce texte semble contenir des données sensibles : {detail}. Notez seulement les faits "
        "utiles au recouvrement (RGPD art. 5 et 9) ; reformulez, ou cochez la confirmation "
        "pour enregistrer tel quel."
    )


class SensitiveTextMixin:
    """Warn before saving free text with sensitive words: list the form's text fields in
    ``sensitive_fields``; the form then refuses once, with the warning and a confirmation box."""

    sensitive_fields: tuple[str, ...] = ()
    CONFIRM = "confirmer_donnees_sensibles"

    @property
    def sensitive_confirmation(self):
        """The confirmation box once the warning is shown (a template that lays out its fields
        one by one renders it with ``form.sensitive_confirmation``), else None."""
        return self[self.CONFIRM] if self.CONFIRM in self.fields else None

    def clean(self):
        data = super().clean()
        if self.data.get(self.CONFIRM):
            return data
        warned = False
        for name in self.sensitive_fields:
            found = sensitive_words(data.get(name) or "")
            if found:
                self.add_error(name, warning_text(found))
                warned = True
        if warned:
            # Shown with the warning only; checked, the next submission saves as typed.
            self.fields[self.CONFIRM] = forms.BooleanField(
                label="Je confirme que ces mentions sont nécessaires au recouvrement",
                required=False,
            )
        return data
