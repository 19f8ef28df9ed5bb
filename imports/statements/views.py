"""Bank statements from the browser (« Relevés bancaires », under Imports) and the
« Rapprochement » queue where a person confirms, assigns or sets aside the lines the
matching was not sure of. Every form works without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from dossiers import scoping
from imports.statements import selectors, services
from imports.statements.forms import (
    AssignForm,
    IgnoreForm,
    LineForm,
    SplitForm,
    StatementUploadForm,
)
from imports.statements.models import BankTransaction
from legal.formatting import euros

IMPORT_ROLES = (roles.CONTROLLER, roles.MANAGER, roles.ADMIN)
# A statement covers the creditor's whole account — every debtor, dossiers beyond a
# controller's own — and posts payments in bulk: managers and administrators upload it;
# controllers read the statements and work the « Rapprochement » queue.
UPLOAD_ROLES = (roles.MANAGER, roles.ADMIN)
QUEUE_ROLES = (roles.CONTROLLER, roles.MANAGER)
PAGE = 100


def _summary_text(summary: dict) -> str:
    parts = [
        f"{summary.get('posted', 0)} paiement(s) enregistré(s)",
        f"{summary.get('proposed', 0)} proposé(s)",
        f"{summary.get('unmatched', 0)} non rapproché(s)",
    ]
    if summary.get("returned"):
        parts.append(f"{summary['returned']} rejet(s) appliqué(s)")
    if summary.get("to_review"):
        parts.append(f"{summary['to_review']} à examiner")
    if summary.get("known"):
        parts.append(f"{summary['known']} déjà connue(s)")
    return ", ".join(parts)


def _index(request, form, status=200):
    statements = selectors.visible_statements(request.user).select_related("creditor")[:30]
    return render(
        request,
        "imports/statements/index.html",
        {
            "form": form if roles.has_role(request.user, *UPLOAD_ROLES) else None,
            "statements": statements,
        },
        status=status,
    )


@role_required(*IMPORT_ROLES)
def index(request):
    return _index(request, StatementUploadForm(user=request.user))


@role_required(*UPLOAD_ROLES)
@require_POST
def upload(request):
    form = StatementUploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.statement_import(
                content=upload.read(),
                name=upload.name,
                creditor=form.cleaned_data["creditor"],
                creditors=scoping.visible_creditors(request.user),
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            statement = result.statement
            if result.created:
                messages.success(request, f"Relevé importé : {_summary_text(statement.summary)}.")
            else:
                messages.info(
                    request,
                    f"Ce relevé a déjà été importé le {statement.created_at:%d/%m/%Y} : "
                    "rien de nouveau.",
                )
            if selectors.visible_statements(request.user).filter(pk=statement.pk).exists():
                return redirect("releves:detail", pk=statement.pk)
            return redirect("releves:index")
    return _index(request, form, status=400)


@role_required(*IMPORT_ROLES)
def detail(request, pk: int):
    statement = get_object_or_404(
        selectors.visible_statements(request.user).select_related("creditor", "created_by"),
        pk=pk,
    )
    rows = statement.transactions.select_related("dossier").order_by("line", "pk")
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/statements/detail.html",
        {"statement": statement, "page": page, "summary": _summary_text(statement.summary)},
    )


@role_required(*QUEUE_ROLES)
def queue(request):
    rows = selectors.queue(request.user).select_related("dossier", "statement__creditor")
    status = request.GET.get("statut", "")
    if status in selectors.OPEN:
        rows = rows.filter(status=status)
    totals = rows.aggregate(count=Count("pk"), amount=Sum("amount"))
    page = Paginator(rows.order_by("-confidence", "booked_on", "pk"), PAGE).get_page(
        request.GET.get("page")
    )
    editable = set(
        scoping.editable_dossiers(request.user)
        .filter(pk__in=[r.dossier_id for r in page.object_list if r.dossier_id])
        .values_list("pk", flat=True)
    )
    lines = [
        {
            "row": row,
            "can_confirm": row.dossier_id in editable
            and (
                row.direction == BankTransaction.Direction.CREDIT
                or row.kind == BankTransaction.Kind.RETURN
            ),
            "can_assign": row.direction == BankTransaction.Direction.CREDIT,
        }
        for row in page.object_list
    ]
    return render(
        request,
        "imports/statements/queue.html",
        {
            "page": page,
            "lines": lines,
            "count": totals["count"],
            "amount": euros(totals["amount"] or 0),
            "status": status,
            "statuses": [(s, BankTransaction.Status(s).label) for s in selectors.OPEN],
        },
    )


def _row(request, form) -> BankTransaction:
    """The queue line a form names: one out of the user's queue is not found."""
    try:
        return (
            selectors.queue(request.user)
            .select_related("statement")
            .get(pk=form.cleaned_data["line"])
        )
    except BankTransaction.DoesNotExist as exc:
        raise Http404("Opération introuvable.") from exc


def _back(request):
    return redirect("rapprochement:queue")


@role_required(*QUEUE_ROLES)
@require_POST
def confirm(request):
    form = LineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Opération non précisée.")
        return _back(request)
    row = _row(request, form)
    if (
        row.dossier_id is None
        or not scoping.editable_dossiers(request.user).filter(pk=row.dossier_id).exists()
    ):
        raise Http404("Dossier introuvable.")
    try:
        services.transaction_confirm(row=row, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Paiement de {euros(row.amount)} enregistré sur le dossier {row.dossier.reference}.",
        )
    return _back(request)


@role_required(*QUEUE_ROLES)
@require_POST
def assign(request):
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez la référence du dossier et le motif.")
        return _back(request)
    row = _row(request, form)
    reference = form.cleaned_data["dossier"].strip().upper()
    dossiers = scoping.editable_dossiers(request.user).filter(
        reference=reference, closed_on__isnull=True
    )
    if row.statement.creditor_id:
        dossiers = dossiers.filter(creditor_id=row.statement.creditor_id)
    dossier = dossiers.first()
    if dossier is None:
        messages.error(
            request,
            f"Aucun dossier ouvert « {reference} » de ce créancier dans votre périmètre.",
        )
        return _back(request)
    try:
        services.transaction_assign(
            row=row, dossier=dossier, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Paiement de {euros(row.amount)} enregistré sur le dossier {reference}."
        )
    return _back(request)


@role_required(*QUEUE_ROLES)
@require_POST
def split(request):
    form = SplitForm(request.POST)
    if not form.is_valid():
        errors = [m for messages_ in form.errors.values() for m in messages_]
        messages.error(request, " ".join(errors) or "Répartition incomplète.")
        return _back(request)
    row = _row(request, form)
    scope = scoping.editable_dossiers(request.user).filter(closed_on__isnull=True)
    if row.statement.creditor_id:
        scope = scope.filter(creditor_id=row.statement.creditor_id)
    parts = []
    for reference, amount in form.cleaned_data["parts"]:
        dossier = scope.filter(reference=reference).first()
        if dossier is None:
            messages.error(
                request,
                f"Aucun dossier ouvert « {reference} » de ce créancier dans votre périmètre.",
            )
            return _back(request)
        parts.append((dossier, amount))
    try:
        services.transaction_split(
            row=row, parts=parts, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{euros(row.amount)} répartis entre " + ", ".join(d.reference for d, _ in parts) + ".",
        )
    return _back(request)


@role_required(*QUEUE_ROLES)
@require_POST
def ignore(request):
    form = IgnoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le motif pour écarter l'opération.")
        return _back(request)
    row = _row(request, form)
    try:
        services.transaction_ignore(row=row, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Opération écartée.")
    return _back(request)
