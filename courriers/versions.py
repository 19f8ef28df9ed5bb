"""Message templates and their versions: which version speaks for a step, what a template may
use, and how a new one is checked and saved.

A template's life does not depend on any dossier (the admin edits and checks one without
rendering a letter), so it lives apart from the context and the rendering. Named ``versions``
and not ``templates``: next to the Django templates of ``templates/courriers/`` (the layout
around the wording), a ``courriers.templates`` module would read as those files.

- ``template_save``: a used version is never edited (a new version is made); the wording check
  (``legal.wording``) and the variable whitelist refuse a template with the reason.
- ``template_for`` / ``reminder_template``: the current version for a code (or a reminder's
  step), a channel and a debtor kind.

The template engine has no loaders and no tag libraries but the French grammar filters
(``courriers.templatetags.francais``, a builtin), and its context holds only strings and lists of
strings: a template cannot reach a model, a setting or another template.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError

from accounts.roles import user_or_none
from courriers.models import MessageTemplate
from journal.journaled import journaled_save
from legal import wording
from relances.models import Channel, Stage

# What an unknown variable renders to: the check refuses it, the rendering drops it.
UNKNOWN = "\u2047INCONNU\u2047"
# Its only library is the French grammar filters (``de``, ``a``, ``que``, ``pourcent``, ``euros``:
# ``courriers.templatetags.francais``), built in: every template contracts and elides alike.
GRAMMAR_LIBRARY = "courriers.templatetags.francais"
_ENGINE = Engine(
    libraries={}, builtins=[GRAMMAR_LIBRARY], autoescape=False, string_if_invalid=UNKNOWN
)
# What a template may use: plain strings (and the installments / invoices as lists of strings).
ALLOWED_VARIABLES = {
    "greeting": "formule d'appel (Madame, Monsieur,)",
    "salutation": "Madame, Monsieur",
    "creditor_name": "raison sociale du créancier",
    "debtor_name": "nom du débiteur",
    "reference": "référence du dossier",
    "rf_reference": "référence de virement RF du dossier (RF58 DOS2 0260 0012)",
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
    "reminded": "« oui » si des relances sont déjà parties, vide sinon",
    "payments_received": "règlements reçus (« 500,00 € le 01/12/2026 ; … »)",
    "payments_total": "total des règlements reçus",
    "balance": "solde restant dû",
}
SMS_MAX_CHARS = 306  # two concatenated GSM-7 messages of 153 characters


@lru_cache(maxsize=256)
def compiled(text: str):
    """A template's subject or body compiled once per process, keyed by its very text (a
    version edited in place compiles anew)."""
    return _ENGINE.from_string(text)


def render_text(text: str, variables: dict) -> str:
    """A template's subject or body filled in, as plain text: nothing is HTML-escaped here (the
    layout escapes the wording where it goes into HTML), so that « d'Atlantique » stays one."""
    return compiled(text).render(Context(variables, autoescape=False))


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
    *, subject: str, body: str, debtor_kind: str, channel: str, kind: str
) -> list[ValidationError]:
    """Why a template cannot be saved: syntax, a variable outside the whitelist, a forbidden
    phrase (docs/legal.md §5, with its reason and article). The kind of letter is the one the
    template declares (``TemplateKind``), never guessed from its text: only a formal notice
    may name the remedies envisaged."""
    errors = []
    try:
        rendered = [
            _ENGINE.from_string(text).render(Context(_sample_variables(), autoescape=False))
            for text in (subject, body)
        ]
    except TemplateSyntaxError as exc:
        return [ValidationError(f"Modèle illisible : {exc}")]
    if any(UNKNOWN in text for text in rendered):
        allowed = ", ".join(sorted(ALLOWED_VARIABLES))
        errors.append(ValidationError(f"Variable inconnue dans le modèle. Variables : {allowed}."))
    consumer = debtor_kind != "professional"
    for text in (subject, body):
        for finding in wording.forbidden_phrases(text, consumer=consumer, letter_kind=kind):
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
    errors = template_check(
        subject=subject, body=body, debtor_kind=debtor_kind, channel=channel, kind=kind
    )
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
