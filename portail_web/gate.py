"""The door of every page of the debtor's space: the token, the rate limits, the second factor.

An unknown, tampered, expired or revoked link gets the same neutral page, answered 404, and
counts as a failure of the visitor's address; too many failures from one address, or too many
wrong second factors on one link, get the « trop de tentatives » page (429). A dossier that may
show nothing personal (closed, restricted, purged, portal switched off) gets a page naming only
the creditor's service. Nothing personal is shown before the second factor.
"""

from __future__ import annotations

import time
from functools import wraps

from django.shortcuts import redirect, render

from accounts.network import client_ip
from portail import services
from portail.models import PortalAccess

SESSION_KEY = "portail_verifie"
VERIFIED_SECONDS = 30 * 60


def _headers(response):
    # The token is in the address: never sent to another site as a referrer (« same-origin »:
    # « no-referrer » would make the browser post its forms with « Origin: null », which the
    # CSRF check refuses), never cached, never indexed.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def neutral(request, *, status: int = 404):
    """The one page for every link that opens nothing: it says nothing of any dossier."""
    return _headers(render(request, "portail_web/neutral.html", {"status": status}, status=status))


def is_verified(request, access: PortalAccess) -> bool:
    verified = request.session.get(SESSION_KEY, {})
    return verified.get(str(access.pk), 0) > time.time()


def mark_verified(request, access: PortalAccess) -> None:
    verified = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > time.time()}
    verified[str(access.pk)] = time.time() + VERIFIED_SECONDS
    request.session.cycle_key()
    request.session[SESSION_KEY] = verified


def portal_page(*, verified: bool = True):
    """Decorate a view taking ``(request, access, **kwargs)``, reached by ``token``."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, token: str, **kwargs):
            address = client_ip(request)
            if services.address_throttled(address):
                return neutral(request, status=429)
            access = services.access_resolve(token)
            if access is None:
                services.attempt_record(address=address, access=None, succeeded=False)
                return neutral(request)
            if not services.dossier_is_open_to_portal(access.dossier):
                creditor = access.dossier.creditor
                return _headers(
                    render(request, "portail_web/unavailable.html", {"creditor": creditor})
                )
            if verified and not is_verified(request, access):
                return redirect("portail_web:entry", token=token)
            request.portal_token = token
            return _headers(view(request, access, **kwargs))

        wrapper.portal_page = True
        return wrapper

    return decorate
