"""The personal link's token: signed with the server's key, stored only as a digest.

``token_for(access)`` is an HMAC-SHA256 (Django's ``salted_hmac``, keyed by ``SECRET_KEY``)
of the access's random ``public_id``, cut to 128 bits and written in base64url (22 characters,
short enough for an SMS and a printed letter). The database keeps ``key_hash`` =
SHA-256(token) to find the access: the link can be rebuilt for a new message by the server,
never from the database alone. A tampered token matches no digest.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.utils.crypto import salted_hmac

TOKEN_LENGTH = 22
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{22}$")


def token_for(public_id) -> str:
    digest = salted_hmac("portail.lien", str(public_id), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def key_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return bool(_SHAPE.match(token or ""))
