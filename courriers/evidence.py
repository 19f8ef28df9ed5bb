"""What went out, kept as evidence: the exact subject, text, HTML and PDF with their SHA-256.

Rendering stores nothing; this is where a rendered ``Document`` becomes a record (a journaled
``SentMessage`` and its PDF file), once the message is sent (``courriers.delivery``) or, for
callers that deliver by other means, without sending it.

- ``store_evidence``: keeps one rendered document as it went out.
- ``keep_reminder_evidence``: renders one reminder and keeps it, without sending it.
"""

from __future__ import annotations

from datetime import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from courriers.models import SentMessage, sha256_hex
from courriers.rendering import Document, reminder_document
from journal.journaled import journaled_save
from relances.models import Channel


def store_evidence(
    *,
    document: Document,
    channel: str,
    recipient: str,
    actor=None,
    reminder=None,
    call_log=None,
    message_id: str = "",
    sent_at: datetime | None = None,
    with_pdf: bool = True,
    reason: str = "envoi conservé comme preuve",
) -> SentMessage:
    """Keep exactly what went out: subject, text, HTML and PDF with their SHA-256."""
    text = document.sms_text or document.text
    html = "" if channel == Channel.SMS else document.html
    pdf = document.sent_pdf if with_pdf and channel != Channel.SMS else b""
    sent = SentMessage(
        dossier=document.dossier,
        reminder=reminder,
        call_log=call_log,
        template=document.template,
        kind=document.template.kind,
        channel=channel,
        recipient=recipient[:500],
        is_test=document.is_test,
        subject=document.subject[:300],
        body_text=text,
        body_html=html,
        text_sha256=sha256_hex(text),
        html_sha256=sha256_hex(html) if html else "",
        pdf_sha256=sha256_hex(pdf) if pdf else "",
        message_id=message_id[:300],
        sent_at=sent_at or timezone.now(),
    )
    if pdf:
        stem = f"{document.template.code}-{document.on:%Y%m%d}-{sent.pdf_sha256[:12]}"
        sent.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    journaled_save(sent, actor=actor, reason=reason)
    return sent


def keep_reminder_evidence(
    reminder, *, actor=None, document: Document | None = None
) -> SentMessage:
    """Render one reminder and keep it as evidence (files and SHA-256), without sending it:
    for callers that deliver by other means, and for benchmarks of the storing step."""
    document = document or reminder_document(reminder)
    recipient = {
        Channel.EMAIL: document.recipient_email,
        Channel.SMS: document.recipient_phone,
    }.get(reminder.channel, document.recipient_address)
    return store_evidence(
        document=document,
        channel=reminder.channel,
        recipient=recipient,
        actor=actor,
        reminder=reminder,
        reason=f"document conservé : {reminder.step.label}",
    )
