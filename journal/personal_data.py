"""Where personal data lives: the one registry shared by the journal (which keeps it out of its
hash chain) and the GDPR purge (which replaces it, in the live tables and in every history table).

Each entry maps a model label to the fields that may hold personal data about a debtor or the
people reached on its behalf. Amounts, dates, states and references are not personal data here:
they stay after a purge for statistics. Apps that add a model with personal data add it below.
"""

from __future__ import annotations

# "app_label.modelname" -> fields holding personal data (text; files are listed too).
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "dossiers.debtor": ("name", "siren", "address_line1", "address_line2", "postal_code", "city"),
    "dossiers.debtorcontact": ("name", "email", "phone"),
    "dossiers.promise": ("note",),
    "dossiers.dispute": ("description", "resolution"),
    "dossiers.task": ("note",),
    "dossiers.evidence": ("original_name", "description", "file"),
    "dossiers.prescriptionevent": ("description",),
    "dossiers.payment": ("reference",),
    "relances.reminder": ("note", "content"),
    "relances.calllog": (
        "contact_name",
        "debtor_said",
        "objections",
        "recap_content",
        "summary",
    ),
    "relances.dossierhold": ("reason",),
    "relances.debtorcadenceoverride": ("reason",),
    "rgpd.rightsrequest": ("details", "decision"),
    "escalade.solvencyanalysis": ("note",),
    "escalade.amicableresolutionattempt": ("outcome",),
    "escalade.escalationdecision": ("reasoning",),
    "imports.importbatch": ("file", "original_name", "preview", "errors"),
    "imports.idempotencykey": ("response_body",),
    "imports.invoicestatusevent": ("note",),
    "imports.bankstatement": ("file", "original_name"),
    "imports.banktransaction": (
        "counterparty_name",
        "counterparty_iban",
        "remittance",
        "end_to_end_id",
    ),
    "imports.knowniban": ("iban_hash", "iban_hint"),
    "courriers.letterbatch": ("pdf", "manifest"),
    "courriers.deliveryattempt": ("recipient",),
    "courriers.sentmessage": (
        "recipient",
        "subject",
        "body_text",
        "body_html",
        "pdf",
        "status_note",
    ),
}

# Working data naming many debtors at once (an imported file with its preview, an API answer
# kept for replays) belongs to no single debtor: the purge run clears it a fixed time after its
# creation (settings.RGPD_TRANSIENT_RETENTION_DAYS) instead of with a debtor. Its fields stay
# in PERSONAL_FIELDS above, so that the journal keeps them out of its hash chain.
# "app_label.modelname" -> the field dating the row.
TRANSIENT: dict[str, str] = {
    "courriers.letterbatch": "created_at",
    "imports.importbatch": "created_at",
    "imports.idempotencykey": "created_at",
    "imports.bankstatement": "created_at",
}

# The value a purged text field takes (kept short enough for every CharField above).
ANONYMISED = "[anonymisé]"


def anonymised_value(field) -> str | None:
    """The replacement for a personal field: the marker for text, empty for e-mail and phone
    (a marker is not a valid address), None for nullable non-text fields."""
    from django.db import models

    if isinstance(field, models.FileField):
        return ""
    if isinstance(field, models.EmailField) or field.name in {"phone", "siren", "postal_code"}:
        return "" if not field.null else None
    if isinstance(field, (models.CharField, models.TextField)):
        return ANONYMISED[: field.max_length] if field.max_length else ANONYMISED
    return None
