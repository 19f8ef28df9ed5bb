"""The debtor-space links drawn a day ahead for the walk's guesses (``demo.relances``): a guess
and the next day's sending print the same link, each identifier is used once, and the model's
own default is back after the walk."""

import uuid

import pytest

from demo.relances import _DrawnAhead
from portail.models import PortalAccess


def _public_id() -> uuid.UUID:
    return PortalAccess().public_id  # what the model's default draws for a new access


def test_the_guess_and_the_next_days_sending_draw_the_same_identifier_once():
    ahead = _DrawnAhead()
    with ahead.installed():
        with ahead.building(7, guessing=True):
            guessed = _public_id()
        with ahead.building(7, guessing=True):  # guessed again (the letter not sent yet)
            assert _public_id() == guessed
        with ahead.building(8, guessing=True):
            other = _public_id()
        with ahead.building(7, guessing=False):  # the sending: the guess's identifier, once
            assert _public_id() == guessed
        with ahead.building(7, guessing=False):  # a later access of the same dossier: its own
            assert _public_id() not in (guessed, other)
        assert _public_id() not in (guessed, other)  # outside a build: drawn as usual
        with ahead.building(8, guessing=False):
            assert _public_id() == other
    assert {guessed.version, other.version} == {4}  # random identifiers, as uuid4 draws them


def test_the_models_default_is_back_after_the_walk_even_after_an_error():
    ahead = _DrawnAhead()
    with pytest.raises(RuntimeError), ahead.installed(), ahead.building(1, guessing=True):
        drawn = _public_id()
        raise RuntimeError
    assert _public_id() != drawn and _public_id() != _public_id()
    field = PortalAccess._meta.get_field("public_id")
    assert field._get_default is uuid.uuid4
