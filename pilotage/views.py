"""The manager's dashboard, its exports, the cost settings and the runs of the daily cadence:
parse, call a selector, render."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from accounts.forms import apply_errors
from dossiers import scoping
from dossiers import selectors as dossier_selectors
from dossiers import services as dossier_services
from dossiers.models import Creditor
from dossiers.models.rates import Verification
from pilotage import exports, runs, selectors, services
from pilotage.forms import CostSettingsForm, DashboardFilterForm, RateAddForm
from relances.models import CadenceRun
from scoring import selectors as scoring_selectors
from scoring import services as scoring_services

MAX_DRY_RUN_DAYS = 31

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
        # Every creditor read, each marked in charge or not (the same query): a manager in
        # charge of them all gets the figures of every creditor, the queries with no list of
        # creditors (each would else join every row to its dossier for a filter that keeps
        # them all: 1.4 s of the page at 1M claims).
        every = list(
            creditors.annotate(
                in_charge=Exists(
                    scoping.managed_creditor_ids(request.user).filter(creditor_id=OuterRef("pk"))
                )
            )
        )
        creditors = [c for c in every if c.in_charge]
        scoped = len(creditors) < len(every)
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
        ("Espace débiteur", [t["portal"]]),
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


# --- « Exécutions de la cadence » ---------------------------------------------------------------


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@role_required(roles.MANAGER)
def cadence_runs(request):
    """Each run of the daily cadence, newest first, and the dry run of a coming day."""
    everything = request.GET.get("toutes") == "1"
    rows, more = runs.runs(before=_int(request.GET.get("avant")), everything=everything)
    tomorrow = timezone.localdate() + timedelta(days=1)
    simulation, status = None, 200
    form = {"jour": tomorrow}
    if request.method == "POST":
        try:
            day = parse_date(request.POST["jour"]) if request.POST.get("jour") else tomorrow
        except ValueError:
            day = None
        today = timezone.localdate()
        if day is None or not today <= day <= today + timedelta(days=MAX_DRY_RUN_DAYS):
            messages.error(
                request,
                "Choisissez un jour entre aujourd'hui et dans "
                f"{MAX_DRY_RUN_DAYS} jours pour la simulation.",
            )
            status = 400
        else:
            form["jour"] = day
            simulation = runs.dry_run(on=day, user=request.user)
    return render(
        request,
        "pilotage/cadence_runs.html",
        {
            "rows": rows,
            "more": more,
            "everything": everything,
            "levels": runs.LEVELS,
            "simulation": simulation,
            "form": form,
        },
        status=status,
    )


@role_required(roles.MANAGER)
def cadence_run(request, run_pk: int):
    """One run: the reminders it created (of a level, or the steps its catch-ups skipped), the
    dossiers it found on hold, sent to Go/No-Go or failed on — the manager's dossiers only."""
    run = get_object_or_404(CadenceRun.objects.select_related("started_by"), pk=run_pk)
    stage = request.GET.get("niveau") or None
    if stage not in dict(runs.LEVELS):
        stage = None
    skipped = request.GET.get("rattrapage") == "1"
    reminders = runs.run_reminders(run, request.user, stage=stage, skipped=skipped)
    return render(
        request,
        "pilotage/cadence_run.html",
        {
            "run": run,
            "row": runs.RunRow(run, []),
            "stage_label": dict(runs.LEVELS).get(stage),
            "skipped": skipped,
            "reminders": reminders,
            "limit": runs.REMINDERS_SHOWN,
            "dossiers": runs.run_dossiers(run, request.user),
            "shards": list(run.shards.order_by("number")),
        },
    )


@role_required(roles.MANAGER, roles.ADMIN)
def rate_add(request):
    """The ``add_rate`` command as a page: a half-year that started without its reference rate
    is completed here (the banner of « Ma journée » and of the dashboard links to it)."""
    form = RateAddForm(request.POST or None, initial={"verified": Verification.OFFICIAL})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "legal":
                row = dossier_services.legal_rate_add(
                    half_year=dossier_services.parse_half_year(data["half_year"]),
                    consumer_creditor_percent=data["consumer"],
                    other_creditor_percent=data["other"],
                    source=data["source"],
                    verified=data["verified"],
                    reason=data["reason"],
                    actor=request.user,
                )
                done = f"Taux de l'intérêt légal du {row.half_year.label} enregistré."
            else:
                if data["effective_from"] is None:
                    raise ValidationError({"effective_from": "Indiquez la date d'effet du taux."})
                row = dossier_services.ecb_rate_add(
                    effective_from=data["effective_from"],
                    rate_percent=data["rate"],
                    source=data["source"],
                    verified=data["verified"],
                    reason=data["reason"],
                    actor=request.user,
                )
                done = f"Taux BCE au {row.effective_from:%d/%m/%Y} enregistré."
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("pilotage:rate_add")
    context = {"form": form, "missing": dossier_selectors.missing_rates()}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "pilotage/rate_add.html", context, status=status)


@role_required(roles.MANAGER)
def payment_model(request):
    """The payment-probability score: the current model, its validation on a later period,
    what weighs, the earlier versions, and whether each creditor's priority may count it."""
    return render(
        request,
        "pilotage/payment_model.html",
        {
            "data": scoring_selectors.overview(request.user),
            "points": scoring_services.PRIORITY_POINTS,
        },
    )


@role_required(roles.MANAGER)
@require_POST
def payment_priority(request):
    """A manager lets (or stops) the priority of a creditor's dossiers count the score: a
    journaled choice, with the reason typed."""
    creditor = get_object_or_404(
        scoping.visible_creditors(request.user), pk=_int(request.POST.get("creancier"))
    )
    enabled = request.POST.get("utiliser") == "1"
    try:
        scoring_services.priority_scoring_set(
            creditor=creditor, enabled=enabled, actor=request.user, reason=request.POST.get("motif")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{creditor.legal_name} : la priorité "
            + ("compte désormais" if enabled else "ne compte plus")
            + " la probabilité de paiement.",
        )
    return redirect("pilotage:payment_model")
