"""The dossier page, the debtor page and the printable payment plan."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from dossiers.models import Debtor, PaymentPlan

from .. import calls, selectors
from ._common import can_act, get_dossier, today, workspace_view


@workspace_view(readers=True)
def dossier(request, pk: int):
    detail = selectors.dossier_detail(get_dossier(request, pk), today=today())
    return render(
        request,
        "relances/dossier.html",
        {
            "d": detail,
            "dossier": detail.dossier,
            "sees_all": selectors.sees_all(request.user),
            "can_act": can_act(request.user, detail.dossier),
            "four_c": calls.FOUR_C,
        },
    )


@workspace_view(readers=True)
def debtor(request, pk: int):
    try:
        debtor, dossiers = selectors.debtor_for(request.user, pk)
    except Debtor.DoesNotExist as exc:
        raise Http404("Débiteur introuvable.") from exc
    return render(request, "relances/debtor.html", {"debtor": debtor, "dossiers": dossiers})


@workspace_view
def plan_print(request, pk: int, plan_pk: int):
    """The plan as a printable page (the browser saves it as PDF; the letters issue will render
    it with WeasyPrint alongside the other documents)."""
    dossier = get_dossier(request, pk)
    plan = get_object_or_404(
        PaymentPlan.objects.prefetch_related("installments"), pk=plan_pk, dossier=dossier
    )
    return render(
        request,
        "relances/plan_print.html",
        {"dossier": dossier, "plan": plan, "claims": dossier.claims.open().order_by("due_date")},
    )
