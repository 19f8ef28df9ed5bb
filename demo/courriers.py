"""The letters' part of the demo (after the cadence's walk, inside seed_demo's transaction).

Before the walk (``creditor_messaging``), one creditor is put in test mode (its messages go to
its test address, marked TEST), one gets a payment link and the thank-you message; the walk
delivers each reminder on its day (its evidence kept: subject, text, HTML, PDF and their
SHA-256) and batches each day's letters. Here: the call's recap goes out, a registered formal
notice the walk sent gets its number and, three days later, its acknowledgment of receipt; the
last weeks' notices wait for approval; today's letters make a printable batch.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from courriers import delivery
from courriers.models import CreditorMessaging, SentMessage
from dossiers.models import Creditor
from relances import services
from relances.models import DELIVERED_CHANNELS, CallLog, Channel, Reminder


def _ack_of_receipt(number: str) -> SimpleUploadedFile:
    """A minimal one-page PDF standing for the scanned acknowledgment of receipt."""
    text = f"Avis de reception - lettre recommandee {number} - distribuee".encode("latin-1")
    stream = b"BT /F1 12 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number_, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number_} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return SimpleUploadedFile("accuse-de-reception.pdf", out, content_type="application/pdf")


def creditor_messaging(*, seeder) -> None:
    """Before the first letter of the walk: one creditor in test mode, one with a payment link
    and the thank-you message."""
    creditors = list(Creditor.objects.order_by("pk"))
    if len(creditors) >= 2:
        CreditorMessaging.objects.update_or_create(
            creditor=creditors[-1],
            defaults={"test_mode": True, "test_email": "essais-recouvrement@example.fr"},
        )
    if creditors:
        CreditorMessaging.objects.update_or_create(
            creditor=creditors[0],
            defaults={
                "payment_link_pattern": (
                    "https://paiement.example.fr/regler?facture={invoice}&montant={amount}"
                ),
                "thank_you_enabled": True,
            },
        )


def _registered_letter_sent(seeder) -> SentMessage | None:
    """A registered formal notice the walk sent (approved, printed in its day's batch), or one
    approved and sent now if the walk sent none."""
    sent = (
        SentMessage.objects.filter(
            channel=Channel.REGISTERED_LETTER, registered_number="", reminder__isnull=False
        )
        .exclude(dossier__creditor__messaging__test_mode=True)
        .order_by("-sent_at", "-pk")
        .first()
    )
    if sent is not None:
        return sent
    notices = (
        delivery.letters_to_approve()
        .filter(channel=Channel.REGISTERED_LETTER, dossier__state="formal_notice")
        .exclude(dossier__creditor__messaging__test_mode=True)
    )
    for notice in notices:
        try:
            services.reminder_approve(reminder=notice, actor=seeder.controller, on=seeder.today)
        except ValidationError:
            continue  # paused or closed dossier: its letter stays where it is
        delivery.reminder_deliver(reminder_id=notice.pk)
        return SentMessage.objects.filter(reminder=notice).first()
    return None


def letters_demo(*, seeder) -> list[str]:
    lines = []
    tester = CreditorMessaging.objects.filter(test_mode=True).select_related("creditor").first()
    if tester is not None:
        lines.append(
            f"Mode test   {tester.creditor} : ses messages partent vers son adresse de test"
        )
    # The walk delivered each day's reminders; deliver now anything left for today.
    planned = (
        Reminder.objects.filter(status=Reminder.Status.PLANNED, channel__in=DELIVERED_CHANNELS)
        .exclude(step__needs_approval=True, approved_at__isnull=True)
        .order_by("scheduled_for", "pk")
        .values_list("pk", flat=True)
    )
    for pk in list(planned):
        delivery.reminder_deliver(reminder_id=pk)
    for call in CallLog.objects.filter(recap_status=CallLog.Recap.TO_SEND):
        with seeder.clock.moment(timezone.localdate(call.called_at), 12):
            delivery.call_recap_send(call_id=call.pk)
    sent = _registered_letter_sent(seeder)
    if sent is not None and sent.channel == Channel.REGISTERED_LETTER:
        # Deposited at the post office the day it was printed (the notice's deadline runs from
        # there); its acknowledgment of receipt came back 3 days later.
        posted = timezone.localdate(sent.sent_at)
        with seeder.clock.moment(posted, 17, 30):
            sent = delivery.registered_number_set(
                sent=sent, number="1A15432167890", deposited_on=posted, actor=seeder.controller
            )
    waiting = len(delivery.letters_to_approve())
    if waiting:
        lines.append(f"Courriers   {waiting} en attente de validation (menu Courriers)")
    if delivery.letters_waiting().exists():
        batch = delivery.letter_batch_create(actor=seeder.controller, day=seeder.today)
        lines.append(f"Lot du jour {batch} : PDF à imprimer et bordereau CSV")
    if sent is not None and sent.channel == Channel.REGISTERED_LETTER:
        received_on = min(posted + timedelta(days=3), seeder.today)
        with seeder.clock.moment(received_on, 11):
            delivery.receipt_upload(
                sent=sent,
                file=_ack_of_receipt(sent.registered_number),
                actor=seeder.controller,
                received_on=received_on,
            )
        lines.append(
            f"Recommandé {sent.registered_number} distribué, AR déposé : {sent.dossier.reference}"
        )
    sent_count = SentMessage.objects.count()
    lines.append(f"Envois      {sent_count} messages et courriers conservés comme preuves")
    return lines
