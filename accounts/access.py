"""The one access rule of every page: logged in, and holding one of the roles the page names.

Anonymous visitors go to the login page; a user without one of the roles gets the « Accès
refusé » page (403), which says who the space is for. What a permitted user then sees is cut
by ``dossiers.scoping``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from accounts import roles


def forbidden(request, allowed: tuple[str, ...] = ()):
    """The « Accès refusé » page, naming the roles the space is for."""
    labels = [roles.PLURAL_LABELS[code] for code in allowed if code in roles.PLURAL_LABELS]
    return render(request, "forbidden.html", {"reserved_for": labels}, status=403)


def role_required(*allowed: str):
    """Decorate a view: logged-in users holding one of ``allowed`` only."""

    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles.has_role(request.user, *allowed):
                return forbidden(request, allowed)
            return func(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorate
