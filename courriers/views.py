"""Courriers: letters waiting for approval (with preview and batch approval and its progress
bar), the day's letter batches for the post office, what went out (evidence), registered
letters (number, acknowledgment of receipt, returns), the payment plan as PDF."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from courriers import delivery, outbox, rendering
from courriers.models import ApprovalBatch, LetterBatch, MessageTemplate, SentMessage
from dossiers import scoping
from dossiers.models import PaymentPlan
from relances.models import Reminder


def _visible_sent(user):
    return SentMessage.objects.filter(dossier__in=scoping.visible_dossiers(user))


def _visible_batches(user):
    """The letter batches holding only letters of dossiers this user may read: a manager does
    not download another portfolio's letters (``dossiers.scoping``)."""
    batches = LetterBatch.objects.all()
    if scoping.sees_every_dossier(user):
        return batches
    foreign = SentMessage.objects.filter(batch=OuterRef("pk")).exclude(
        dossier__in=scoping.visible_dossiers(user).values("pk")
    )
    return batches.exclude(Exists(foreign))


@role_required(*roles.WORKSPACE)
def letters(request):
    """Nothing is pre-ticked: « Tout sélectionner » (``?tout=1``, no script needed) ticks every
    letter shown."""
    visible = scoping.visible_dossiers(request.user)
    to_approve = list(delivery.letters_to_approve().filter(dossier__in=visible)[:200])
    waiting = delivery.letters_waiting().filter(dossier__in=visible)
    recent = (
        _visible_sent(request.user)
        .select_related("dossier__debtor", "dossier__creditor")
        .order_by("-sent_at", "-pk")[:30]
    )
    registered = (
        _visible_sent(request.user)
        .filter(channel="registered_letter")
        .select_related("dossier__debtor")
        .order_by("-sent_at", "-pk")[:20]
    )
    return render(
        request,
        "courriers/index.html",
        {
            "to_approve": to_approve,
            "waiting_count": waiting.count(),
            "batches": _visible_batches(request.user).order_by("-day", "-pk")[:10],
            "prints_batches": roles.has_role(request.user, roles.MANAGER),
            "recent": recent,
            "registered": registered,
            "select_all": request.GET.get("tout") == "1",
        },
    )


@role_required(*roles.WORKSPACE)
@require_POST
def approval_start(request):
    visible = scoping.editable_dossiers(request.user)
    wanted = [pk for pk in request.POST.getlist("reminders") if pk.isdigit()]
    allowed = list(
        delivery.letters_to_approve()
        .filter(dossier__in=visible, pk__in=wanted)
        .values_list("pk", flat=True)
    )
    if not allowed:
        messages.error(request, "Sélectionnez au moins un courrier à valider.")
        return redirect("courriers:letters")
    if request.POST.get("confirm") != "1":
        # The confirmation step: exactly what will leave, how many, for how much, how.
        return render(
            request,
            "courriers/confirm.html",
            {"summary": delivery.approval_summary(allowed), "ids": allowed},
        )
    try:
        batch = delivery.approval_batch_start(
            reminder_ids=allowed, actor=request.user, background=True
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("courriers:letters")
    return redirect("courriers:approval_progress", batch.pk)


@role_required(*roles.WORKSPACE)
def approval_progress(request, batch_pk: int):
    batch = get_object_or_404(ApprovalBatch, pk=batch_pk, created_by=request.user)
    template = "courriers/_progress.html" if request.htmx else "courriers/progress.html"
    return render(request, template, {"batch": batch})


@role_required(*roles.WORKSPACE)
def reminder_preview(request, reminder_pk: int):
    """The letter as it would go out today, as a PDF in the browser (nothing stored)."""
    reminder = get_object_or_404(
        Reminder.objects.select_related("dossier__creditor", "dossier__debtor", "step"),
        pk=reminder_pk,
        dossier__in=scoping.visible_dossiers(request.user),
    )
    try:
        pdf = rendering.render_letter(reminder)
    except (ValidationError, MessageTemplate.DoesNotExist) as exc:
        return HttpResponse(f"Aperçu impossible : {exc}", status=409, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="apercu-{reminder.pk}.pdf"'
    return response


# Managers prepare and print the day's batch of their creditors' letters.
@role_required(roles.MANAGER)
@require_POST
def batch_create(request):
    try:
        batch = delivery.letter_batch_create(
            actor=request.user, dossiers=scoping.editable_dossiers(request.user)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{batch} prêt à imprimer.")
    return redirect("courriers:letters")


@role_required(roles.MANAGER)
def batch_file(request, batch_pk: int, what: str):
    batch = get_object_or_404(_visible_batches(request.user), pk=batch_pk)
    field = {"pdf": batch.pdf, "csv": batch.manifest}.get(what)
    if not field:
        raise Http404("Fichier introuvable.")
    return FileResponse(
        field.open("rb"), as_attachment=True, filename=field.name.rsplit("/", 1)[-1]
    )


@role_required(*roles.WORKSPACE)
def sent_detail(request, sent_pk: int):
    sent = get_object_or_404(
        _visible_sent(request.user).select_related(
            "dossier__debtor", "dossier__creditor", "template", "reminder__step", "receipt", "batch"
        ),
        pk=sent_pk,
    )
    return render(request, "courriers/sent.html", {"sent": sent})


@role_required(*roles.WORKSPACE)
def sent_file(request, sent_pk: int, what: str):
    sent = get_object_or_404(_visible_sent(request.user), pk=sent_pk)
    if what == "pdf" and sent.pdf:
        return FileResponse(
            sent.pdf.open("rb"), as_attachment=True, filename=f"envoi-{sent.pk}.pdf"
        )
    if what == "html" and sent.body_html:
        response = HttpResponse(sent.body_html, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="envoi-{sent.pk}.html"'
        return response
    raise Http404("Fichier introuvable.")


def _deposit_date(value: str):
    """The deposit date typed (23/11/2026, or the date picker's 2026-11-23); empty: none."""
    if not value.strip():
        return None
    field = forms.DateField(
        error_messages={"invalid": "Date de dépôt à La Poste invalide (jj/mm/aaaa)."}
    )
    return field.clean(value.strip())


@role_required(*roles.WORKSPACE)
@require_POST
def sent_action(request, sent_pk: int, action: str):
    sent = get_object_or_404(_visible_sent(request.user), pk=sent_pk)
    # An action writes: the letter's dossier must be open and one the user may act on.
    scoping.get_open_dossier(request.user, sent.dossier_id)
    try:
        if action == "recommande":
            deposited_on = _deposit_date(request.POST.get("deposited_on", ""))
            delivery.registered_number_set(
                sent=sent,
                number=request.POST.get("number", ""),
                deposited_on=deposited_on,
                actor=request.user,
            )
            if deposited_on:
                messages.success(
                    request,
                    f"Numéro de recommandé et dépôt à La Poste du {deposited_on:%d/%m/%Y} "
                    "enregistrés.",
                )
            else:
                messages.success(request, "Numéro de recommandé enregistré.")
        elif action == "ar":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError("Joignez l'accusé de réception (PDF ou image).")
            delivery.receipt_upload(sent=sent, file=upload, actor=request.user)
            messages.success(request, "Accusé de réception enregistré : courrier distribué.")
        elif action == "retour":
            delivery.letter_returned(
                sent=sent, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, "Retour du courrier enregistré ; la relance passe en échec.")
        else:
            raise Http404("Action inconnue.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("courriers:sent_detail", sent.pk)


@role_required(*roles.WORKSPACE)
def plan_pdf(request, pk: int, plan_pk: int):
    """The payment plan as a PDF (WeasyPrint), to send or have signed."""
    dossier = scoping.get_dossier(request.user, pk)
    plan = get_object_or_404(PaymentPlan, pk=plan_pk, dossier=dossier)
    pdf = delivery.plan_document(plan).pdf
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"echeancier-{dossier.reference}-{plan.pk}.pdf".replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(*roles.WORKSPACE)
def outbox_page(request):
    """« Envois en attente ou en échec »: managers see every dossier they read, controllers their
    portfolio's (``dossiers.scoping``); the channels down on top."""
    attempts = list(outbox.open_attempts(scoping.visible_dossiers(request.user))[:500])
    now = timezone.now()
    return render(
        request,
        "courriers/outbox.html",
        {
            "rows": [(a, outbox.attempt_state(a, now)) for a in attempts],
            "outages": [delivery.outage_text(o) for o in delivery.outages_open()],
            "sees_all": roles.has_role(request.user, roles.MANAGER),
        },
    )
