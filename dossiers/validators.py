"""Validators for French and banking identifiers, with French messages.

Each check is done by a maintained library (python-stdnum, schwifty); the database repeats the
structural part as CHECK constraints (see ``dossiers.constraints``).
"""

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import luhn
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
