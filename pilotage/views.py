"""The manager's dashboard, its exports and the cost settings: parse, call a selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts import roles
from accounts.access import role_required
from accounts.forms import apply_errors
from dossiers import scoping
from dossiers.models import Creditor
from pilotage import exports, selectors, services
from pilotage.forms import CostSettingsForm, DashboardFilterForm

EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", exports.table_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.table_xlsx,
    ),
}


def _dashboard(request):
    # A manager's figures are those of the creditors in their charge (``dossiers.scoping``).
    scoped = not scoping.sees_every_dossier(request.user)
    creditors = Creditor.objects.order_by("legal_name").only("pk", "legal_name")
    if scoped:
        creditors = creditors.filter(pk__in=scoping.managed_creditor_ids(request.user))
    creditors = list(creditors)
    form = DashboardFilterForm(
        request.GET, creditors=creditors, today=timezone.localdate(), scoped=scoped
    )
    data = selectors.dashboard_data(filters=form.filters())
    if data.filters.controller and not any(
        u.pk == data.filters.controller for u in data.controllers
    ):
        # An unknown controller: say so, and show the figures without that filter.
        form.add_error("charge", "Ce chargé de recouvrement n'existe pas.")
        data = selectors.dashboard_data(filters=form.filters())
    return form, creditors, data


@role_required(roles.MANAGER)
def dashboard(request):
    form, creditors, data = _dashboard(request)
    query = request.GET.copy()
    return render(
        request,
        "pilotage/dashboard.html",
        {
            "form": form,
            "creditors": creditors,
            "data": data,
            "filters": data.filters,
            "kinds": form.fields["type"].choices,
            "query": query.urlencode(),
            "sections": _sections(data),
        },
    )


def _sections(data) -> list[tuple[str, list]]:
    t = data.tables
    return [
        ("Portefeuille", [t["aging"], t["states"], t["recovered"]]),
        ("Délai de règlement", [t["dso"]]),
        ("Efficacité de la cadence", [t["cadence"], t["commitments"], t["disputes"]]),
        ("Coût", [t["cost"]]),
        ("Conformité", [t["compliance"]]),
        ("Équipe", [t["team"]]),
    ]


@role_required(roles.MANAGER)
def export(request, key: str, fmt: str):
    if fmt not in EXPORT_TYPES:
        raise Http404("Format d'export inconnu.")
    _form, _creditors, data = _dashboard(request)
    table = data.tables.get(key)
    if table is None:
        raise Http404("Tableau inconnu.")
    content_type, write = EXPORT_TYPES[fmt]
    response = HttpResponse(write(data, table), content_type=content_type)
    filename = f"pilotage-{key}-{data.filters.end:%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(roles.MANAGER)
def costs(request):
    settings = services.cost_settings_get()
    form = CostSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.COST_FIELDS}
        try:
            services.cost_settings_update(
                actor=request.user, reason=form.cleaned_data["reason"], **values
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Coûts des actions enregistrés.")
            return redirect("pilotage:dashboard")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "pilotage/costs.html", {"form": form, "settings": settings}, status=status
    )
