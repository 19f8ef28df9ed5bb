"""The dossier page, the debtor page and the printable payment plan."""

from pathlib import PurePath

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from accounts import roles
from accounts.access import role_required
from dossiers import scoping
from dossiers.models import Debtor, Evidence, PaymentPlan
from journee import selectors
from journee.views._common import today
from relances import calls


@role_required(*roles.READERS)
def dossier(request, pk: int):
    detail = selectors.dossier_detail(scoping.get_dossier(request.user, pk), today=today())
    return render(
        request,
        "journee/dossier.html",
        {
            "d": detail,
            "dossier": detail.dossier,
            "sees_all": selectors.sees_all(request.user),
            "can_act": scoping.can_act(request.user, detail.dossier),
            "four_c": calls.FOUR_C,
        },
    )


@role_required(*roles.READERS)
def debtor(request, pk: int):
    try:
        debtor, dossiers = selectors.debtor_for(request.user, pk)
    except Debtor.DoesNotExist as exc:
        raise Http404("Débiteur introuvable.") from exc
    return render(request, "journee/debtor.html", {"debtor": debtor, "dossiers": dossiers})


@role_required(*roles.READERS)
def plan_print(request, pk: int, plan_pk: int):
    """The plan as a printable page (the browser saves it as PDF; the letters issue will render
    it with WeasyPrint alongside the other documents)."""
    dossier = scoping.get_dossier(request.user, pk)
    plan = get_object_or_404(
        PaymentPlan.objects.prefetch_related("installments"), pk=plan_pk, dossier=dossier
    )
    return render(
        request,
        "journee/plan_print.html",
        {"dossier": dossier, "plan": plan, "claims": dossier.claims.open().order_by("due_date")},
    )


@require_safe
@role_required(*roles.READERS)
def evidence_file(request, pk: int, evidence_pk: int):
    """A piece of evidence, only through its dossier's scope (media files are never served
    directly), as a download so that the browser never renders it in the site's origin."""
    dossier = scoping.get_dossier(request.user, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, dossier=dossier)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Fichier introuvable.") from exc
    name = evidence.original_name or PurePath(evidence.file.name).name
    response = FileResponse(handle, as_attachment=True, filename=PurePath(name).name)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
