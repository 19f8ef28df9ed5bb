"""The ISO 11649 structured creditor reference (« référence de créancier RF »).

A reference reads ``RF`` + two check digits + up to 21 letters or digits, printed in groups of
four (``RF18 5390 0754 7034``). The check digits follow ISO 7064 MOD 97-10, as for an IBAN: the
reference with ``RF00`` appended, letters turned into numbers (A = 10 … Z = 35), gives the
check digits as 98 minus the remainder by 97; a reference is valid when, its first four
characters moved to the end, that number leaves 1. Pure functions, no models.
"""

from __future__ import annotations

import re

RF_MAX_BASE = 21
_ALNUM = re.compile(r"[^0-9A-Z]")
# An RF reference inside free text: RF, two digits, then letters/digits possibly grouped by
# spaces (``RF18 5390 0754 7034``).
_IN_TEXT = re.compile(r"R\s?F\s?(\d\s?\d)((?:\s?[0-9A-Z]){1,21})")


def _as_number(text: str) -> int:
    return int("".join(str(int(char, 36)) for char in text))


def compact(text: str) -> str:
    """Upper case, spaces and punctuation removed."""
    return _ALNUM.sub("", (text or "").upper())


def rf_check_digits(base: str) -> str:
    """The two check digits of an RF reference built on ``base`` (letters and digits)."""
    base = compact(base)
    if not base or len(base) > RF_MAX_BASE:
        raise ValueError("Une référence RF porte de 1 à 21 lettres ou chiffres.")
    return f"{98 - _as_number(base + 'RF00') % 97:02d}"


def rf_reference(base: str) -> str:
    """The RF reference built on ``base``, compact (``RF18539007547034``)."""
    base = compact(base)
    return f"RF{rf_check_digits(base)}{base}"


def rf_is_valid(reference: str) -> bool:
    """Whether ``reference`` (spaces allowed) is a well-formed RF reference with right digits."""
    reference = compact(reference)
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", reference):
        return False
    return _as_number(reference[4:] + reference[:4]) % 97 == 1


def rf_printed(reference: str) -> str:
    """The reference in groups of four, as printed on letters: ``RF18 5390 0754 7034``."""
    reference = compact(reference)
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))


def dossier_rf_reference(dossier_reference: str) -> str:
    """A dossier's RF reference, built on its reference without punctuation
    (``DOS-2026-00012`` → ``RF58DOS202600012``): readable, and the same on every document."""
    return rf_reference(dossier_reference)


def rf_references_in(text: str) -> list[str]:
    """The valid RF references found in free text (remittance information), compact, in order.

    Tolerates spaces inside the reference; a candidate whose check digits fail is ignored (a
    typo never matches another dossier). Where the text goes on after the reference
    (``RF18 5390 0754 7034 MERCI``), every valid reading is returned, the longest first: the
    caller keeps the one naming a dossier."""
    found: list[str] = []
    upper = (text or "").upper()
    for match in _IN_TEXT.finditer(upper):
        digits = match.group(1).replace(" ", "")
        body = match.group(2).replace(" ", "")
        # The greedy body may swallow the next word: every valid prefix, the longest first.
        for end in range(len(body), 0, -1):
            candidate = f"RF{digits}{body[:end]}"
            if rf_is_valid(candidate) and candidate not in found:
                found.append(candidate)
    return found
