"""Every action of the dossier page: a form shown in place (htmx) or as a page, validated, then
one service call that records who and why. Refusals of the services come back on the form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from accounts.forms import apply_errors
from dossiers import scoping
from dossiers import services as dossier_services
from dossiers.models import ZERO, Dispute, Dossier, Task
from dossiers.services import work as dossier_work
from journee import forms
from journee.views._common import done, render_action, today
from legal.formatting import euros
from relances import calls, services
from relances.models import CallLog, DossierHold, Reminder


class ConfirmForm(forms.WorkspaceForm):
    """An action with nothing to type: the button is the confirmation."""


def _balance(dossier):
    """What a promise, a plan or a payment covers: the invoices, or their accessories once the
    principal is paid (docs/legal.md §11)."""
    return dossier_services.amount_due(dossier)


def _action(
    request,
    dossier,
    form_class,
    *,
    title: str,
    perform: Callable[[dict], str],
    form_kwargs: dict | None = None,
    initial: dict | None = None,
    submit: str = "Enregistrer",
    intro: str = "",
    template: str = "journee/actions/form.html",
    extra: dict | None = None,
):
    """GET: the form. POST: validate, perform (a service call returning the success message),
    back to the dossier; a refusal is shown on the form."""
    kwargs = {"today": today(), **(form_kwargs or {})}
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                message = perform(form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, message)
                return done(request, dossier)
    else:
        form = form_class(initial=initial, **kwargs)
    context = {
        "form": form,
        "dossier": dossier,
        "title": title,
        "submit": submit,
        "intro": intro,
        "action_url": request.path,
        "multipart": any(
            isinstance(f.widget, django_forms.ClearableFileInput) for f in form.fields.values()
        ),
        **(extra or {}),
    }
    return render_action(request, template, context)


# --- The call ---------------------------------------------------------------------------------


@role_required(*roles.WORKSPACE)
def call(request, pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)
    now = timezone.localtime()
    claims = list(dossier.claims.open().order_by("due_date"))

    def perform(data):
        logged = services.call_log(
            dossier=dossier,
            actor=request.user,
            outcome=data["outcome"],
            contact_name=data["contact_name"],
            contact_role=data["contact_role"],
            delay_reason=data["delay_reason"],
            debtor_said=data["debtor_said"],
            objections=data["objections"],
            commitment_amount=data["commitment_amount"],
            commitment_date=data["commitment_date"],
            plan_offered=data["plan_offered"],
            summary=data["summary"],
        )
        message = f"Appel enregistré ({logged.get_outcome_display().lower()})."
        if logged.promise_id:
            message += (
                f" Promesse de {euros(logged.commitment_amount)} pour le "
                f"{logged.commitment_date:%d/%m/%Y} enregistrée."
            )
        pending = getattr(logged, "pending_promise", None)
        if pending is not None and logged.commitment_amount is not None:
            message += (
                f" Une promesse est en cours ({euros(pending.amount)} pour le "
                f"{pending.due_on:%d/%m/%Y}) : elle est conservée ; l'engagement est noté "
                "dans le journal d'appel."
            )
        if logged.follow_up_task_id:
            message += f" Rappel prévu le {logged.follow_up_task.due_on:%d/%m/%Y}."
        if logged.recap_status == CallLog.Recap.TO_SEND:
            message += " Le courriel récapitulatif des engagements est à envoyer."
        if logged.plan_offered:
            message += " Échéancier proposé : saisissez-le avec « Échéancier »."
        return message

    days = (today() - dossier.reference_date).days if dossier.reference_date else 0
    return _action(
        request,
        dossier,
        forms.CallForm,
        title="Journal d'appel — méthode en 10 étapes",
        perform=perform,
        submit="Enregistrer l'appel",
        template="journee/actions/call.html",
        extra={
            "script": calls.SCRIPT,
            "four_c": calls.FOUR_C,
            "forbidden": calls.FORBIDDEN_IN_CALLS,
            "claims": claims,
            "balance": sum((c.outstanding for c in claims), ZERO),
            "days_overdue": max(days, 0),
            "call_hours_ok": calls.within_call_hours(now, postal_code=dossier.debtor.postal_code),
            "attempts": services.call_attempts(dossier, on=today()),
            "max_attempts": calls.MAX_CALL_ATTEMPTS,
            "contact": dossier.debtor.reminder_contact,
        },
    )


# --- Promise, payment, payment plan ----------------------------------------------------------


@role_required(*roles.WORKSPACE)
def promise(request, pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)

    def perform(data):
        dossier_services.promise_record(
            dossier=dossier,
            amount=data["amount"],
            due_on=data["due_on"],
            actor=request.user,
            reason=data["reason"],
            note=data["note"],
        )
        return f"Promesse de {euros(data['amount'])} pour le {data['due_on']:%d/%m/%Y} enregistrée."

    return _action(
        request,
        dossier,
        forms.PromiseForm,
        title="Enregistrer une promesse de paiement",
        perform=perform,
        initial={"amount": _balance(dossier)},
        intro="La cadence est suspendue jusqu'à la date promise (plus le délai de grâce).",
    )


@role_required(*roles.WORKSPACE)
def payment(request, pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)

    def perform(data):
        recorded = dossier_services.payment_record(
            dossier=dossier,
            amount=data["amount"],
            received_on=data["received_on"],
            actor=request.user,
            method=data["method"],
            reference=data["reference"],
            kind=data["kind"],
            invoices=data["invoices"],
        )
        message = f"{recorded.get_kind_display()} de {euros(recorded.amount)} enregistré."
        after = Dossier.objects.only("state", "closed_on").get(pk=dossier.pk)
        if after.is_closed:
            message += " Le solde est réglé : le dossier est clos."
        elif after.state == "accessories":
            message += (
                " Le principal est réglé, après l'échéance : restent dus les pénalités de retard "
                "et l'indemnité forfaitaire (C. com. L441-10 II, D441-5)."
            )
        return message

    return _action(
        request,
        dossier,
        forms.PaymentForm,
        title="Enregistrer un paiement ou un avoir",
        perform=perform,
        initial={"received_on": today(), "amount": _balance(dossier)},
        form_kwargs={"claims": list(dossier.claims.open().oldest_first())},
        intro="Le montant est imputé sur les factures que le débiteur désigne, sinon sur les "
        "plus anciennes d'abord (C. civ. 1342-10).",
    )


@role_required(*roles.WORKSPACE)
def plan(request, pk: int):
    """Propose a plan (installments generated from an amount, a count and a first date), edit
    the installments, then record the debtor's acceptance."""
    dossier = scoping.get_open_dossier(request.user, pk)
    balance = _balance(dossier)
    kwargs = {"today": today()}
    proposal = forms.PlanProposalForm(
        request.POST or None,
        initial={"total": balance, "first_date": today() + timedelta(days=7)},
        **kwargs,
    )
    accept = forms.PlanAcceptForm(
        request.POST if request.POST.get("step") == "accept" else None, **kwargs
    )
    installments = forms.InstallmentFormSet(prefix="echeance")
    step = request.POST.get("step", "")
    if step == "generate" and proposal.is_valid():
        rows = proposal.installments()
        installments = forms.InstallmentFormSet(
            prefix="echeance", initial=[{"due_on": d, "amount": a} for d, a in rows]
        )
    elif step == "accept":
        installments = forms.InstallmentFormSet(request.POST, prefix="echeance")
        if installments.is_valid() and accept.is_valid():
            rows = [
                (row["due_on"], row["amount"])
                for row in installments.cleaned_data
                if row and not row.get("DELETE")
            ]
            how = accept.cleaned_data["accepted_by"]
            note = accept.cleaned_data["note"]
            try:
                dossier_services.plan_accept(
                    dossier=dossier,
                    installments=rows,
                    actor=request.user,
                    reason=(
                        f"échéancier accepté par le débiteur ({how}) : reconnaissance de dette "
                        f"(C. civ. 2240){' — ' + note if note else ''}"
                    ),
                )
            except ValidationError as error:
                apply_errors(accept, error)
            else:
                messages.success(
                    request,
                    f"Échéancier de {len(rows)} échéance(s) accepté : la cadence est suspendue "
                    "tant qu'il est respecté.",
                )
                return done(request, dossier)
    return render_action(
        request,
        "journee/actions/plan.html",
        {
            "dossier": dossier,
            "balance": balance,
            "proposal": proposal if step != "accept" else forms.PlanProposalForm(**kwargs),
            "accept": accept,
            "installments": installments,
            "show_installments": step in ("generate", "accept") and installments.forms,
            "title": "Proposer et accepter un échéancier",
            "action_url": request.path,
        },
    )


# --- Disputes ---------------------------------------------------------------------------------


@role_required(*roles.WORKSPACE)
def dispute_open(request, pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)

    def perform(data):
        dossier_services.dispute_open(
            dossier=dossier,
            reason_code=data["reason_code"],
            claim=data["claim"],
            description=data["description"],
            actor=request.user,
        )
        return "Contestation enregistrée : les relances sont suspendues jusqu'à sa clôture."

    return _action(
        request,
        dossier,
        forms.DisputeOpenForm,
        title="Ouvrir une contestation",
        perform=perform,
        form_kwargs={"dossier": dossier},
        intro="Une contestation suspend toutes les relances du dossier.",
    )


@role_required(*roles.WORKSPACE)
def dispute_resolve(request, pk: int, dispute_pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)
    dispute = get_object_or_404(
        Dispute.objects.select_related("claim"), pk=dispute_pk, dossier=dossier
    )
    F = forms.DisputeResolveForm

    def perform(data):
        outcome, text = data["outcome"], data["resolution"]
        if outcome == F.CORRECTED:
            claim = services.dispute_settle_with_corrected_invoice(
                dispute=dispute,
                invoice_number=data["invoice_number"],
                amount=data["amount"],
                issue_date=data["issue_date"],
                due_date=data["due_date"],
                resolution=text,
                actor=request.user,
            )
            return (
                f"Contestation close : facture {dispute.claim.invoice_number} annulée et "
                f"remplacée par {claim.invoice_number}."
            )
        if outcome == F.RESENT:
            text = f"facture renvoyée au débiteur le {today():%d/%m/%Y} : {text}"
        dossier_services.dispute_resolve(
            dispute=dispute, upheld=outcome == F.CANCELLED, resolution=text, actor=request.user
        )
        if outcome == F.CANCELLED:
            return "Contestation fondée : la facture est annulée."
        return "Contestation close, facture maintenue : la cadence reprend."

    claim = f" sur la facture {dispute.claim.invoice_number}" if dispute.claim_id else ""
    return _action(
        request,
        dossier,
        F,
        title="Clore la contestation",
        perform=perform,
        form_kwargs={"dispute": dispute},
        intro=f"{dispute.get_reason_display()}{claim}, ouverte le {dispute.opened_on:%d/%m/%Y}.",
        submit="Clore la contestation",
        extra={"dispute": dispute},
    )


# --- Evidence, hold, assignment, decision -----------------------------------------------------


@role_required(*roles.WORKSPACE)
def evidence(request, pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)

    def perform(data):
        dossier_services.evidence_add(
            dossier=dossier,
            file=data["file"],
            kind=data["kind"],
            claim=data["claim"],
            description=data["description"],
            actor=request.user,
        )
        return "Pièce déposée (empreinte SHA-256 enregistrée)."

    return _action(
        request,
        dossier,
        forms.EvidenceForm,
        title="Déposer une pièce justificative",
        perform=perform,
        form_kwargs={"dossier": dossier},
        submit="Déposer",
    )


@role_required(*roles.WORKSPACE)
def hold(request, pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)

    def perform(data):
        services.hold_set(
            dossier=dossier, until=data["until"], reason=data["reason"], actor=request.user
        )
        return f"Dossier en attente jusqu'au {data['until']:%d/%m/%Y}."

    return _action(
        request,
        dossier,
        forms.HoldForm,
        title="Mettre le dossier en attente",
        perform=perform,
        intro="Aucune étape de la cadence ne part pendant l'attente ; elle reprend le lendemain.",
        submit="Mettre en attente",
    )


@role_required(*roles.WORKSPACE)
def hold_release(request, pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)
    current = get_object_or_404(DossierHold, dossier=dossier, released_on__isnull=True)

    def perform(data):
        services.hold_release(hold=current, actor=request.user, reason=data["reason"])
        return "Mise en attente levée : la cadence reprend."

    return _action(
        request,
        dossier,
        forms.ReasonForm,
        title="Lever la mise en attente",
        perform=perform,
        submit="Lever l'attente",
    )


@role_required(roles.MANAGER)
def assign(request, pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)

    def perform(data):
        dossier_work.dossier_assign(
            dossier=dossier, assignee=data["assignee"], actor=request.user, reason=data["reason"]
        )
        who = data["assignee"]
        return (
            f"Dossier attribué à {who.get_full_name() or who.username}."
            if who
            else ("Dossier remis dans la file non attribuée.")
        )

    return _action(
        request,
        dossier,
        forms.AssignForm,
        title="Réattribuer le dossier",
        perform=perform,
        initial={"assignee": dossier.assigned_to_id},
        submit="Réattribuer",
    )


@role_required(roles.MANAGER)
def accessories_waive(request, pk: int):
    """A manager gives up the penalties and indemnity left on a dossier « Accessoires dus »
    (C. com. L441-10 II, D441-5): a journaled decision with its reason."""
    dossier = scoping.get_open_dossier(request.user, pk)

    def perform(data):
        dossier_services.accessories_waive(
            dossier=dossier, actor=request.user, reason=data["reason"], on=today()
        )
        return "Accessoires abandonnés : le dossier est clos « Payé »."

    return _action(
        request,
        dossier,
        forms.AccessoriesWaiverForm,
        title="Abandonner les accessoires",
        perform=perform,
        submit="Abandonner les accessoires",
        intro=(
            "Les pénalités de retard et l'indemnité forfaitaire restant dues ne seront plus "
            "réclamées (C. com. L441-10 II, D441-5) ; la décision et son motif figurent au "
            "journal."
        ),
    )


# --- Reminders and tasks ----------------------------------------------------------------------


def _reminder(dossier, reminder_pk: int) -> Reminder:
    reminders = Reminder.objects.select_related("step")
    return get_object_or_404(reminders, pk=reminder_pk, dossier=dossier)


@role_required(*roles.WORKSPACE)
def reminder_approve(request, pk: int, reminder_pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)
    reminder = _reminder(dossier, reminder_pk)

    def perform(data):
        services.reminder_approve(reminder=reminder, actor=request.user)
        return f"{reminder.step.label} validé(e) : l'envoi est lancé."

    return _action(
        request,
        dossier,
        ConfirmForm,
        title=f"Valider et envoyer : {reminder.step.label}",
        perform=perform,
        intro=(
            f"{reminder.get_channel_display()} prévu(e) le {reminder.scheduled_for:%d/%m/%Y}. "
            "Vérifiez le dossier (contestation, paiement récent) avant de valider."
        ),
        submit="Valider et envoyer",
    )


@role_required(*roles.WORKSPACE)
def reminder_retry(request, pk: int, reminder_pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)
    reminder = _reminder(dossier, reminder_pk)

    def perform(data):
        if request.POST.get("abandon"):
            services.reminder_abandon(reminder=reminder, actor=request.user, reason=data["reason"])
            return "Relance abandonnée."
        services.reminder_retry(reminder=reminder, actor=request.user, reason=data["reason"])
        return "Relance renvoyée."

    return _action(
        request,
        dossier,
        forms.ReasonForm,
        title=f"Envoi en échec : {reminder.step.label}",
        perform=perform,
        intro=reminder.note,
        submit="Renvoyer",
        extra={"abandon": True},
    )


@role_required(*roles.WORKSPACE)
def task_close(request, pk: int, task_pk: int):
    dossier = scoping.get_open_dossier(request.user, pk)
    task = get_object_or_404(Task, pk=task_pk, dossier=dossier)

    def perform(data):
        dossier_work.task_close(task=task, actor=request.user, reason=data["reason"])
        return f"Tâche « {task.get_kind_display()} » close."

    return _action(
        request,
        dossier,
        forms.ReasonForm,
        title=f"Clore la tâche : {task.get_kind_display()}",
        perform=perform,
        intro=task.note,
        submit="Marquer comme faite",
    )


@role_required(*roles.WORKSPACE)
@require_POST
def portal_check(request, pk: int):
    """A debtor's action on their page, looked at by the controller: it leaves « Ma journée »
    (the event names the evidence; the dossier page shows it)."""
    from portail.models import PortalEvent
    from portail.services import event_check

    dossier = scoping.get_open_dossier(request.user, pk)
    event = get_object_or_404(
        PortalEvent,
        pk=request.POST.get("event") if str(request.POST.get("event", "")).isdigit() else 0,
        dossier=dossier,
        kind__in=PortalEvent.ACTIONS,
    )
    try:
        event_check(event=event, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"« {event.get_kind_display()} » marquée comme vérifiée.")
    return done(request, dossier)
