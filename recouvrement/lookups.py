"""``AnyOf``: a column among many values, as one parameter.

``filter(pk__in=ids)`` with 20,000 ids writes 20,000 placeholders that Django compiles and the
driver splits and quotes one by one (set-based writes of an import look up tens of thousands
of keys at once). ``filter(AnyOf("pk", ids))`` sends them as one array on PostgreSQL
(``= ANY(%s::type[])``) and as one JSON text elsewhere (SQLite: ``IN (SELECT value FROM
json_each(%s))``), whatever their number. Values of integer and text columns only.
"""

from __future__ import annotations

import json

from django.db.models import F, Lookup

# On PostgreSQL, integers and texts (neither empty nor holding the separator) go as one text
# split there (``string_to_array``): the driver quotes a list of 50,000 keys element by element
# in Python, a join is one C call. Other values take the driver's array.
_SEP = "\x1e"


def _joined(values: list) -> str | None:
    """The values as one text split by ``_SEP`` (no value: an empty text, an empty array), or
    None when they cannot be (another type, an empty text, a text holding ``_SEP``)."""
    if all(type(v) is int for v in values):
        return _SEP.join(map(str, values))
    if all(type(v) is str and v for v in values):
        joined = _SEP.join(values)
        if joined.count(_SEP) == len(values) - 1:
            return joined
    return None


class _AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        field = self.lhs.output_field
        prepared = [field.get_db_prep_value(v, connection, prepared=False) for v in value]
        parameter = any_of_parameter(prepared, connection.vendor)
        self.joined = connection.vendor == "postgresql" and isinstance(parameter, str)
        return "%s", [parameter]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        self.joined = False
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            db_type = self.lhs.output_field.cast_db_type(connection)
            if self.joined:
                rhs = f"string_to_array({rhs}, E'\\x1e')"
            return f"{lhs} = ANY({rhs}::{db_type}[])", [*lhs_params, *rhs_params]
        sql = f"{lhs} IN (SELECT value FROM json_each({rhs}))"  # noqa: S608 (placeholders)
        return sql, [*lhs_params, *rhs_params]


def any_of_parameter(values: list, vendor: str):
    """The parameter ``AnyOf`` passes for these values (prepared for the database): one text
    split by the database, the driver's array, or JSON text (not PostgreSQL). A statement
    compiled once and run again with other values (``journee.priority``) builds its values'
    parameter here; integers always go the same way."""
    if vendor != "postgresql":
        return json.dumps(values)
    joined = _joined(values)
    return values if joined is None else joined


def AnyOf(field, values) -> _AnyOf:
    """The condition « ``field`` (a name or an expression) is one of ``values`` », for
    ``QuerySet.filter``."""
    return _AnyOf(F(field) if isinstance(field, str) else field, list(values))
