"""What the workspace's views share: who may enter, which dossier they may see, how an htmx
request gets a fragment and a plain request a whole page."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dossiers import roles, scoping
from dossiers.models import Dossier

from .. import selectors

WORKSPACE_ROLES = (roles.CONTROLLER, roles.MANAGER)
# Who may read the dossier and debtor pages: the workspace, and the DPO (never acting).
READER_ROLES = (*WORKSPACE_ROLES, roles.DPO)


def workspace_view(view=None, *, managers_only: bool = False, readers: bool = False):
    """Logged-in controllers and managers only (managers only, for some actions; the DPO too,
    for the pages that only read)."""

    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            allowed = (
                (roles.MANAGER,) if managers_only else READER_ROLES if readers else WORKSPACE_ROLES
            )
            if not roles.has_role(request.user, *allowed):
                return render(request, "relances/forbidden.html", status=403)
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def today() -> object:
    return timezone.localdate()


def get_dossier(request, pk: int) -> Dossier:
    """The dossier to read; one out of the user's scope is not found (404), whatever its id."""
    try:
        return selectors.dossier_for(request.user, pk)
    except Dossier.DoesNotExist as exc:
        raise Http404("Dossier introuvable.") from exc


def get_dossier_for_change(request, pk: int) -> Dossier:
    """The dossier to act on (``dossiers.scoping.editable_dossiers``), else 404."""
    try:
        return selectors.dossier_for(request.user, pk, editable=True)
    except Dossier.DoesNotExist as exc:
        raise Http404("Dossier introuvable.") from exc


def get_open_dossier(request, pk: int) -> Dossier:
    """The dossier, for an action: a closed dossier is read-only (intermediate archive)."""
    dossier = get_dossier_for_change(request, pk)
    if dossier.is_closed:
        raise PermissionDenied(
            "Dossier clos : archive intermédiaire en lecture seule jusqu'à sa purge (RGPD)."
        )
    return dossier


def can_act(user, dossier: Dossier) -> bool:
    """Whether the dossier page shows its action buttons: the workspace's roles, on an open
    dossier they may change (``dossiers.scoping``); the DPO only reads."""
    return (
        roles.has_role(user, *WORKSPACE_ROLES)
        and not dossier.is_closed
        and scoping.editable_dossiers(user).filter(pk=dossier.pk).exists()
    )


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's refusal on the form: per field when it names one, else on the form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def done(request, dossier: Dossier) -> HttpResponse:
    """After an action: back to the dossier page (htmx: the browser reloads it)."""
    url = reverse("relances:dossier", args=[dossier.pk])
    if not selectors.visible_dossiers(request.user).filter(pk=dossier.pk).exists():
        url = reverse("relances:worklist")  # just closed: archived, out of a controller's sight
    if request.htmx:
        response = HttpResponse("")
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def render_action(request, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """An action's form: the fragment for htmx (shown in place), a whole page otherwise."""
    context.setdefault("fragment", bool(request.htmx))
    return render(request, template, context, status=status)
