"""« Ma journée »: the dossiers that need the controller today, highest priority first."""

from django.shortcuts import render

from accounts import roles
from accounts.access import role_required
from dossiers import scoping
from dossiers.models import Creditor
from journee import selectors
from journee.views._common import today


@role_required(*roles.WORKSPACE)
def worklist(request):
    params = request.GET
    creditor = params.get("creancier", "")
    filters = {
        "kind": params.get("type", "") if params.get("type", "") in selectors.ITEM_LABELS else "",
        "q": params.get("q", "")[:100],
        "creditor": int(creditor) if creditor.isdigit() else None,
        "assignee": params.get("charge", "") if selectors.sees_all(request.user) else "",
        "everything": params.get("tous") == "1",
    }
    result = selectors.worklist(
        user=request.user, today=today(), cursor=params.get("apres"), **filters
    )
    query = params.copy()
    query.pop("apres", None)
    context = {
        "result": result,
        "filters": filters,
        "item_kinds": selectors.ITEM_KINDS,
        "creditors": scoping.visible_creditors(
            request.user, Creditor.objects.order_by("legal_name")
        ).only("pk", "legal_name"),
        "sees_all": selectors.sees_all(request.user),
        "controllers": _controllers() if selectors.sees_all(request.user) else [],
        "base_query": query.urlencode(),
        "first_page": not params.get("apres"),
    }
    template = "journee/_worklist_results.html" if request.htmx else "journee/worklist.html"
    return render(request, template, context)


def _controllers():
    from django.contrib.auth import get_user_model

    from accounts import roles

    return list(
        get_user_model()
        .objects.filter(groups__name=roles.CONTROLLER)
        .order_by("last_name", "username")
        .only("pk", "username", "first_name", "last_name")
    )
