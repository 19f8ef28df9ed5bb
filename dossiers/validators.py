"""Validators for French and banking identifiers, with French messages.

Each check is done by a maintained library (python-stdnum, schwifty); the database repeats the
structural part as CHECK constraints (see ``dossiers.constraints``).
"""

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import luhn
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren


def normalize_siren(value: str) -> str:
    return stdnum_siren.compact(value or "")


def validate_siren(value: str) -> None:
    """A SIREN is 9 digits whose Luhn checksum is valid (INSEE)."""
    try:
        stdnum_siren.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            "« %(value)s » n'est pas un numéro SIREN valide (9 chiffres, clé de contrôle).",
            code="invalid_siren",
            params={"value": value},
        ) from exc


def normalize_vat_number(value: str) -> str:
    """« fr 44 732 829 320 » → « FR44732829320 » (python-stdnum's compact form)."""
    return stdnum_vat.compact(value or "") if (value or "").strip() else ""


def validate_vat_number(value: str) -> None:
    """An intra-EU VAT number (numéro de TVA intracommunautaire), its country's check digits
    verified by python-stdnum (for France: the key over the SIREN)."""
    try:
        stdnum_vat.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            "« %(value)s » n'est pas un numéro de TVA intracommunautaire valide.",
            code="invalid_vat_number",
            params={"value": value},
        ) from exc


def normalize_iban(value: str) -> str:
    return (value or "").replace(" ", "").upper()


def validate_iban(value: str) -> None:
    try:
        IBAN(value)
    except SchwiftyException as exc:
        raise ValidationError(
            "« %(value)s » n'est pas un IBAN valide.", code="invalid_iban", params={"value": value}
        ) from exc


def validate_bic(value: str) -> None:
    try:
        BIC(value)
    except SchwiftyException as exc:
        raise ValidationError(
            "« %(value)s » n'est pas un code BIC valide.",
            code="invalid_bic",
            params={"value": value},
        ) from exc


def siren_check_digit(first_eight: str) -> str:
    """The Luhn digit that completes eight digits into a valid SIREN (used by the demo data)."""
    return luhn.calc_check_digit(first_eight)


# --- Uploaded evidence ---------------------------------------------------------------------

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# What a piece of evidence may be, recognised from its bytes (never from the name alone): the
# detected type and the file name's extension must agree, so a page or a script renamed
# ``.pdf`` is refused.
EVIDENCE_TYPES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}
EVIDENCE_TEXT_EXTENSIONS = (".eml", ".txt")  # e-mails and receipts kept as plain text


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def validate_evidence_file(file) -> None:
    """A piece of evidence is a PDF, a PNG or JPEG image, or an e-mail/text file, of at most
    10 Mo (``EVIDENCE_MAX_BYTES``)."""
    import filetype
    from django.conf import settings

    limit = getattr(settings, "EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES)
    size = getattr(file, "size", None) or 0
    if size > limit:
        raise ValidationError(
            "Le fichier pèse %(size)s Mo ; le maximum est de %(limit)s Mo.",
            code="file_too_large",
            params={"size": f"{size / 1048576:.1f}".replace(".", ","), "limit": limit // 1048576},
        )
    if size == 0:
        raise ValidationError("Le fichier est vide.", code="file_empty")
    name = (getattr(file, "name", "") or "").lower()
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(8192)
    file.seek(position)
    kind = filetype.guess(head)
    if kind is not None and kind.mime in EVIDENCE_TYPES:
        if name.endswith(EVIDENCE_TYPES[kind.mime]):
            return
    elif kind is None and name.endswith(EVIDENCE_TEXT_EXTENSIONS) and _looks_like_text(head):
        return
    raise ValidationError(
        "Type de fichier refusé : seuls les PDF, les images PNG ou JPEG et les e-mails "
        "(.eml, .txt) sont acceptés, avec l'extension qui correspond à leur contenu.",
        code="file_type",
    )
