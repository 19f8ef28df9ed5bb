"""The managers' pages of the cadence experiments, scoped to the creditors in their charge."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts import roles
from accounts.access import role_required
from accounts.forms import apply_errors
from dossiers import scoping
from dossiers.models import Creditor
from experiences import results, services, stats
from experiences.forms import EndForm, ExperimentForm
from experiences.models import Experiment

# The planning help of the new-experiment page: dossiers per variant to see a gap of shares.
SIZE_EXAMPLES = ((0.40, 0.05), (0.40, 0.10), (0.60, 0.05), (0.60, 0.10))


def _creditors(user):
    creditors = Creditor.objects.order_by("legal_name")
    if scoping.sees_every_dossier(user):
        return creditors
    return creditors.filter(pk__in=scoping.managed_creditor_ids(user))


def _experiments(user):
    return Experiment.objects.filter(creditor__in=_creditors(user)).select_related(
        "creditor", "winner__policy", "ended_by", "created_by"
    )


@role_required(roles.MANAGER)
def experiment_list(request):
    experiments = _experiments(request.user).annotate(drawn=Count("assignments"))
    return render(request, "experiences/list.html", {"experiments": experiments})


@role_required(roles.MANAGER)
def experiment_new(request):
    form = ExperimentForm(request.POST or None, creditors=_creditors(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            experiment = services.experiment_start(
                creditor=data["creditor"],
                debtor_kind=data["debtor_kind"],
                name=data["name"],
                measure=data["measure"],
                variants=form.variants(),
                planned_size=data["planned_size"],
                end_on=data["end_on"],
                actor=request.user,
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, "Expérience lancée : les nouveaux dossiers sont désormais tirés au sort."
            )
            return redirect("experiences:detail", experiment_pk=experiment.pk)
    sizes = [(p, effect, stats.size_for_proportions(p, effect)) for p, effect in SIZE_EXAMPLES]
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "experiences/new.html", {"form": form, "sizes": sizes}, status=status)


def _detail(request, experiment, end_form=None, status=200):
    report = results.report(experiment)
    variants = [row.variant for row in report.rows]
    if end_form is None and experiment.is_running:
        offered = variants if report.ready else variants[:1]
        end_form = EndForm(variants=offered, initial={"winner": _suggested(report)})
    return render(
        request,
        "experiences/detail.html",
        {
            "experiment": experiment,
            "report": report,
            "end_form": end_form,
            "horizon": results.HORIZON[experiment.measure],
            "cap": results.OBSERVATION_CAP_DAYS,
            "measures": [(m, label) for m, label in results.Measure.choices],
            "secondary": [(m, results.Measure(m).label) for m in report.secondary],
            "today": timezone.localdate(),
        },
        status=status,
    )


def _suggested(report) -> int:
    """The variant the verdict favours (the best significant one), else the control."""
    best = report.rows[0]
    for row in report.rows[1:]:
        if results.better(row.comparison, report.measure) and (
            best is report.rows[0] or _beats(row, best, report.measure)
        ):
            best = row
    return best.variant.pk


def _beats(row, best, measure) -> bool:
    gap, other = row.comparison.difference, best.comparison.difference
    return gap < other if results.KIND[measure] == "ratio" else gap > other


@role_required(roles.MANAGER)
def experiment_detail(request, experiment_pk: int):
    experiment = get_object_or_404(_experiments(request.user), pk=experiment_pk)
    return _detail(request, experiment)


@role_required(roles.MANAGER)
def experiment_end(request, experiment_pk: int):
    experiment = get_object_or_404(_experiments(request.user), pk=experiment_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    variants = list(experiment.variants.select_related("policy").order_by("label"))
    form = EndForm(request.POST, variants=variants)
    if form.is_valid():
        winner = next(v for v in variants if v.pk == form.cleaned_data["winner"])
        try:
            services.experiment_end(
                experiment=experiment,
                winner=winner,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Expérience terminée : la cadence « {winner.policy} » est désormais celle du "
                "créancier.",
            )
            return redirect("experiences:detail", experiment_pk=experiment.pk)
    return _detail(request, experiment, end_form=form, status=400)
