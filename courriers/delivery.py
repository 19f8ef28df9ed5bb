"""Sending what the cadence and the controllers decide: e-mail (Django's e-mail framework,
configured by ``EMAIL_URL``), SMS (``courriers.sms``), letters and registered letters (the day's
batch for the post office), the recap after a call, the thank-you after payment; the evidence of
each (``courriers.evidence``), the registered-letter number, the acknowledgment of
receipt, returns and bounces; approval batches.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import smtplib
import socket
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import user_or_none
from accounts.text import safe_row
from courriers import postal, sms
from courriers.evidence import store_evidence
from courriers.models import (
    ApprovalBatch,
    ChannelOutage,
    DeliveryAttempt,
    LetterBatch,
    MessageTemplate,
    SentMessage,
    TemplateKind,
    sha256_hex,
)
from courriers.rendering import Document, prepared_document, reminder_document, render_document
from courriers.versions import template_for
from dossiers import scoping
from dossiers import services as dossier_services
from dossiers.models import Dossier, Evidence
from legal.formatting import euros
from recouvrement.celery import queue
from relances.models import CallLog, Channel, Reminder, Stage

logger = logging.getLogger(__name__)
LETTER_CHANNELS = (Channel.LETTER, Channel.REGISTERED_LETTER)


class NoRecipient(Exception):
    """The debtor has no address for this channel: the reminder fails, a person steps in."""


def _pdf_name(document: Document) -> str:
    return f"{document.template.code}-{document.dossier.reference}.pdf".replace("/", "-")


def new_message_id() -> str:
    domain = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", None) or "recouvrement.local"
    return make_msgid(domain=domain)


def send_email(document: Document, *, attach_pdf: bool = True, message_id: str = "") -> str:
    """HTML and text parts, the PDF attached, reply-to for disputes; returns the Message-ID
    (``message_id``, the outbox's, or a new one). SMTP errors propagate: the task retries with
    back-off."""
    if not document.recipient_email:
        raise NoRecipient("aucune adresse e-mail pour ce débiteur")
    message_id = message_id or new_message_id()
    message = EmailMultiAlternatives(
        subject=document.subject,
        body=document.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[document.recipient_email],
        reply_to=[document.reply_to] if document.reply_to else None,
        headers={"Message-ID": message_id},
    )
    message.attach_alternative(document.html, "text/html")
    if attach_pdf:
        message.attach(_pdf_name(document), document.sent_pdf, "application/pdf")
    message.send(fail_silently=False)
    return message_id


def delivery_error(exc: BaseException) -> str:
    """What went wrong with a sending, in French, for the reminder's note and the logs:
    « serveur SMTP injoignable », « serveur SMTP : refus temporaire (451 …) »…"""
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        kind = "refus temporaire" if 400 <= exc.smtp_code < 500 else "refus"
        return f"serveur SMTP : {kind} ({exc.smtp_code} {detail})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "serveur SMTP : connexion interrompue"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "serveur SMTP : destinataire refusé"
    if isinstance(exc, TimeoutError):
        return "serveur SMTP : délai de réponse dépassé"
    if isinstance(exc, ConnectionError | socket.gaierror):
        return "serveur SMTP injoignable"
    if isinstance(exc, sms.SmsError):
        return f"prestataire SMS : {exc}"
    if isinstance(exc, postal.PostalError):
        return f"prestataire postal : {exc}"
    return f"erreur d'envoi ({type(exc).__name__})"


def error_kind(error: str) -> str:
    """The kind of an error without the server's words (which may quote an address):
    « serveur SMTP : refus temporaire (451 …) » → « serveur SMTP : refus temporaire »."""
    return error.split(" (", 1)[0][:200]


def _channel_of(document: Document, channel: str) -> str:
    """A creditor in test mode gets everything by e-mail at its test address, letters included."""
    return Channel.EMAIL if document.is_test else channel


def _recipient(document: Document, channel: str) -> str:
    if channel == Channel.EMAIL:
        if not document.recipient_email:
            raise NoRecipient("aucune adresse e-mail pour ce débiteur")
        return document.recipient_email
    if channel == Channel.SMS:
        if not document.recipient_phone:
            raise NoRecipient("aucun numéro de téléphone pour ce débiteur")
        return document.recipient_phone
    if channel in LETTER_CHANNELS:
        if not document.recipient_address.strip():
            raise NoRecipient("aucune adresse postale pour ce débiteur")
        return document.recipient_address
    raise ValueError(f"canal non distribué : {channel}")


def _hand_over(document: Document, channel: str, recipient: str, key: str) -> str:
    """The send itself, outside any transaction: the e-mail to the SMTP server, the SMS to its
    provider, the letter to the postal backend; every one with the outbox's key. Returns the
    provider's reference (the Message-ID for an e-mail). Errors propagate: the task retries."""
    if channel == Channel.EMAIL:
        return send_email(document, message_id=key)
    if channel == Channel.SMS:
        return sms.get_backend().send(to=recipient, text=document.sms_text, key=key)
    return postal.get_backend().send(
        to=recipient,
        pdf=document.pdf,
        registered=channel == Channel.REGISTERED_LETTER,
        key=key,
    )


def _cancel_nothing_due(reminder: Reminder, *, on: date, actor=None) -> bool:
    """A step whose dossier has no invoice due on the day of sending is not sent: cancelled
    with its reason, and the cadence re-anchored (the step is planned again from the dossier's
    reference date, the oldest unpaid due date)."""
    reason = f"aucune facture échue au {on:%d/%m/%Y}, courrier non envoyé"
    reminder.status = Reminder.Status.CANCELLED
    reminder.reanchored = True
    reminder.note = f"Annulée : {reason} ; l'étape sera reprise à sa nouvelle date."[:300]
    dossier_services.journaled_save(reminder, actor=actor, reason=f"relance annulée : {reason}")
    dossier = dossier_services.lock_dossier(reminder.dossier_id)
    dossier_services.dossier_refresh(dossier=dossier, actor=actor, reason=reason, on=on)
    return False


# --- Messages outside the cadence ---------------------------------------------------------------


def _mark_failed(reminder: Reminder, exc: Exception, *, actor=None) -> None:
    reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    reminder.status = Reminder.Status.FAILED
    reminder.note = f"Échec de l'envoi : {reason}"[:300]
    reminder.next_attempt_at = None
    dossier_services.journaled_save(reminder, actor=actor, reason=f"échec de l'envoi : {reason}")


def _record_sent(
    reminder: Reminder,
    document: Document,
    channel: str,
    recipient: str,
    message_id: str,
    *,
    actor=None,
) -> SentMessage:
    """What went out, kept as evidence; the reminder marked sent (the formal notice's date
    recorded on the dossier)."""
    sent = store_evidence(
        document=document,
        channel=channel,
        recipient=recipient,
        actor=actor,
        reminder=reminder,
        message_id=message_id,
        reason=f"envoi : {reminder.step.label}",
    )
    reminder.content = sent.body_text
    reminder.status = Reminder.Status.SENT
    reminder.sent_at = sent.sent_at
    reminder.next_attempt_at = None
    if reminder.delivery_attempts:
        # The note said when the next attempt would be: it now says this one went.
        reminder.note = f"Envoyée au {reminder.delivery_attempts + 1}e essai"
    if document.is_test:
        reminder.note = f"Envoi de test à {recipient}"[:300]
    label = (
        "courrier préparé pour le lot du jour" if channel in LETTER_CHANNELS else "relance émise"
    )
    dossier_services.journaled_save(reminder, actor=actor, reason=label)
    if reminder.step.stage == Stage.FORMAL_NOTICE:
        dossier_services.formal_notice_sent(
            dossier=reminder.dossier, on=timezone.localdate(sent.sent_at), actor=actor
        )
    return sent


# --- Messages outside the cadence ---------------------------------------------------------------


def call_recap_send(*, call_id: int, actor=None) -> SentMessage | None:
    """Send the recap of the commitments taken on the phone (a payment promised 15 days or a
    month away), once, through the outbox: the attempt committed, the e-mail sent outside the
    transaction, the result committed (``_outbox_send``)."""
    with transaction.atomic():
        call = (
            CallLog.objects.select_for_update()
            .select_related("dossier__creditor", "dossier__debtor")
            .filter(pk=call_id, recap_status=CallLog.Recap.TO_SEND)
            .first()
        )
        if call is None:
            return None
        dossier = call.dossier
        template = template_for("recapitulatif-appel", Channel.EMAIL)
        called_on = timezone.localdate(call.called_at)
        document = render_document(
            template,
            dossier,
            on=called_on,
            extra={
                "call_date": f"{called_on:%d/%m/%Y}",
                "call_contact": call.contact_name,
                "commitment_amount": euros(call.commitment_amount),
                "commitment_date": f"{call.commitment_date:%d/%m/%Y}",
            },
        )
        try:
            recipient = _recipient(document, Channel.EMAIL)
        except NoRecipient as exc:
            call.recap_content = f"Récapitulatif non envoyé : {exc}."
            dossier_services.journaled_save(call, actor=actor, reason=f"récapitulatif : {exc}")
            return None
        attempt = _attempt_open(
            document=document,
            channel=Channel.EMAIL,
            recipient=recipient,
            dossier=dossier,
            subject={"call_log": call},
        )
        if attempt is None:
            return None

    def record():
        locked = CallLog.objects.select_for_update().get(pk=call_id)
        sent = store_evidence(
            document=document,
            channel=Channel.EMAIL,
            recipient=recipient,
            actor=actor,
            call_log=locked,
            message_id=attempt.message_id,
            reason="récapitulatif des engagements envoyé",
        )
        locked.recap_status = CallLog.Recap.SENT
        locked.recap_content = sent.body_text
        dossier_services.journaled_save(locked, actor=actor, reason="récapitulatif envoyé")
        return sent

    return _outbox_send(attempt, document, f"call{call_id}", record)


def dossier_message_send(
    *, dossier_id: int, template_code: str, actor=None, extra: dict | None = None, key: str = ""
) -> SentMessage | None:
    """A one-off message of a dossier by e-mail (thank-you, dispute acknowledgment, plan
    confirmation), with its evidence, through the outbox. ``key``: given when the message was
    queued (``queue_dossier_message``), the same on a redelivered task, so that a message whose
    attempt was interrupted is sent again with the same Message-ID, and one accepted is not
    sent again."""
    message_id = _message_id_for(key) if key else new_message_id()
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dossier_id)
        if DeliveryAttempt.objects.filter(
            message_id=message_id, status=DeliveryAttempt.Status.ACCEPTED
        ).exists():
            return None  # a redelivered task: this message went already
        try:
            template = template_for(template_code, Channel.EMAIL)
            extra = {**_extra_for(template.kind, dossier), **(extra or {})}
            document = render_document(template, dossier, on=timezone.localdate(), extra=extra)
            recipient = _recipient(document, Channel.EMAIL)
        except (ValidationError, MessageTemplate.DoesNotExist, NoRecipient) as exc:
            logger.warning(
                "message %s du dossier %s non envoyé : %s", template_code, dossier_id, exc
            )
            return None
        attempt = _attempt_open(
            document=document,
            channel=Channel.EMAIL,
            recipient=recipient,
            dossier=dossier,
            subject={"label": template.label, "reminder": None, "call_log": None},
            key=message_id,
        )
        if attempt is None:
            return None

    def record():
        dossier_services.lock_dossier(dossier_id)
        return store_evidence(
            document=document,
            channel=Channel.EMAIL,
            recipient=recipient,
            actor=actor,
            message_id=attempt.message_id,
            reason=f"envoi : {template.label}",
        )

    return _outbox_send(attempt, document, f"message{dossier_id}", record)


def _message_id_for(key: str) -> str:
    domain = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", None) or "recouvrement.local"
    return f"<{key}@{domain}>"


def queue_dossier_message(*, dossier_id: int, template_code: str) -> None:
    """Queue a one-off message after the commit, with its outbox key (a new one per message)."""
    import uuid

    transaction.on_commit(
        partial(
            queue,
            "courriers.dossier_message",
            dossier_id=dossier_id,
            template_code=template_code,
            key=uuid.uuid4().hex,
        )
    )


def _extra_for(kind: str, dossier) -> dict:
    """The variables of a message about the dossier's plan or latest dispute."""
    if kind == TemplateKind.PLAN_CONFIRMATION:
        plan = dossier.payment_plans.order_by("-pk").first()
        return _plan_variables(plan) if plan else {}
    if kind == TemplateKind.DISPUTE_ACK:
        dispute = dossier.disputes.order_by("-pk").first()
        if dispute is not None:
            return {
                "dispute_opened_on": f"{dispute.opened_on:%d/%m/%Y}",
                "dispute_reason": dispute.get_reason_display().lower(),
            }
    return {}


def _plan_variables(plan) -> dict:
    return {
        "plan_accepted_on": f"{plan.accepted_on:%d/%m/%Y}",
        "plan_installments": [
            {
                "number": str(n),
                "due_on": f"{i.due_on:%d/%m/%Y}",
                "amount": euros(i.amount),
            }
            for n, i in enumerate(plan.installments.order_by("due_on", "pk"), start=1)
        ],
    }


def plan_document(plan, *, on: date | None = None) -> Document:
    """The payment plan as a document (confirmation wording, installments, signature)."""
    template = template_for("confirmation-echeancier", Channel.EMAIL)
    return render_document(
        template, plan.dossier, on=on or plan.accepted_on, extra=_plan_variables(plan)
    )


# --- Letters: the day's batch, registered letters, receipts, returns ----------------------------


def letters_waiting():
    return SentMessage.objects.filter(
        channel__in=LETTER_CHANNELS, batch__isnull=True, is_test=False
    ).select_related("dossier__creditor", "dossier__debtor")


def letter_batch_create(*, actor, day: date | None = None, dossiers=None) -> LetterBatch:
    """Gather the letters not yet printed into one PDF, with the CSV manifest for the post
    office (one line per letter: recipient, kind, registered number, pages, SHA-256).

    ``dossiers`` (a queryset) limits the batch to those dossiers' letters: a manager prints
    their own creditors' letters (``dossiers.scoping``); the nightly task prints them all."""
    from pypdf import PdfReader, PdfWriter

    day = day or timezone.localdate()
    with transaction.atomic():
        waiting = letters_waiting()
        if dossiers is not None:
            waiting = waiting.filter(dossier__in=dossiers.values("pk"))
        letters = list(waiting.select_for_update(of=("self",)).order_by("pk"))
        if not letters:
            raise ValidationError("Aucun courrier en attente d'impression.")
        writer = PdfWriter()
        manifest = io.StringIO()
        out = csv.writer(manifest, delimiter=";")
        out.writerow(
            [
                "n°",
                "créancier",
                "dossier",
                "destinataire",
                "adresse",
                "nature",
                "numéro de recommandé",
                "pages",
                "SHA-256 du courrier",
            ]
        )
        for number, letter in enumerate(letters, start=1):
            with letter.pdf.open("rb") as handle:
                reader = PdfReader(io.BytesIO(handle.read()))
            pages = len(reader.pages)
            writer.append(reader)
            if pages % 2:
                # Recto-verso printing: each letter starts on a new sheet.
                writer.add_blank_page()
            lines = letter.recipient.splitlines()
            out.writerow(
                safe_row(
                    [
                        number,
                        letter.dossier.creditor.legal_name,
                        letter.dossier.reference,
                        lines[0] if lines else "",
                        ", ".join(lines[1:]),
                        letter.get_channel_display(),
                        letter.registered_number,
                        pages,
                        letter.pdf_sha256,
                    ]
                )
            )
        buffer = io.BytesIO()
        writer.write(buffer)
        pdf_bytes = buffer.getvalue()
        csv_bytes = manifest.getvalue().encode("utf-8-sig")
        batch = LetterBatch(
            day=day,
            letters_count=len(letters),
            pdf_sha256=sha256_hex(pdf_bytes),
            manifest_sha256=sha256_hex(csv_bytes),
            created_by=user_or_none(actor),
        )
        batch.pdf.save(f"courriers-{day:%Y-%m-%d}.pdf", ContentFile(pdf_bytes), save=False)
        batch.manifest.save(f"bordereau-{day:%Y-%m-%d}.csv", ContentFile(csv_bytes), save=False)
        dossier_services.journaled_save(
            batch, actor=actor, reason=f"lot de {len(letters)} courriers du {day:%d/%m/%Y}"
        )
        for letter in letters:
            letter.batch = batch
            dossier_services.journaled_save(letter, actor=actor, reason="courrier mis sous pli")
    return batch


def _lock_letter(sent: SentMessage, *, action: str) -> SentMessage:
    """The letter, locked after its dossier, for a person's action on it: refused when the
    dossier is closed (``refuse_closed``)."""
    dossier_services.refuse_closed(dossier_services.lock_dossier(sent.dossier_id), action=action)
    sent = SentMessage.objects.select_for_update().get(pk=sent.pk)
    if sent.channel not in LETTER_CHANNELS:
        raise ValidationError("Cet envoi n'est pas un courrier.")
    return sent


def registered_number_set(
    *, sent: SentMessage, number: str, actor, deposited_on: date | None = None
) -> SentMessage:
    """The registered-letter number from La Poste's label (1A 123 456 7890 1 style) and, when
    given, the day the letter was deposited at the post office (La Poste's receipt). A formal
    notice's deadline runs from that deposit (``relances.planning.notice_state``): the
    dossier's next action is recomputed. A deposit in the future or before the letter was
    printed is refused and changes nothing."""
    number = "".join((number or "").split()).upper()
    if not number or not number.isalnum() or not 8 <= len(number) <= 20:
        raise ValidationError(
            {"number": "Numéro de recommandé invalide (8 à 20 lettres et chiffres)."}
        )
    with transaction.atomic():
        sent = _lock_letter(sent, action="enregistrer le numéro de recommandé")
        if sent.channel != Channel.REGISTERED_LETTER:
            raise ValidationError("Seule une lettre recommandée porte un numéro.")
        printed_on = timezone.localdate(sent.sent_at)
        if deposited_on is not None:
            if deposited_on > timezone.localdate():
                raise ValidationError(
                    {"deposited_on": "La date de dépôt à La Poste ne peut pas être dans le futur."}
                )
            if deposited_on < printed_on:
                raise ValidationError(
                    {
                        "deposited_on": "La date de dépôt à La Poste ne peut pas précéder "
                        f"l'édition du courrier ({printed_on:%d/%m/%Y})."
                    }
                )
        sent.registered_number = number
        reason = f"numéro de recommandé {number}"
        if deposited_on is not None:
            reason += f", déposé à La Poste le {deposited_on:%d/%m/%Y}"
        dossier_services.journaled_save(sent, actor=actor, reason=reason)
        reminder = sent.reminder
        if deposited_on is not None and reminder is not None:
            reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
            if reminder.deposited_on != deposited_on:
                reminder.deposited_on = deposited_on
                dossier_services.journaled_save(
                    reminder,
                    actor=actor,
                    reason=f"déposée à La Poste le {deposited_on:%d/%m/%Y}",
                )
                if reminder.step.stage == Stage.FORMAL_NOTICE:
                    dossier_services.formal_notice_deposited(
                        dossier=sent.dossier,
                        sent_on=printed_on,
                        deposited_on=deposited_on,
                        actor=actor,
                    )
    return sent


def receipt_upload(
    *, sent: SentMessage, file, actor, received_on: date | None = None
) -> SentMessage:
    """The acknowledgment of receipt (AR) is kept as Evidence; the letter is delivered."""
    received_on = received_on or timezone.localdate()
    with transaction.atomic():
        sent = _lock_letter(sent, action="déposer l'accusé de réception")
        if sent.channel != Channel.REGISTERED_LETTER:
            raise ValidationError("Seule une lettre recommandée a un accusé de réception.")
        evidence = dossier_services.evidence_add(
            dossier=sent.dossier,
            file=file,
            kind=Evidence.Kind.ACKNOWLEDGMENT,
            actor=actor,
            description=f"AR de la lettre recommandée {sent.registered_number}".strip(),
            reason="accusé de réception déposé",
        )
        sent.receipt = evidence
        sent.status = SentMessage.Status.DELIVERED
        sent.status_changed_on = received_on
        dossier_services.journaled_save(
            sent, actor=actor, reason=f"distribué le {received_on:%d/%m/%Y} (AR)"
        )
    return sent


def letter_returned(*, sent: SentMessage, actor, note: str) -> SentMessage:
    """A letter came back (NPAI...): recorded, and its reminder fails so a person acts."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Indiquez le motif du retour (NPAI, refusé…)."})
    with transaction.atomic():
        sent = _lock_letter(sent, action="enregistrer le retour du courrier")
        sent.status = SentMessage.Status.RETURNED
        sent.status_note = note[:300]
        sent.status_changed_on = timezone.localdate()
        dossier_services.journaled_save(sent, actor=actor, reason=f"courrier retourné : {note}")
        if sent.reminder_id:
            from relances.services import reminder_mark_failed

            reminder_mark_failed(
                reminder_id=sent.reminder_id, error=f"courrier retourné ({note})", actor=actor
            )
    return sent


def message_bounced(*, message_id: str, error: str, actor=None) -> SentMessage | None:
    """A bounce or a delivery failure reported for an e-mail, found by its Message-ID."""
    with transaction.atomic():
        sent = SentMessage.objects.select_for_update().filter(message_id=message_id).first()
        if sent is None:
            return None
        sent.status = SentMessage.Status.FAILED
        sent.status_note = error[:300]
        sent.status_changed_on = timezone.localdate()
        dossier_services.journaled_save(sent, actor=actor, reason=f"non distribué : {error}")
        if sent.reminder_id:
            from relances.services import reminder_mark_failed

            reminder_mark_failed(reminder_id=sent.reminder_id, error=error, actor=actor)
    return sent


# --- Approval batches -----------------------------------------------------------------------------


def approval_summary(reminder_ids: list[int]) -> dict:
    """What a batch approval is about to send, for its confirmation step: how many letters, the
    total they demand (the dossiers' balances), and the channels, registered letters apart."""
    reminders = list(
        Reminder.objects.filter(pk__in=reminder_ids)
        .select_related("dossier__debtor", "step")
        .order_by("scheduled_for", "pk")
    )
    balances = dict(
        Dossier.objects.filter(pk__in={r.dossier_id for r in reminders})
        .with_balance()
        .values_list("pk", "balance")
    )
    total = sum((balances.get(pk) or 0 for pk in {r.dossier_id for r in reminders}), Decimal(0))
    channels: dict[str, int] = {}
    for reminder in reminders:
        label = reminder.get_channel_display()
        channels[label] = channels.get(label, 0) + 1
    registered = sum(1 for r in reminders if r.channel == Channel.REGISTERED_LETTER)
    return {
        "count": len(reminders),
        "total": euros(total),
        "registered": registered,
        "others": sorted(
            (label, count)
            for label, count in channels.items()
            if label != Channel.REGISTERED_LETTER.label
        ),
        "rows": [(r, euros(balances.get(r.dossier_id) or 0)) for r in reminders],
    }


def approval_batch_start(
    *, reminder_ids: list[int], actor, background: bool = False
) -> ApprovalBatch:
    """Record the batch of exactly these reminders and start it after commit: queued for the
    Celery worker, or, with ``background`` and no worker (``APPROVAL_BATCH_IN_THREAD``), in a
    thread of this process, so that the request returns at once either way."""
    ids = sorted({int(pk) for pk in reminder_ids})
    if not ids:
        raise ValidationError("Sélectionnez au moins un courrier à valider.")
    batch = ApprovalBatch.objects.create(reminder_ids=ids, total=len(ids), created_by=actor)
    if background and getattr(settings, "APPROVAL_BATCH_IN_THREAD", False):
        transaction.on_commit(partial(_run_in_thread, batch.pk))
    else:
        transaction.on_commit(partial(queue, "courriers.approval_batch", batch_id=batch.pk))
    return batch


def _run_in_thread(batch_id: int) -> None:
    def run():
        from django.db import connection

        try:
            approval_batch_run(batch_id=batch_id)
        except Exception:  # a thread has no one to report to but the log
            logger.exception("validation groupée %s interrompue", batch_id)
        finally:
            connection.close()

    threading.Thread(target=run, name=f"validation-{batch_id}", daemon=True).start()


def _outcome(pk: int, reminder: Reminder | None, error: str = "") -> dict:
    """One letter's line in the batch's outcome."""
    if reminder is None:
        return {"reminder": pk, "reference": "", "debtor": "", "ok": False, "detail": error}
    reminder.refresh_from_db()
    detail = error
    if not error:
        detail = {
            Reminder.Status.SENT: "envoyé"
            + (f" le {timezone.localtime(reminder.sent_at):%d/%m/%Y}" if reminder.sent_at else ""),
            Reminder.Status.PLANNED: "validé, envoi en file d'attente",
        }.get(reminder.status, f"non envoyé : {reminder.note}")
    return {
        "reminder": pk,
        "reference": reminder.dossier.reference,
        "debtor": reminder.dossier.debtor.name,
        "channel": reminder.get_channel_display(),
        "ok": not error and reminder.status in (Reminder.Status.SENT, Reminder.Status.PLANNED),
        "detail": detail,
    }


def approval_batch_run(*, batch_id: int) -> ApprovalBatch:
    """Approve each reminder in its own transaction, publishing progress and the letter's
    outcome after each."""
    from relances.services import reminder_approve

    batch = ApprovalBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status == ApprovalBatch.Status.DONE:
        return batch
    handled = batch.done + batch.failed
    for pk in batch.reminder_ids[handled:]:
        reminder = Reminder.objects.select_related("dossier__debtor", "step").filter(pk=pk).first()
        error = ""
        try:
            if reminder is None:
                raise ValidationError("Relance introuvable.")
            # A task a user started acts with that user's scope, as it stands when it runs
            # (the dossier may have changed hands since the click).
            if batch.created_by is not None and not scoping.may_join(
                batch.created_by, reminder.dossier
            ):
                raise ValidationError(scoping.OUT_OF_PORTFOLIO)
            reminder_approve(reminder=reminder, actor=batch.created_by)
            batch.done += 1
        except ValidationError as exc:
            batch.failed += 1
            error = "; ".join(exc.messages)
            batch.errors += f"Relance {pk} : {error}\n"
        batch.outcomes = [*batch.outcomes, _outcome(pk, reminder, error)]
        batch.save(update_fields=["done", "failed", "errors", "outcomes"])
    batch.status = ApprovalBatch.Status.DONE
    batch.save(update_fields=["status"])
    return batch


def letters_to_approve():
    """Planned steps that need a person's approval, not yet approved, with what the preview
    and the list show."""
    return (
        Reminder.objects.filter(
            status=Reminder.Status.PLANNED,
            step__needs_approval=True,
            approved_at__isnull=True,
            channel__in=[Channel.EMAIL, Channel.SMS, *LETTER_CHANNELS],
        )
        .select_related("dossier__creditor", "dossier__debtor", "step")
        .order_by("scheduled_for", "pk")
    )


KIND_LABELS = dict(TemplateKind.choices)


def _locked_planned(reminder_id: int, dossier_id: int) -> Reminder | None:
    """The reminder under its dossier's lock then its own (the order every writer of a dossier
    follows), if it is still planned and, when it needs one, approved."""
    dossier_services.lock_dossier(dossier_id)
    reminder = (
        Reminder.objects.select_for_update(skip_locked=True)
        .select_related("dossier__creditor", "step")
        .filter(pk=reminder_id, status=Reminder.Status.PLANNED)
        .first()
    )
    if reminder is None:
        return None
    if reminder.step.needs_approval and reminder.approved_at is None:
        return None  # a step that needs a person's approval never leaves without it
    return reminder


def fault_point(key: str, stage: str) -> None:
    """Where the kill tests stop a delivery (tests/courriers/test_kill_worker.py): with
    ``DELIVERY_FAULT_DIR`` set (test settings only) and a file ``pause-<key>-<stage>`` in it, the
    file is renamed ``reached-<key>-<stage>`` (once) and the worker waits there until the test
    kills it with ``kill -9``. Stages: ``before_send`` (the attempt committed), ``after_send``
    (the server said 250), ``before_commit`` (the result written, not committed)."""
    folder = getattr(settings, "DELIVERY_FAULT_DIR", "")
    if not folder:
        return
    try:
        Path(folder, f"pause-{key}-{stage}").rename(Path(folder, f"reached-{key}-{stage}"))
    except FileNotFoundError:
        return
    deadline = time.monotonic() + 120  # a test that died never leaves a worker waiting forever
    while time.monotonic() < deadline:
        time.sleep(0.05)
    raise RuntimeError(f"point d'arrêt {stage} : le test n'a pas arrêté le travailleur")


def _content_sha256(document: Document) -> str:
    content = "\0".join([document.subject[:300], document.text, document.html]).encode()
    return hashlib.sha256(content + b"\0" + document.pdf).hexdigest()


def _attempt_open(
    *,
    document: Document,
    channel: str,
    recipient: str,
    dossier,
    subject: dict,
    key: str = "",
) -> DeliveryAttempt | None:
    """The outbox row of this attempt, written in the caller's transaction (committed before
    the send). ``subject``: ``{"reminder": r}``, ``{"call_log": c}`` or a one-off message's
    ``{"label": …}``. Its key (``message_id``) is the subject's first attempt's (``key`` for a
    first one): a resend after a crash or an outage carries the same one. ``None`` when another
    attempt is in progress (started less than ``DELIVERY_ATTEMPT_LEASE_SECONDS`` ago, a
    duplicate task): nothing is sent."""
    now = timezone.now()
    if "label" in subject:
        earlier = DeliveryAttempt.objects.filter(message_id=key)
    else:
        earlier = DeliveryAttempt.objects.filter(**subject)
    attempts = list(earlier.select_for_update().order_by("started_at", "pk"))
    for attempt in attempts:
        if attempt.status != DeliveryAttempt.Status.PENDING:
            continue
        lease = timedelta(seconds=settings.DELIVERY_ATTEMPT_LEASE_SECONDS)
        if attempt.started_at > now - lease:
            return None
        # Its worker died between the commit of the attempt and the commit of its result: the
        # message may or may not have gone. The rule: send again with the same key.
        attempt.status = DeliveryAttempt.Status.UNKNOWN
        attempt.finished_at = now
        attempt.error = "interrompu (le travailleur s'est arrêté) : renvoyé avec le même Message-ID"
        dossier_services.journaled_save(
            attempt, actor=None, reason="essai d'envoi interrompu, issue inconnue"
        )
        logger.warning(
            "%s du dossier %s : essai d'envoi %s interrompu (issue inconnue), renvoi avec le même "
            "Message-ID",
            attempt.subject,
            dossier.pk,
            attempt.message_id,
        )
    attempt = DeliveryAttempt(
        dossier=dossier,
        channel=channel,
        recipient=recipient[:500],
        message_id=attempts[0].message_id if attempts else (key or new_message_id()),
        content_sha256=_content_sha256(document),
        started_at=now,
        **subject,
    )
    dossier_services.journaled_save(attempt, actor=None, reason="essai d'envoi commencé")
    return attempt


def _attempt_close(attempt: DeliveryAttempt, *, error: str = "", provider_id: str = "") -> None:
    """The attempt's result, and the channel's health: a failure opens (or extends) its
    outage, an accepted attempt closes it (``outage_failure``, ``outage_close``)."""
    attempt.status = DeliveryAttempt.Status.FAILED if error else DeliveryAttempt.Status.ACCEPTED
    attempt.error = error[:300]
    attempt.provider_id = provider_id[:200]
    attempt.finished_at = timezone.now()
    dossier_services.journaled_save(
        attempt,
        actor=None,
        reason=f"essai d'envoi en échec : {error}" if error else "accepté par le serveur",
    )
    if error:
        outage_failure(channel=attempt.channel, error=error, at=attempt.finished_at)
    else:
        outage_close(channel=attempt.channel, at=attempt.finished_at)


def attempt_retry_at(*, attempt_id: int | None, retry_at) -> None:
    """The time of the next attempt, shown on « Envois en attente ou en échec »."""
    if attempt_id is None:
        return
    with transaction.atomic():
        attempt = DeliveryAttempt.objects.select_for_update().filter(pk=attempt_id).first()
        if attempt is None:
            return
        attempt.retry_at = retry_at
        local = timezone.localtime(retry_at)
        dossier_services.journaled_save(
            attempt, actor=None, reason=f"nouvel essai à {local.hour} h {local:%M}"
        )


def _outbox_send(attempt: DeliveryAttempt, document: Document, key: str, record):
    """(2) send outside any transaction, (3) commit the result with ``record()`` (the evidence,
    the subject's new state). A failure closes the attempt *failed* and propagates, with the
    attempt's id on the exception (``delivery_attempt_id``) for the retry's time."""
    fault_point(key, "before_send")
    try:
        provider_id = _hand_over(document, attempt.channel, attempt.recipient, attempt.message_id)
    except Exception as exc:
        with transaction.atomic():
            _attempt_close(attempt, error=delivery_error(exc))
        exc.delivery_attempt_id = attempt.pk
        raise
    fault_point(key, "after_send")
    with transaction.atomic():
        result = record()
        reference = "" if provider_id == attempt.message_id else provider_id
        _attempt_close(attempt, provider_id=reference)
        fault_point(key, "before_commit")
    return result


# --- Channel outages ------------------------------------------------------------------------------


def outage_failure(*, channel: str, error: str, at) -> ChannelOutage:
    """A failed attempt on ``channel``: the open outage extended, or a new one opened."""
    outage = (
        ChannelOutage.objects.select_for_update().filter(channel=channel, ended_at=None).first()
    )
    if outage is None:
        try:
            with transaction.atomic():
                outage = ChannelOutage.objects.create(
                    channel=channel, started_at=at, last_failure_at=at, last_error=""
                )
        except IntegrityError:  # another worker opened it at the same moment
            outage = ChannelOutage.objects.select_for_update().get(channel=channel, ended_at=None)
        logger.warning("canal %s en échec depuis %s : %s", channel, at, error_kind(error))
    outage.failures += 1
    outage.last_error = error_kind(error)
    outage.last_failure_at = at
    outage.save(update_fields=["failures", "last_error", "last_failure_at"])
    outages_alert(now=at)
    return outage


def outage_close(*, channel: str, at) -> int:
    """An accepted attempt: the channel's open outage ends."""
    closed = ChannelOutage.objects.filter(channel=channel, ended_at=None).update(ended_at=at)
    if closed:
        logger.warning("canal %s rétabli à %s", channel, at)
    return closed


def outages_open():
    return ChannelOutage.objects.filter(ended_at=None).order_by("started_at")


def outages_alerting(now=None):
    """The open outages that have lasted ``CHANNEL_OUTAGE_ALERT_MINUTES``: the alert shown to
    the managers."""
    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.CHANNEL_OUTAGE_ALERT_MINUTES)
    return outages_open().filter(started_at__lte=limit)


CHANNEL_WORDS = {
    Channel.EMAIL: "e-mail",
    Channel.SMS: "SMS",
    Channel.LETTER: "courrier simple",
    Channel.REGISTERED_LETTER: "lettre recommandée",
}


def outage_text(outage: ChannelOutage) -> str:
    """« Envoi par e-mail en panne depuis 14 h 02 (serveur SMTP injoignable, 12 essais en
    échec) »."""
    local = timezone.localtime(outage.started_at)
    since = (
        f"{local.hour} h {local:%M}"
        if local.date() == timezone.localdate()
        else f"le {local:%d/%m/%Y} à {local.hour} h {local:%M}"
    )
    return (
        f"Envoi par {CHANNEL_WORDS.get(outage.channel, outage.get_channel_display().lower())} "
        f"en panne depuis {since} "
        f"({outage.last_error}, {outage.failures} essai{'s' if outage.failures > 1 else ''} "
        "en échec)"
    )


def outages_alert(*, now=None) -> list[int]:
    """Alert the managers, once per outage, by e-mail (after the commit; if e-mail is the channel
    down, the alert on « Ma journée » and the dashboard remains). Called at each failure and
    by the beat every 5 minutes (``courriers.outages_check``)."""
    now = now or timezone.now()
    due = list(outages_alerting(now).filter(alerted_at=None).select_for_update(skip_locked=True))
    for outage in due:
        outage.alerted_at = now
        outage.save(update_fields=["alerted_at"])
        logger.error("alerte des responsables : %s", outage_text(outage))
        transaction.on_commit(partial(_mail_managers, outage_text(outage)))
    return [o.pk for o in due]


def _mail_managers(text: str) -> None:
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    from accounts import roles

    emails = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.MANAGER)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not emails:
        return
    try:
        send_mail(
            subject=f"[Recouvrement] {text}",
            message=(
                f"{text}.\n\nLes envois en attente et leurs prochains essais : page « Envois en "
                "attente ou en échec » (Courriers)."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=emails,
        )
    except Exception as exc:  # the channel down may be e-mail itself: the page still says it
        logger.warning("alerte des responsables non envoyée par e-mail : %s", exc)


# --- Reminders ------------------------------------------------------------------------------------


def reminder_deliver(*, reminder_id: int) -> bool:
    """Deliver a planned reminder once in effect, on any channel, through the outbox: (1) under
    the dossier's and the reminder's locks, render and commit the attempt (``DeliveryAttempt``:
    its key — the e-mail's Message-ID —, channel, recipient, content hash); (2) hand it over
    outside any transaction (SMTP server, SMS provider, postal backend); (3) commit the result:
    the attempt accepted, the evidence, the reminder sent (or the attempt failed, and the task
    retries). A worker killed between (1) and (3) leaves a pending attempt; the task
    redelivered (``visibility_timeout``, or the sweeper) sends again with the same key.
    A cancellation committed during the send (seconds) does not stop it: its evidence is kept
    all the same."""
    dossier_id = Reminder.objects.filter(pk=reminder_id).values_list("dossier_id", flat=True)
    if not dossier_id:
        return False
    with transaction.atomic():
        reminder = _locked_planned(reminder_id, dossier_id[0])
        if reminder is None:
            return False
        today = timezone.localdate()
        try:
            # Dated, counted and figured on the day it goes out (never its planned day); built
            # just before by a caller rendering the day's PDFs ahead (``prepared_document``).
            document = prepared_document(reminder_id, on=today) or reminder_document(
                reminder, on=today
            )
            if document.layout.get("nothing_due"):
                return _cancel_nothing_due(reminder, on=today)
            channel = _channel_of(document, reminder.channel)
            recipient = _recipient(document, channel)
        except (NoRecipient, ValidationError, MessageTemplate.DoesNotExist) as exc:
            _mark_failed(reminder, exc)
            return False
        attempt = _attempt_open(
            document=document,
            channel=channel,
            recipient=recipient,
            dossier=reminder.dossier,
            subject={"reminder": reminder},
        )
        if attempt is None:
            return False

    def record():
        # The locks in the usual order (dossier, reminder, then its attempts): a duplicate task
        # in _attempt_open holds them in that order too.
        dossier_services.lock_dossier(dossier_id[0])
        locked = (
            Reminder.objects.select_for_update()
            .select_related("dossier__creditor", "step")
            .get(pk=reminder_id)
        )
        return _record_sent(locked, document, channel, recipient, attempt.message_id)

    _outbox_send(attempt, document, f"reminder{reminder_id}", record)
    return True
