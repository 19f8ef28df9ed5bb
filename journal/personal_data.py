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
    "dossiers.payment": ("reference", "reversal_reason"),
    "dossiers.claim": ("cancellation_reason",),
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
    "imports.checkedrows": ("rows",),
    "imports.idempotencykey": ("response_body",),
    "imports.invoicestatusevent": ("note",),
    "imports.bankstatement": ("file", "original_name"),
    "imports.banktransaction": (
        "counterparty_name",
        "counterparty_iban",
        "remittance",
        "end_to_end_id",
        "reason",
    ),
    "imports.knowniban": ("iban_hash", "iban_hint"),
    "courriers.letterbatch": ("pdf", "manifest"),
    # The outcome of a batch of approvals names each letter's debtor.
    "courriers.approvalbatch": ("errors", "outcomes"),
    # An SMTP error may quote the address it refused.
    "courriers.deliveryattempt": ("recipient", "error"),
    "courriers.sentmessage": (
        "recipient",
        "subject",
        "body_text",
        "body_html",
        "pdf",
        "status_note",
    ),
    # The debtor's page: what they typed and sent; the pseudonymised address of an attempt.
    "portail.portalaccess": ("revoked_reason",),
    "portail.portalevent": ("details",),
    "portail.portalattempt": ("address_key",),
    # The payment probability's reasons describe the debtor's behaviour (« a tenu 3 promesses
    # sur 3 »): personal, purged with the debtor (the row itself goes when the dossier closes).
    "scoring.dossierscore": ("reasons",),
}

# The other text fields of the models reaching a debtor, kept by the purge, and why: none holds
# what a person typed about the debtor. A new text field on such a model goes in one of the two
# lists (tests/rgpd/test_registry.py fails otherwise).
KEPT: dict[str, dict[str, str]] = {
    "dossiers.debtor": {
        "country": "code pays ISO, pour les statistiques",
        "naf_code": "activité de l'entreprise (nomenclature NAF publique)",
    },
    "dossiers.dossier": {"reference": "référence produite par l'application"},
    "dossiers.claim": dict.fromkeys(
        ("invoice_number", "currency", "contract_ref", "purchase_order_ref", "delivery_note_ref"),
        "pièce comptable du créancier, qui fonde les montants conservés",
    ),
    "dossiers.evidence": {"sha256": "empreinte du fichier supprimé"},
    "imports.invoicestatusevent": {"source": "plateforme émettrice (code)"},
    "imports.banktransaction": {
        "key": "empreinte de l'opération (dédoublonnage)",
        "account": "compte du créancier",
        "bank_code": "code opération de la banque",
        "bank_reference": "référence de la banque",
        "structured_reference": "référence RF du dossier",
        "invoices": "numéros de facture du créancier",
    },
    "courriers.sentmessage": {
        "text_sha256": "empreinte du contenu envoyé",
        "html_sha256": "empreinte du contenu envoyé",
        "pdf_sha256": "empreinte du contenu envoyé",
        "message_id": "identifiant technique du message (Message-ID, identifiant SMS)",
        "registered_number": "numéro de recommandé de La Poste",
    },
    "courriers.deliveryattempt": {
        "message_id": "identifiant technique du message",
        "content_sha256": "empreinte du contenu envoyé",
        "label": "libellé du modèle de message envoyé (« Remerciement »…)",
        "provider_id": "référence technique du prestataire d'envoi",
    },
    "portail.portalaccess": {"key_hash": "empreinte SHA-256 du lien, qui ne révèle pas le lien"},
    "pilotage.reminderdossierday": {
        "stage": "niveau de relance (code de l'étape de la cadence), jamais un texte saisi",
        "channel": "canal d'envoi (e-mail, courrier, SMS...), jamais un texte saisi",
    },
    "portail.portalevent": {
        "summary": "résumé écrit par l'application (nombres, montants, dates, numéros) ; "
        "ce que le débiteur a écrit est dans « details », purgé"
    },
    "relances.dossiercadence": {
        "reason": "motif écrit par l'application (nom de l'expérience et variante tirée)"
    },
    "escalade.solvencyanalysis": {"sources": "codes des sources consultées"},
    "escalade.escalationdecision": {
        "checklist": "points de contrôle et leur état",
        "summary": "solde et voie retenue",
    },
    "journal.chainlink": dict.fromkeys(
        ("chain", "model", "salt", "personal", "prev_hash", "hash"),
        "chaîne de preuve : identifiants et empreintes (les données personnelles en HMAC)",
    ),
    "journal.purgeevent": dict.fromkeys(
        ("chain", "certificate", "rows", "mac"),
        "événement de purge : identifiants de lignes et de champs, jamais une valeur",
    ),
}

# Columns of every history table (django-simple-history) that may hold what a person typed:
# the reason given for a change (« Demande de M. X : nouvelle adresse »). The journal keeps them
# out of its hash chain like the fields above (as keyed digests), and the purge blanks them in
# every history row of the purged debtor's objects, whether or not the model is listed above.
HISTORY_PERSONAL: tuple[str, ...] = ("history_change_reason",)

# Where the product keeps the id of a message it sent (e-mail Message-ID, SMS id): the purge
# finds with them, and with the recipients' addresses, the copies written outside the database
# (the file e-mail backend's files, the SMS file backend's lines) and deletes them.
MESSAGE_IDS: dict[str, str] = {
    "courriers.sentmessage": "message_id",
    "courriers.deliveryattempt": "message_id",
}

# Working data naming many debtors at once (an imported file with its preview, an API answer
# kept for replays) belongs to no single debtor: the purge run clears it a fixed time after its
# creation (settings.RGPD_TRANSIENT_RETENTION_DAYS) instead of with a debtor. Its fields stay
# in PERSONAL_FIELDS above, so that the journal keeps them out of its hash chain.
# "app_label.modelname" -> the field dating the row.
TRANSIENT: dict[str, str] = {
    "courriers.letterbatch": "created_at",
    "courriers.approvalbatch": "created_at",
    "imports.importbatch": "created_at",
    "imports.checkedrows": "created_at",
    "imports.idempotencykey": "created_at",
    "imports.bankstatement": "created_at",
    "portail.portalattempt": "at",
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
    if isinstance(field, models.JSONField) and not field.null:
        return []
    return None
