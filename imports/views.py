"""Imports from the browser: upload, preview with every error, confirm, progress; Factur-X
invoices; exports. Controllers, managers and admins only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from dossiers import scoping
from imports import exports, selectors, services
from imports.columns import fields_for
from imports.facturx_invoice import InvoiceConflict, einvoice_import
from imports.forms import ExportForm, FacturXForm, UploadForm, column_choices
from imports.models import ImportBatch, ImportKind
from imports.parsing import NUMBER_FORMATS, normalize_header
from imports.reading import FileProblem, read_headers
from imports.validation import ACTION_LABELS, AMOUNT_FIELDS
from legal.formatting import euros, french_date

IMPORT_ROLES = (roles.CONTROLLER, roles.MANAGER, roles.ADMIN)
PREVIEW_PAGE = 200


def _index_context(request, **forms):
    user = request.user
    return {
        "upload_form": forms.get("upload_form") or UploadForm(user=user),
        "facturx_form": forms.get("facturx_form") or FacturXForm(auto_id="fx_%s"),
        "export_form": forms.get("export_form") or ExportForm(auto_id="export_%s", user=user),
        "batches": selectors.visible_batches(user).select_related("creditor", "created_by")[:30],
        "facturx_conflict": forms.get("facturx_conflict"),
    }


@role_required(*IMPORT_ROLES)
def index(request):
    return render(request, "imports/index.html", _index_context(request))


@role_required(*IMPORT_ROLES)
@require_POST
def upload(request):
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            batch = services.batch_create(
                kind=form.cleaned_data["kind"],
                creditor=form.cleaned_data["creditor"],
                upload=form.cleaned_data["file"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return redirect("imports:batch", pk=batch.pk)
    return render(
        request, "imports/index.html", _index_context(request, upload_form=form), status=400
    )


def _columns(batch: ImportBatch):
    """The file's headers with the field each is mapped to, for the mapping form."""
    if batch.kind == ImportKind.BODACC:
        return []
    try:
        batch.file.open("rb")
        headers = read_headers(batch.file.read(), batch.original_name)
    except FileProblem:
        return []
    finally:
        batch.file.close()
    from imports.columns import resolve

    chosen = services.remembered_columns(batch)
    formats = services.remembered_number_formats(batch)
    positions, _ = resolve(batch.kind, headers, chosen)
    result = []
    for index, header in enumerate(headers):
        if not header:
            continue
        current = positions.get(index) or chosen.get(normalize_header(header), "")
        result.append(
            {
                "index": index,
                "header": header,
                "current": current,
                "is_amount": current in AMOUNT_FIELDS,
                "number_format": formats.get(normalize_header(header), ""),
            }
        )
    return result


@role_required(*IMPORT_ROLES)
def batch(request, pk: int):
    batch = get_object_or_404(
        selectors.visible_batches(request.user).select_related("creditor", "created_by"), pk=pk
    )
    page = Paginator(batch.preview or [], PREVIEW_PAGE).get_page(request.GET.get("page"))
    errors_by_row = {item["row"]: item["errors"] for item in batch.errors or []}
    conflicts = {item["row"]: item["conflict"] for item in batch.errors or [] if "conflict" in item}
    lines = [
        {
            "number": line[0],
            "reference": line[1],
            "party": line[2],
            "amount": euros(Decimal(line[3])) if line[3] else "",
            "day": french_date(date.fromisoformat(line[4])) if line[4] else "",
            "action": line[5],
            "action_label": ACTION_LABELS.get(line[5], line[5]),
            "errors": errors_by_row.get(line[0], []),
            "conflict": conflicts.get(line[0]),
        }
        for line in page.object_list
    ]
    context = {
        "batch": batch,
        "page": page,
        "lines": lines,
        "file_errors": errors_by_row.get(1, []),
        "columns": _columns(batch) if not batch.is_running else [],
        "number_formats": [("", "détecter d'après le fichier"), *NUMBER_FORMATS.items()],
        "choices": column_choices(batch.kind)
        if batch.kind in ("claims", "payments", "lifecycle")
        else [],
        "fields": fields_for(batch.kind) if batch.kind != ImportKind.BODACC else [],
        "planned": (batch.summary or {}).get("planned", {}),
        "done": (batch.summary or {}).get("done"),
        "action_labels": ACTION_LABELS,
    }
    return render(request, "imports/batch.html", context)


@role_required(*IMPORT_ROLES)
def progress(request, pk: int):
    batch = get_object_or_404(selectors.visible_batches(request.user), pk=pk)
    response = render(request, "imports/_progress.html", {"batch": batch})
    if not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


@role_required(*IMPORT_ROLES)
@require_POST
def columns(request, pk: int):
    batch = get_object_or_404(selectors.visible_batches(request.user), pk=pk)
    choices, formats = {}, {}
    for item in _columns(batch):
        value = request.POST.get(f"col_{item['index']}", "")
        if value:
            choices[item["header"]] = value
        if f"num_{item['index']}" in request.POST:
            formats[item["header"]] = request.POST[f"num_{item['index']}"]
    try:
        services.batch_set_columns(
            batch=batch, choices=choices, number_formats=formats, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "Correspondance enregistrée pour ce créancier ; le fichier est contrôlé à nouveau.",
        )
    return redirect("imports:batch", pk=batch.pk)


@role_required(*IMPORT_ROLES)
@require_POST
def confirm(request, pk: int):
    batch = get_object_or_404(selectors.visible_batches(request.user), pk=pk)
    try:
        services.batch_confirm(batch=batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:batch", pk=batch.pk)


@role_required(*IMPORT_ROLES)
@require_POST
def facturx(request):
    form = FacturXForm(request.POST, request.FILES, auto_id="fx_%s")
    conflict, status = None, 400
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = einvoice_import(
                pdf=upload.read(),
                filename=upload.name,
                actor=request.user,
                creditors=scoping.visible_creditors(request.user),
                dossiers=scoping.visible_dossiers(request.user),
            )
        except InvoiceConflict as exc:
            # The differences, and the dossier, only when the user may see that dossier.
            conflict = exc if exc.claim is not None else None
            status = 409
            form.add_error("file", exc.messages)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            claim = outcome.claim
            (messages.success if outcome.created else messages.info)(request, outcome.message)
            # To the dossier when it is in the user's scope (else its page would be a 404).
            in_scope = scoping.visible_dossiers(request.user).filter(pk=claim.dossier_id)
            if roles.has_role(request.user, roles.CONTROLLER, roles.MANAGER) and in_scope.exists():
                return redirect(reverse("journee:dossier", args=[claim.dossier_id]))
            return redirect("imports:index")
    return render(
        request,
        "imports/index.html",
        _index_context(request, facturx_form=form, facturx_conflict=conflict),
        status=status,
    )


@role_required(*IMPORT_ROLES)
def export(request):
    form = ExportForm(request.GET, auto_id="export_%s", user=request.user)
    if not form.is_valid():
        return render(
            request, "imports/index.html", _index_context(request, export_form=form), status=400
        )
    on = form.cleaned_data["on"] or timezone.localdate()
    creditor = form.cleaned_data["creditor"]
    fmt = form.cleaned_data["format"]
    if form.cleaned_data["what"] == "encaissees":
        since = form.cleaned_data["since"]
        data = exports.collected_dataset(
            request.user, since=since, creditor_id=creditor.pk if creditor else None
        )
        response = HttpResponse(exports.render(data, fmt), content_type=exports.FORMATS[fmt])
        name = f"encaissees-212-depuis-{since:%Y-%m-%d}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    build = (
        exports.dossiers_dataset
        if form.cleaned_data["what"] == "dossiers"
        else exports.claims_dataset
    )
    data = build(request.user, on=on, creditor_id=creditor.pk if creditor else None)
    response = HttpResponse(exports.render(data, fmt), content_type=exports.FORMATS[fmt])
    name = f"{form.cleaned_data['what']}-{on:%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
