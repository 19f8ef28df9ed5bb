"""The journal's pages: the managers' Go/No-Go list and page, the timeline's CSV export, the
evidence bundle, and the evidence and messages linked from the timeline."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts import roles
from accounts.access import forbidden, role_required
from accounts.forms import apply_errors
from dossiers import scoping
from dossiers.models import Evidence
from escalade import court as court_services
from escalade import gonogo, services
from escalade.bundle import build_bundle
from escalade.filing import filing_csv, filing_name, filing_route, filing_rows
from escalade.forms import AmicableAttemptForm, CourtEventForm, DecisionForm, SolvencyForm
from escalade.models import EscalationDecision
from escalade.routes import Route, suggest_route
from escalade.selectors import prepared_summary
from journee.timeline import timeline_csv
from relances.models import Reminder


@role_required(roles.MANAGER)
def decisions(request):
    """Dossiers waiting for a Go/No-Go decision, what each still lacks, the recent decisions:
    those of the manager's portfolio only (``dossiers.scoping``)."""
    ready = scoping.visible_dossiers(request.user, gonogo.ready_for_decision())
    rows = list(ready.with_balance().order_by("next_action_at", "pk"))
    lines = []
    for row in rows:
        suggestion = suggest_route(
            balance=row.balance,
            debtor_kind=row.debtor.kind,
            disputed=row.has_open_dispute,
            insolvent=bool(row.debtor.insolvency_status),
        )
        checklist = gonogo.items(row, route=suggestion.route, balance=row.balance)
        lines.append((row, suggestion, gonogo.missing(checklist)))
    recent = scoping.restrict(
        EscalationDecision.objects.select_related("dossier", "decided_by"), request.user
    )[:20]
    return render(request, "escalade/decisions.html", {"lines": lines, "recent": recent})


@role_required(*roles.WORKSPACE)
def go_no_go(request, pk: int):
    dossier = scoping.get_dossier(request.user, pk)
    is_manager = roles.has_role(request.user, roles.MANAGER)
    route = request.POST.get("route") or request.GET.get("route") or None
    if route not in Route.values:
        route = None
    form = DecisionForm(request.POST or None, initial={"route": route})
    if request.method == "POST":
        if not is_manager:
            return forbidden(request, (roles.MANAGER,))
        dossier = scoping.get_open_dossier(request.user, pk)  # closed: read-only archive (GDPR)
        if form.is_valid():
            try:
                services.decision_record(
                    dossier=dossier,
                    route=form.cleaned_data["route"],
                    reasoning=form.cleaned_data["reasoning"],
                    actor=request.user,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Décision Go/No-Go enregistrée.")
                return redirect("journee:dossier", dossier.pk)
    row, checklist, balance, suggestion = services.checklist_for(dossier, route=route)
    chosen = route or suggestion.route
    context = {
        "dossier": dossier,
        "row": row,
        "checklist": checklist,
        "missing": gonogo.missing(checklist),
        "blocking": gonogo.blocks(chosen, checklist),
        "balance": balance,
        "suggestion": suggestion,
        "form": form if form.is_bound else DecisionForm(initial={"route": chosen}),
        "summary": prepared_summary(dossier, route=chosen),
        "chosen": Route(chosen),
        "routes": Route.choices,
        "is_manager": is_manager,
        "can_decide": is_manager and row.state == "go_no_go",
        "solvency_form": SolvencyForm(initial={"analysed_on": timezone.localdate()}),
        "amicable_form": AmicableAttemptForm(initial={"attempted_on": timezone.localdate()}),
        "analyses": row.solvency_analyses.all(),
        "attempts": row.amicable_attempts.all(),
        "decisions": row.decisions.select_related("decided_by"),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "escalade/go_no_go.html", context, status=status)


def _record(request, pk: int, form_class, perform, done: str):
    if request.method != "POST":
        return redirect("escalade:go_no_go", scoping.get_dossier(request.user, pk).pk)
    dossier = scoping.get_open_dossier(request.user, pk)  # closed: read-only archive (GDPR)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(dossier, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("escalade:go_no_go", dossier.pk)
    for field, errors in form.errors.items():
        for error in errors:
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label} : {error}" if label else error)
    return redirect("escalade:go_no_go", dossier.pk)


@role_required(*roles.WORKSPACE)
def solvency(request, pk: int):
    return _record(
        request,
        pk,
        SolvencyForm,
        lambda dossier, data: services.solvency_record(dossier=dossier, actor=request.user, **data),
        "Analyse de solvabilité enregistrée.",
    )


@role_required(*roles.WORKSPACE)
def amicable_attempt(request, pk: int):
    return _record(
        request,
        pk,
        AmicableAttemptForm,
        lambda dossier, data: services.amicable_attempt_record(
            dossier=dossier, actor=request.user, **data
        ),
        "Tentative de résolution amiable enregistrée.",
    )


# --- The court route after Go (escalade.court) -----------------------------------------------


@role_required(*roles.WORKSPACE)
def court(request, pk: int):
    """The court route of a dossier in litigation: its acts, its deadlines (tasks with their
    article) and the form to record the next act. The dossier is closed to amicable actions;
    the route's follow-up stays open to the workspace."""
    # In litigation the dossier is closed: read through the reader's scope (a manager's
    # portfolio), acted on only through the route's own service.
    dossier = scoping.get_dossier(request.user, pk)
    routes = court_services.progress(dossier)
    current = routes[0] if routes else None
    form = CourtEventForm(request.POST or None, events=current.events if current else ())
    if request.method == "POST":
        if current is None:
            raise Http404("Aucune procédure judiciaire sur ce dossier.")
        if form.is_valid():
            try:
                court_services.court_event_record(
                    proceeding=current.proceeding,
                    event=form.cleaned_data["event"],
                    on=form.cleaned_data["on"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Étape de la procédure enregistrée.")
                return redirect("escalade:court", dossier.pk)
    context = {"dossier": dossier, "routes": routes, "current": current, "form": form}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "escalade/court.html", context, status=status)


@role_required(*roles.WORKSPACE)
def court_file(request, pk: int):
    """The request's data ready to file (Cerfa fields) or the commissaire de justice's file."""
    dossier = scoping.get_dossier(request.user, pk)
    route = filing_route(dossier, request.GET.get("route"))
    rows = filing_rows(dossier, route=route, today=timezone.localdate())
    response = HttpResponse(filing_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filing_name(dossier, route)}"'
    return response


@role_required(*roles.READERS)
def timeline_export(request, pk: int):
    dossier = scoping.get_dossier(request.user, pk)
    response = HttpResponse(
        "\ufeff" + timeline_csv(dossier), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="journal-{dossier.reference}.csv"'
    return response


# Whoever may read the dossier may take its evidence (the DPO too: subject access, audits).
@role_required(*roles.READERS)
def bundle(request, pk: int):
    dossier = scoping.get_dossier(request.user, pk)
    data = build_bundle(dossier, actor=request.user)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="preuves-{dossier.reference}-{stamp}.zip"'
    )
    return response


@role_required(*roles.READERS)
def evidence_file(request, pk: int, evidence_pk: int):
    dossier = scoping.get_dossier(request.user, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, dossier=dossier)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("Fichier introuvable.") from exc
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name or None)


@role_required(*roles.READERS)
def message(request, pk: int, reminder_pk: int):
    dossier = scoping.get_dossier(request.user, pk)
    reminder = get_object_or_404(
        Reminder, pk=reminder_pk, dossier=dossier, status=Reminder.Status.SENT
    )
    return HttpResponse(reminder.content, content_type="text/plain; charset=utf-8")
