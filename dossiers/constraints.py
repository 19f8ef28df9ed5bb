"""Database-side checks of identifiers, portable to SQLite and PostgreSQL.

The forms and the API validate with python-stdnum and schwifty; these CHECK constraints make the
database refuse the same bad values when something bypasses them (a raw script, a bulk load).
They use ``StrIndex`` and ``Substr`` only, so no regex function or cast can raise an error on
garbage input: a non-digit simply maps to -1 and fails the test.
"""

from django.db.models import Q, Value
from django.db.models.functions import Length, Mod, StrIndex, Substr, Upper
from django.db.models.lookups import Exact, GreaterThan, LessThanOrEqual

_DIGITS = "0123456789"
# Luhn doubling: digit d counts as 2d (minus 9 when over 9). The string below holds at index k
# the digit whose doubled value is k, so StrIndex(...) - 1 gives the doubled value of a digit.
_LUHN_DOUBLED = "0516273849"


def _char(field: str, position: int):
    return Substr(field, position, 1)


def siren_is_valid(field: str) -> Q:
    """Nine digits with a valid Luhn key: the SIREN rule (INSEE), as a SQL expression."""
    total = None
    checks = [Exact(Length(field), 9)]
    for position in range(1, 10):
        char = _char(field, position)
        checks.append(GreaterThan(StrIndex(Value(_DIGITS), char), 0))
        table = _LUHN_DOUBLED if position % 2 == 0 else _DIGITS
        term = StrIndex(Value(table), char) - 1
        total = term if total is None else total + term
    checks.append(Exact(Mod(total, 10), 0))
    return Q(*checks)


def iban_is_well_formed(field: str) -> Q:
    """Country letters, two check digits, 11 to 30 alphanumerics, upper case, no spaces.

    The mod-97 check stays with schwifty; this is the structural part a database can hold.
    """
    checks = [
        GreaterThan(Length(field), 14),
        LessThanOrEqual(Length(field), 34),
    ]
    for position in (1, 2):
        letters = Value("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        checks.append(GreaterThan(StrIndex(letters, _char(field, position)), 0))
    for position in (3, 4):
        checks.append(GreaterThan(StrIndex(Value(_DIGITS), _char(field, position)), 0))
    checks.append(Q(**{f"{field}__exact": Upper(field)}))
    checks.append(~Q(**{f"{field}__contains": " "}))
    return Q(*checks)
