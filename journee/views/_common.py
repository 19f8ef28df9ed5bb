"""What the workspace's views share: today's date, and how an htmx request gets a fragment
and a plain request a whole page (who may enter: ``accounts.access``; which dossier they may
see: ``dossiers.scoping``)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dossiers import scoping
from dossiers.models import Dossier


def today() -> object:
    return timezone.localdate()


def done(request, dossier: Dossier) -> HttpResponse:
    """After an action: back to the dossier page (htmx: the browser reloads it)."""
    url = reverse("journee:dossier", args=[dossier.pk])
    if not scoping.visible_dossiers(request.user).filter(pk=dossier.pk).exists():
        url = reverse("journee:worklist")  # just closed: archived, out of a controller's sight
    if request.htmx:
        response = HttpResponse("")
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def render_action(request, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """An action's form: the fragment for htmx (shown in place), a whole page otherwise."""
    context.setdefault("fragment", bool(request.htmx))
    return render(request, template, context, status=status)
