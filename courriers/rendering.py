"""From a template version and a context to what goes out: subject, text, e-mail HTML, print
HTML, SMS text, and a deterministic WeasyPrint PDF.

Rendering stores nothing (the preview and the benchmarks use it as is); keeping what went out
is ``courriers.evidence``. The ``Document`` is the type the sending and the evidence share: the
exact texts that go out, and the PDF made on demand.

- ``render_document``: subject, text, e-mail HTML, print HTML for one dossier at one date.
- ``reminder_document`` / ``render_letter(reminder) -> bytes``: the whole pipeline for one
  reminder, nothing stored.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from courriers.context import build_context, messaging_for, qr_data_uri
from courriers.models import MessageTemplate
from courriers.versions import SMS_MAX_CHARS, UNKNOWN, reminder_template, render_text
from dossiers.models import Dossier
from journal import signing
from legal import wording
from legal.references import epc_qr_png
from relances.models import Channel, Stage

PDF_VARIANT = getattr(settings, "LETTERS_PDF_VARIANT", "pdf/a-3b")


@dataclass
class Document:
    """One rendered message: the exact texts that go out, and the PDF made on demand."""

    template: MessageTemplate
    dossier: Dossier
    on: date
    subject: str
    text: str
    html: str
    print_html: str
    recipient_email: str = ""
    recipient_phone: str = ""
    recipient_address: str = ""
    is_test: bool = False
    reply_to: str = ""
    sms_text: str = ""
    layout: dict = field(default_factory=dict)
    _pdf: bytes | None = None
    _sent_pdf: bytes | None = None

    @property
    def pdf(self) -> bytes:
        if self._pdf is None:
            self._pdf = render_pdf(
                self.print_html,
                on=self.on,
                title=self.subject,
                author=self.dossier.creditor.legal_name,
            )
        return self._pdf

    @property
    def sent_pdf(self) -> bytes:
        """The PDF as it goes out: ``pdf`` signed PAdES (and timestamped) when a signing
        certificate is configured (``journal.signing``), else ``pdf`` itself. The signature is
        an incremental update: ``pdf`` (what the preview shows) is exactly its first bytes.
        Signed once per document, so the e-mail's attachment and the stored evidence are the
        same bytes."""
        if self._sent_pdf is None:
            self._sent_pdf = signing.sign_pdf(
                self.pdf, reason=self.subject, location=self.dossier.creditor.legal_name
            )
        return self._sent_pdf


def render_document(
    template: MessageTemplate,
    dossier: Dossier,
    *,
    on: date,
    extra: dict | None = None,
    include_not_due: bool = False,
) -> Document:
    """Fill the template and the layout for one dossier at one date (nothing stored)."""
    variables, layout = build_context(
        dossier, kind=template.kind, on=on, extra=extra, include_not_due=include_not_due
    )
    subject = " ".join(render_text(template.subject, variables).split())
    body = render_text(template.body, variables).strip().replace(UNKNOWN, "")
    subject = subject.replace(UNKNOWN, "")
    consumer = dossier.debtor.kind != "professional"
    findings = wording.forbidden_phrases(
        f"{subject}\n{body}", consumer=consumer, letter_kind=template.kind
    )
    if findings:
        raise ValidationError(
            [f"Formulation interdite « {f.phrase} » : {f.reason}" for f in findings]
        )
    messaging = messaging_for(dossier.creditor)
    if messaging.test_mode:
        subject = f"[TEST] {subject}"
    page = {"subject": subject, "paragraphs": body.split("\n\n"), **layout}
    text = render_to_string("courriers/document.txt", page)
    html = french_spacing(
        render_to_string(
            "courriers/document.html",
            {**page, "medium": "email", "transfer_qr_image": _qr_image(layout, "png")},
        )
    )
    print_html = french_spacing(
        render_to_string(
            "courriers/document.html",
            {**page, "medium": "print", "transfer_qr_image": _qr_image(layout, "print")},
        )
    )
    contact = dossier.debtor.reminder_contact
    document = Document(
        template=template,
        dossier=dossier,
        on=on,
        subject=subject,
        text=text,
        html=html,
        print_html=print_html,
        recipient_email=(
            messaging.test_email if messaging.test_mode else (contact.email if contact else "")
        ),
        recipient_phone="" if messaging.test_mode else (contact.phone if contact else ""),
        recipient_address="\n".join(
            [
                layout["debtor"]["name"],
                *filter(None, layout["debtor"]["address"]),
                layout["debtor"]["city"],
            ]
        ),
        is_test=messaging.test_mode,
        reply_to=layout["creditor"]["reply_to"],
        layout=layout,
    )
    if template.channel == Channel.SMS:
        document.sms_text = _sms_text(
            body,
            dossier,
            rf_reference=layout["rf_reference"] if layout["asks_payment"] else "",
            portal=layout.get("portal_link", ""),
        )
    return document


def _qr_image(layout: dict, kind: str) -> str:
    """The transfer's EPC QR code as a PNG data: URI: in the PDF one pixel per module, drawn
    sharp at its printed size (``legal.references.qr_modules_png``); in the e-mail four pixels
    per module (mail readers smooth what they enlarge, and most show no SVG)."""
    payload = layout.get("transfer_qr")
    if not payload:
        return ""
    if kind == "print":
        return qr_data_uri(payload)
    return f"data:image/png;base64,{base64.b64encode(epc_qr_png(payload)).decode()}"


_BEFORE_PUNCTUATION = re.compile(r"(?<=\S) ([:;!?»])")
_AFTER_QUOTE = re.compile(r"« ")


def french_spacing(html: str) -> str:
    """French typography: a narrow no-break space before : ; ! ? » and after «, so that a
    line never starts with the punctuation."""
    return _AFTER_QUOTE.sub("«\u202f", _BEFORE_PUNCTUATION.sub("\u202f\\1", html))


def _sms_text(body: str, dossier: Dossier, *, rf_reference: str = "", portal: str = "") -> str:
    """One or two SMS: the wording, the RF reference to quote on a transfer (unless the wording
    already gives it), the debtor's page, then where to read the privacy notice."""
    tail = f" Données perso : {dossier.creditor.privacy_policy_url}"
    if portal:
        tail = f" Votre dossier : {portal}{tail}"
    if rf_reference and rf_reference not in body:
        tail = f" Réf. virement : {rf_reference}.{tail}"
    room = SMS_MAX_CHARS - len(tail)
    body = " ".join(body.split())
    if len(body) > room:
        body = body[: room - 1].rstrip() + "…"
    return body + tail


_WEASYPRINT = threading.local()


def _font_config():
    """WeasyPrint's font configuration, one per thread and kept: a new one per document (its
    default) loads the fonts again, ~13 % of a letter's rendering; the bytes are the same."""
    if not hasattr(_WEASYPRINT, "font_config"):
        from weasyprint.text.fonts import FontConfiguration

        _WEASYPRINT.font_config = FontConfiguration()
    return _WEASYPRINT.font_config


# The PDFs rendered last, by the SHA-256 of what they were rendered from. Rendering is
# deterministic (the same inputs give the same bytes), so a preview followed by the sending,
# or a PDF rendered ahead of time by ``prerender``, is never rendered twice.
_RENDERED: OrderedDict[str, bytes] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
RENDERED_KEPT = 256


def _render_key(html: str, on: date, title: str, author: str) -> str:
    return hashlib.sha256("\0".join([html, on.isoformat(), title, author]).encode()).hexdigest()


def _keep_rendered(key: str, pdf: bytes) -> None:
    with _RENDERED_LOCK:
        _RENDERED[key] = pdf
        _RENDERED.move_to_end(key)
        while len(_RENDERED) > RENDERED_KEPT:
            _RENDERED.popitem(last=False)


# PDFs being rendered ahead in a pool of processes (``prerender``), by the same key, with the
# date of their document: the sending waits for its own instead of rendering it a second time.
_PENDING: dict[str, tuple[date, object]] = {}
PRERENDER_WAIT_SECONDS = 300


def render_pdf(html: str, *, on: date, title: str, author: str) -> bytes:
    """A4 PDF (PDF/A-3b when available) whose metadata dates are the document's date, so that
    the same document renders to the same bytes (and is rendered once: ``_RENDERED``)."""
    key = _render_key(html, on, title, author)
    with _RENDERED_LOCK:
        pdf = _RENDERED.get(key)
        pending = _PENDING.pop(key, None)
    if pdf is None and pending is not None:
        try:
            pdf = pending[1].get(timeout=PRERENDER_WAIT_SECONDS)[1]
        except Exception:  # the worker failed or hangs: render here, as without a pool
            pdf = None
    if pdf is None:
        pdf = _render_pdf(html, on=on, title=title, author=author)
    _keep_rendered(key, pdf)
    return pdf


def _render_job(job: tuple[str, date, str, str]) -> tuple[str, bytes]:
    html, on, title, author = job
    return _render_key(html, on, title, author), _render_pdf(
        html, on=on, title=title, author=author
    )


def prerender(documents: list[Document], *, pool) -> int:
    """Start rendering the PDFs of documents about to go out in a pool of worker processes
    (``pool``: a ``multiprocessing`` pool started by the caller) and return at once: the
    sending of each then waits for its own PDF (``render_pdf``), while the others render on the
    other cores — the caller's work on the database and the rendering overlap. Rendering is
    the costly part of a letter and uses one core. Returns how many were started."""
    started = 0
    for document in documents:
        job = (
            document.print_html,
            document.on,
            document.subject,
            document.dossier.creditor.legal_name,
        )
        key = _render_key(*job)
        with _RENDERED_LOCK:
            if key in _RENDERED or key in _PENDING:
                continue
            _PENDING[key] = (document.on, pool.apply_async(_render_job, (job,)))
        started += 1
    return started


def pdf_ready(document: Document) -> bool:
    """Whether the PDF of ``document`` is at hand without waiting: rendered already, or
    rendered ahead (``prerender``) and finished."""
    key = _render_key(
        document.print_html, document.on, document.subject, document.dossier.creditor.legal_name
    )
    with _RENDERED_LOCK:
        if key in _RENDERED:
            return True
        pending = _PENDING.get(key)
    return pending is not None and pending[1].ready()


def prerender_forget(*, through: date | None = None) -> None:
    """Drop the renderings started and never asked for (a letter not sent after all), those of
    documents dated ``through`` that day or before when given (a later day's, started ahead,
    are kept for it), and the documents prepared and never sent (``prepare``)."""
    with _RENDERED_LOCK:
        if through is None:
            _PENDING.clear()
        else:
            for key in [key for key, (on, _result) in _PENDING.items() if on <= through]:
                del _PENDING[key]
        _PREPARED.clear()


# Documents built ahead by a caller that renders a day's PDFs in a pool (the demo's walk), by
# reminder and day: the sending uses the document built to start its PDF instead of building
# it a second time (reading the dossier, its invoices, rates, link, codes again). Only for a
# document nothing can change before its sending: the caller prepares one reminder per dossier,
# then sends at once, on the same day, in the same process, with nothing else written between
# but the other dossiers' sendings. Empty outside such a caller: the sending builds its own.
_PREPARED: dict[tuple[int, date], Document] = {}


def prepare(reminder_id: int, document: Document) -> None:
    """Hand the sending of reminder ``reminder_id`` on ``document.on`` its document."""
    with _RENDERED_LOCK:
        _PREPARED[(reminder_id, document.on)] = document


def prepared_document(reminder_id: int, *, on: date) -> Document | None:
    """The document prepared for this reminder's sending on ``on`` (taken: used once)."""
    with _RENDERED_LOCK:
        return _PREPARED.pop((reminder_id, on), None)


def _render_pdf(html: str, *, on: date, title: str, author: str) -> bytes:
    from weasyprint import HTML

    stamp = datetime.combine(
        on, time(0, 0), tzinfo=timezone.UTC if hasattr(timezone, "UTC") else None
    )
    document = HTML(string=html).render(font_config=_font_config())
    document.metadata.title = title
    document.metadata.authors = [author]
    document.metadata.created = stamp.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    document.metadata.modified = document.metadata.created
    document.metadata.lang = "fr"
    try:
        return document.write_pdf(pdf_variant=PDF_VARIANT) if PDF_VARIANT else document.write_pdf()
    except Exception:
        return document.write_pdf()


def reminder_document(reminder, *, on: date | None = None) -> Document:
    """The document of one reminder as it goes out on ``on`` (by default today): its date, its
    deadline, its figures and its PDF metadata are those of the day of sending, never the day
    the cadence planned the step (a letter approved weeks later is dated when it leaves). The
    preview renders the same function on the same day: the same bytes as the sending."""
    # Read again with its dossier, the creditor (and its messaging settings), the debtor (and
    # contacts) and its step: one query and a prefetch, where each would be read on its own.
    reminder = (
        type(reminder)
        .objects.select_related(
            "dossier__creditor__messaging",
            "dossier__creditor__portal_settings",
            "dossier__debtor",
            "step",
        )
        .prefetch_related("dossier__debtor__contacts")
        .get(pk=reminder.pk)
    )
    return render_document(
        reminder_template(reminder),
        reminder.dossier,
        on=on or timezone.localdate(),
        include_not_due=reminder.step.stage == Stage.COURTESY,
    )


def render_letter(reminder, *, on: date | None = None) -> bytes:
    """The whole letter pipeline for one reminder (context, template, PDF bytes), unstored."""
    return reminder_document(reminder, on=on).pdf
