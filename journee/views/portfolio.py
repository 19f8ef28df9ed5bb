"""« Mon portefeuille »: a manager's creditors, and whether each one's unassigned dossiers are
open to every controller (``dossiers.scoping``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.access import role_required
from dossiers import scoping, services
from dossiers.models import Creditor


@require_http_methods(["GET", "POST"])
@role_required(roles.MANAGER)
def portfolio(request):
    creditors = scoping.visible_creditors(request.user, Creditor.objects.order_by("legal_name"))
    if request.method == "POST":
        creditor = get_object_or_404(creditors, pk=request.POST.get("creditor") or 0)
        pool_open = request.POST.get("pool") == "1"
        label = "ouverts" if pool_open else "réservés aux chargés attitrés"
        try:
            services.creditor_pool_set(
                creditor=creditor,
                pool_open=pool_open,
                actor=request.user,
                reason=f"dossiers non attribués {label} (portefeuille du responsable)",
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{creditor} : dossiers non attribués {label}.")
        return redirect("journee:portfolio")
    rows = creditors.annotate(
        unassigned=Count(
            "dossiers",
            filter=Q(dossiers__assigned_to__isnull=True, dossiers__closed_on__isnull=True),
        )
    ).only("pk", "legal_name", "unassigned_pool_open")
    return render(request, "journee/portfolio.html", {"creditors": rows})
