"""The wording check reads the kind of letter the template declares, never a guess from its text
(docs/legal.md §5): only a formal notice (C. civ. 1344) may name the remedies envisaged."""

import pytest

from courriers import versions

REMEDY = (
    "Par la présente, nous vous mettons en demeure de payer. À défaut, nous pourrons saisir le "
    "tribunal de commerce d'une requête en injonction de payer."
)


def _errors(kind: str, body: str = REMEDY) -> list[str]:
    return [
        message
        for error in versions.template_check(
            subject="Dossier {{ reference }}",
            body=body,
            debtor_kind="professional",
            channel="letter",
            kind=kind,
        )
        for message in error.messages
    ]


def test_a_formal_notice_to_a_professional_may_name_the_remedy_envisaged():
    """C. civ. 1344: the formal notice names the remedy envisaged (injonction de payer)."""
    assert _errors("formal_notice") == []


@pytest.mark.parametrize("kind", ["amicable", "firm", "accessories"])
def test_a_reminder_naming_a_court_is_refused_even_if_its_text_reads_as_a_notice(kind):
    """C. conso. L121-2: an amicable reminder names no court; the text « nous vous mettons en
    demeure » does not turn a reminder into a formal notice: the declared kind decides."""
    errors = _errors(kind)
    assert errors and any("tribunal" in message for message in errors)


def test_a_formal_notice_text_declared_as_such_needs_no_magic_words():
    """Without « mise en demeure » in its text, a template declared formal notice is one."""
    body = "À défaut de paiement, nous pourrons saisir le tribunal de commerce."
    assert _errors("formal_notice", body) == []
    assert _errors("amicable", body)
