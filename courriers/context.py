"""The letter pipeline: a whitelisted context with the legal figures, a versioned template, the
layout with the mandatory mentions, and a deterministic WeasyPrint PDF.

- ``template_save``: a used version is never edited (a new version is made); the wording check
  (``legal.wording``) and the variable whitelist refuse a template with the reason.
- ``render_document``: subject, text, e-mail HTML, print HTML for one dossier at one date.
- ``render_letter(reminder) -> bytes``: the whole pipeline for one reminder, nothing stored.
- ``store_evidence``: keeps what went out (subject, text, HTML, PDF) with their SHA-256.

The template engine has no loaders and no tag libraries, and its context holds only strings and
lists of strings: a template cannot reach a model, a setting or another template.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.roles import user_or_none
from courriers import mentions
from courriers.models import (
    KINDS_WITH_PENALTIES,
    CreditorMessaging,
    MessageTemplate,
    SentMessage,
    TemplateKind,
    sha256_hex,
)
from dossiers.models import Dossier
from dossiers.selectors import claim_legal_figures, dossier_claims_for_figures, rate_table
from journal.journaled import journaled_save
from legal import calendar, rules, wording
from legal.formatting import euros, french_date
from relances.models import Channel, Stage
from rgpd.notice import information_notice

_UNKNOWN = "\u2047INCONNU\u2047"
_ENGINE = Engine(libraries={}, autoescape=False, string_if_invalid=_UNKNOWN)
# What a template may use: plain strings (and the installments / invoices as lists of strings).
ALLOWED_VARIABLES = {
    "greeting": "formule d'appel (Madame, Monsieur,)",
    "salutation": "Madame, Monsieur",
    "creditor_name": "raison sociale du créancier",
    "debtor_name": "nom du débiteur",
    "reference": "référence du dossier",
    "today": "date du document",
    "invoices_count_text": "« la facture » ou « les 3 factures »",
    "invoices_phrase": "« la facture n° FA-1 » ou « les factures n° FA-1, FA-2 »",
    "invoice_numbers": "numéros des factures",
    "oldest_due_date": "échéance la plus ancienne",
    "max_days_overdue": "jours de retard (facture la plus ancienne)",
    "unpaid_total": "reste dû (principal)",
    "total_due": "total réclamé (avec pénalités et indemnité si dues)",
    "deadline": "date limite de paiement",
    "payment_link": "lien de paiement",
    "contact_email": "e-mail du service recouvrement",
    "contact_phone": "téléphone du service recouvrement",
    "plan_accepted_on": "date d'acceptation de l'échéancier",
    "plan_installments": "échéances (number, due_on, amount)",
    "call_date": "date de l'appel",
    "call_contact": "interlocuteur",
    "commitment_amount": "montant promis",
    "commitment_date": "date promise",
    "dispute_opened_on": "date de la contestation",
    "dispute_reason": "motif de la contestation",
}
SMS_MAX_CHARS = 306  # two concatenated GSM-7 messages of 153 characters
PDF_VARIANT = getattr(settings, "LETTERS_PDF_VARIANT", "pdf/a-3b")


@lru_cache(maxsize=256)
def _compiled(text: str):
    """A template's subject or body compiled once per process, keyed by its very text (a
    version edited in place compiles anew)."""
    return _ENGINE.from_string(text)


# --- Templates --------------------------------------------------------------------------------


def template_for(code: str, channel: str, debtor_kind: str = "") -> MessageTemplate:
    """The current version for a step's template code and channel (a letter falls back to the
    e-mail wording; a code without suffix to the debtor kind's variant)."""
    suffix = "pro" if debtor_kind == "professional" else "conso"
    codes = [code, f"{code}-{suffix}"]
    channels = [channel] + ([Channel.EMAIL] if channel != Channel.EMAIL else [])
    candidates = {
        (t.code, t.channel): t
        for t in MessageTemplate.objects.filter(
            is_current=True, code__in=codes, channel__in=channels
        )
    }
    for c in channels:
        for k in codes:
            if (k, c) in candidates:
                return candidates[(k, c)]
    raise MessageTemplate.DoesNotExist(
        f"Aucun modèle « {code} » en vigueur pour le canal {channel}."
    )


def _sample_variables() -> dict:
    sample = {name: f"[{name}]" for name in ALLOWED_VARIABLES}
    sample["plan_installments"] = [{"number": "1", "due_on": "01/01/2027", "amount": "10,00 €"}]
    return sample


def template_check(
    *, subject: str, body: str, debtor_kind: str, channel: str
) -> list[ValidationError]:
    """Why a template cannot be saved: syntax, a variable outside the whitelist, a forbidden
    phrase (LEGAL_FR.md §5, with its reason and article)."""
    errors = []
    try:
        rendered = [
            _ENGINE.from_string(text).render(Context(_sample_variables()))
            for text in (subject, body)
        ]
    except TemplateSyntaxError as exc:
        return [ValidationError(f"Modèle illisible : {exc}")]
    if any(_UNKNOWN in text for text in rendered):
        allowed = ", ".join(sorted(ALLOWED_VARIABLES))
        errors.append(ValidationError(f"Variable inconnue dans le modèle. Variables : {allowed}."))
    consumer = debtor_kind != "professional"
    for text in (subject, body):
        for finding in wording.forbidden_phrases(text, consumer=consumer):
            errors.append(
                ValidationError(
                    f"Formulation interdite « {finding.phrase} » : {finding.reason} "
                    f"({finding.reference})."
                )
            )
    if channel == Channel.SMS and len(body) > SMS_MAX_CHARS:
        errors.append(ValidationError(f"Un SMS tient en {SMS_MAX_CHARS} caractères au plus."))
    return errors


def template_save(
    *,
    actor,
    code: str,
    channel: str,
    kind: str,
    label: str,
    subject: str,
    body: str,
    debtor_kind: str = "",
    reason: str = "modèle enregistré",
    template: MessageTemplate | None = None,
) -> MessageTemplate:
    """Save a template. A version never used is updated in place; a used one stays as it was
    and a new version becomes current. Refused while the wording check finds anything."""
    errors = template_check(subject=subject, body=body, debtor_kind=debtor_kind, channel=channel)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = (
            MessageTemplate.objects.select_for_update()
            .filter(code=code, channel=channel, is_current=True)
            .first()
        )
        if template is not None and template.pk and current and current.pk != template.pk:
            raise ValidationError("Seule la version en vigueur d'un modèle se modifie.")
        fields = {
            "kind": kind,
            "label": label,
            "subject": subject,
            "body": body,
            "debtor_kind": debtor_kind,
        }
        if current is not None and not current.is_used:
            for name, value in fields.items():
                setattr(current, name, value)
            journaled_save(current, actor=actor, reason=reason)
            return current
        version = 1
        if current is not None:
            current.is_current = False
            journaled_save(
                current, actor=actor, reason=f"remplacé par une nouvelle version : {reason}"
            )
            version = current.version + 1
        new = MessageTemplate(
            code=code,
            channel=channel,
            version=version,
            is_current=True,
            created_by=user_or_none(actor),
            **fields,
        )
        journaled_save(new, actor=actor, reason=reason)
        return new


# --- Context ----------------------------------------------------------------------------------


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


def messaging_for(creditor) -> CreditorMessaging:
    try:
        return creditor.messaging
    except CreditorMessaging.DoesNotExist:
        return CreditorMessaging(creditor=creditor)


def _plural_invoices(count: int) -> str:
    return "la facture" if count == 1 else f"les {count} factures"


def _deadline(dossier: Dossier, *, on: date, kind: str) -> date:
    days = rules.DEFAULT_FORMAL_NOTICE_DEADLINE_DAYS
    if kind == TemplateKind.FORMAL_NOTICE:
        from relances.planning import policy_for

        days = policy_for(dossier).formal_notice_deadline_days
    # CPC 641-642: a deadline ending on a closed day moves to the next working day.
    return calendar.roll_forward(on + timedelta(days=days), postal_code=dossier.debtor.postal_code)


def _payment_link(pattern: str, *, invoices: list[str], amount: Decimal, reference: str) -> str:
    if not pattern:
        return ""
    values = {
        "invoice": quote(",".join(invoices), safe=","),
        "amount": f"{amount:.2f}",
        "reference": quote(reference),
    }
    try:
        return pattern.format(**values)
    except (KeyError, IndexError, ValueError):
        return ""


def _first_agency_letter(dossier: Dossier) -> SentMessage | None:
    return dossier.sent_messages.order_by("sent_at", "pk").first()


def build_context(
    dossier: Dossier, *, kind: str, on: date, extra: dict | None = None
) -> tuple[dict, dict]:
    """(variables for the template, data for the layout). Figures at ``on`` from the legal
    engine; penalties and indemnity only for a professional from the firm reminder on."""
    creditor, debtor = dossier.creditor, dossier.debtor
    messaging = messaging_for(creditor)
    rates = rate_table()
    claims = dossier_claims_for_figures(dossier, dossier.claims.open().oldest_first())
    professional = debtor.kind == "professional"
    show_penalties = professional and kind in KINDS_WITH_PENALTIES
    rows = []
    unpaid = penalties = indemnity = interest = Decimal("0.00")
    penalties_known = True
    # A prescribed claim is never reminded as if it could be enforced (C. civ. 2219; LEGAL_FR.md
    # §3): the letter names and totals only the claims still enforceable at ``on``.
    figured = [
        (claim, figures)
        for claim in claims
        if not (figures := claim_legal_figures(claim, on=on, rates=rates)).is_prescribed(on)
    ]
    claims = [claim for claim, _figures in figured]
    for claim, figures in figured:
        unpaid += figures.unpaid
        if show_penalties:
            if figures.late_penalties is None:
                penalties_known = False
            else:
                penalties += figures.late_penalties
            indemnity += figures.recovery_indemnity
        if not professional and figures.legal_interest:
            interest += figures.legal_interest
        rows.append(
            {
                "invoice_number": claim.invoice_number,
                "issue_date": french_date(claim.issue_date),
                "due_date": french_date(claim.due_date),
                "amount": euros(claim.amount),
                "unpaid": euros(figures.unpaid),
                "days_overdue": str(figures.days_overdue),
                "penalties": euros(figures.late_penalties)
                if figures.late_penalties is not None
                else "à calculer",
                "indemnity": euros(figures.recovery_indemnity),
            }
        )
    total = unpaid + interest + ((penalties + indemnity) if show_penalties else Decimal("0"))
    invoice_numbers = [claim.invoice_number for claim in claims]
    deadline = _deadline(dossier, on=on, kind=kind)
    contact = debtor.reminder_contact
    link = _payment_link(
        messaging.payment_link_pattern,
        invoices=invoice_numbers,
        amount=total,
        reference=dossier.reference,
    )
    variables = {
        "greeting": "Madame, Monsieur,",
        "salutation": "Madame, Monsieur",
        "creditor_name": creditor.legal_name,
        "debtor_name": debtor.name,
        "reference": dossier.reference,
        "today": french_date(on),
        "invoices_count_text": _plural_invoices(len(claims) or 1),
        "invoice_numbers": ", ".join(invoice_numbers),
        "invoices_phrase": (
            "vos factures"
            if not invoice_numbers
            else f"la facture n° {invoice_numbers[0]}"
            if len(invoice_numbers) == 1
            else f"les factures n° {', '.join(invoice_numbers)}"
        ),
        "oldest_due_date": french_date(claims[0].due_date) if claims else "",
        "max_days_overdue": rows[0]["days_overdue"] if rows else "0",
        "unpaid_total": euros(unpaid),
        "total_due": euros(total),
        "deadline": french_date(deadline),
        "payment_link": link,
        "contact_email": creditor.contact_email,
        "contact_phone": creditor.contact_phone,
        "plan_accepted_on": "",
        "plan_installments": [],
        "call_date": "",
        "call_contact": "",
        "commitment_amount": "",
        "commitment_date": "",
        "dispute_opened_on": "",
        "dispute_reason": "",
    }
    variables.update(extra or {})
    agency = None
    if creditor.is_collection_agency:
        first = _first_agency_letter(dossier)
        agency = {
            "principal_name": messaging.principal_name or "le créancier mandant",
            "principal_address": messaging.principal_address,
            "principal": euros(unpaid),
            "interest": euros(interest + (penalties if show_penalties else 0)),
            "other": euros(indemnity if show_penalties else 0),
            "l111_8": mentions.CPCE_L111_8,
            "first_letter": (
                f"{first.subject} du {timezone.localtime(first.sent_at):%d/%m/%Y}" if first else ""
            ),
        }
    rate = (
        f"{creditor.contractual_penalty_rate} % l'an (conditions générales)"
        if creditor.contractual_penalty_rate is not None
        else "de la BCE majoré de 10 points"
    )
    layout = {
        "creditor": {
            "name": creditor.legal_name,
            "siren": creditor.siren,
            "address": [creditor.address_line1, creditor.address_line2],
            "city": f"{creditor.postal_code} {creditor.city}",
            "email": creditor.contact_email,
            "phone": creditor.contact_phone,
            "iban": creditor.iban,
            "bic": creditor.bic,
            "reply_to": messaging.reply_to or creditor.contact_email,
        },
        "debtor": {
            "name": debtor.name,
            "contact": contact.name if contact else "",
            "address": [debtor.address_line1, debtor.address_line2],
            "city": f"{debtor.postal_code} {debtor.city}",
            "siren": debtor.siren,
        },
        "reference": dossier.reference,
        "date": french_date(on),
        "place": creditor.city,
        "rows": rows,
        "show_penalties": show_penalties,
        "penalty_mention": mentions.PENALTY_MENTION.format(rate=rate) if show_penalties else "",
        "indemnity_mention": mentions.INDEMNITY_MENTION.format(
            amount=euros(rules.RECOVERY_INDEMNITY)
        )
        if show_penalties
        else "",
        "unpaid_total": euros(unpaid),
        "penalties_total": euros(penalties) if penalties_known else "à calculer",
        "indemnity_total": euros(indemnity),
        "interest_total": euros(interest),
        "has_interest": interest > 0,
        "total_due": euros(total),
        "formal_notice": kind == TemplateKind.FORMAL_NOTICE,
        "deadline": french_date(deadline),
        "interest_mention": mentions.INTEREST_MENTION,
        "remedies_mention": mentions.REMEDIES_MENTION,
        # The claims' dossier carries the payment plans already read for their figures.
        "plan": _accepted_plan(claims[0].dossier if claims else dossier),
        "payment_link": link,
        "agency": agency,
        "notice": information_notice(creditor, debtor),
        "test_mode": messaging.test_mode,
        "kind": kind,
        "lists_invoices": kind not in (TemplateKind.THANK_YOU,),
    }
    return variables, layout


def _accepted_plan(dossier: Dossier) -> list[dict]:
    active = [plan for plan in dossier.payment_plans.all() if plan.status == "active"]
    plan = max(active, key=lambda plan: plan.pk, default=None)
    if plan is None:
        return []
    return [
        {"number": str(n), "due_on": french_date(i.due_on), "amount": euros(i.amount)}
        for n, i in enumerate(plan.installments.order_by("due_on", "pk"), start=1)
    ]


# --- Rendering --------------------------------------------------------------------------------


def render_document(
    template: MessageTemplate, dossier: Dossier, *, on: date, extra: dict | None = None
) -> Document:
    """Fill the template and the layout for one dossier at one date (nothing stored)."""
    variables, layout = build_context(dossier, kind=template.kind, on=on, extra=extra)
    context = Context(variables)
    subject = " ".join(_compiled(template.subject).render(context).split())
    body = _compiled(template.body).render(context).strip().replace(_UNKNOWN, "")
    subject = subject.replace(_UNKNOWN, "")
    consumer = dossier.debtor.kind != "professional"
    findings = wording.forbidden_phrases(f"{subject}\n{body}", consumer=consumer)
    if findings:
        raise ValidationError(
            [f"Formulation interdite « {f.phrase} » : {f.reason}" for f in findings]
        )
    messaging = messaging_for(dossier.creditor)
    if messaging.test_mode:
        subject = f"[TEST] {subject}"
    page = {"subject": subject, "paragraphs": body.split("\n\n"), **layout}
    text = render_to_string("courriers/document.txt", page)
    html = french_spacing(render_to_string("courriers/document.html", {**page, "medium": "email"}))
    print_html = french_spacing(
        render_to_string("courriers/document.html", {**page, "medium": "print"})
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
        document.sms_text = _sms_text(body, dossier)
    return document


_BEFORE_PUNCTUATION = re.compile(r"(?<=\S) ([:;!?»])")
_AFTER_QUOTE = re.compile(r"« ")


def french_spacing(html: str) -> str:
    """French typography: a narrow no-break space before : ; ! ? » and after «, so that a
    line never starts with the punctuation."""
    return _AFTER_QUOTE.sub("«\u202f", _BEFORE_PUNCTUATION.sub("\u202f\\1", html))


def _sms_text(body: str, dossier: Dossier) -> str:
    """One or two SMS: the wording, then where to read the privacy notice."""
    tail = f" Données perso : {dossier.creditor.privacy_policy_url}"
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


def render_pdf(html: str, *, on: date, title: str, author: str) -> bytes:
    """A4 PDF (PDF/A-3b when available) whose metadata dates are the document's date, so that
    the same document renders to the same bytes."""
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


# A step whose template code has no template yet speaks with the default wording of its stage.
STAGE_TEMPLATE = {
    Stage.COURTESY: "relance-informelle",
    Stage.REMINDER_1: "relance-amiable",
    Stage.REMINDER_2: "relance-ferme",
    Stage.REMINDER_3: "relance-ferme",
    Stage.FORMAL_NOTICE: "mise-en-demeure",
}


def reminder_template(reminder) -> MessageTemplate:
    kind = reminder.dossier.debtor.kind
    try:
        return template_for(reminder.step.template_code, reminder.channel, kind)
    except MessageTemplate.DoesNotExist:
        if reminder.channel == Channel.SMS:
            return template_for("relance-sms", Channel.SMS, kind)
        return template_for(STAGE_TEMPLATE[reminder.step.stage], reminder.channel, kind)


def reminder_document(reminder) -> Document:
    """The document of one reminder, dated by the reminder (its figures and PDF metadata)."""
    # Read again with its dossier, the creditor (and its messaging settings), the debtor (and
    # contacts) and its step: one query and a prefetch, where each would be read on its own.
    reminder = (
        type(reminder)
        .objects.select_related("dossier__creditor__messaging", "dossier__debtor", "step")
        .prefetch_related("dossier__debtor__contacts")
        .get(pk=reminder.pk)
    )
    return render_document(reminder_template(reminder), reminder.dossier, on=reminder.scheduled_for)


def render_letter(reminder) -> bytes:
    """The whole letter pipeline for one reminder (context, template, PDF bytes), unstored."""
    return reminder_document(reminder).pdf


# --- Evidence ---------------------------------------------------------------------------------


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
    pdf = document.pdf if with_pdf and channel != Channel.SMS else b""
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
