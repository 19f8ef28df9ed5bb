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


class _AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        field = self.lhs.output_field
        prepared = [field.get_db_prep_value(v, connection, prepared=False) for v in value]
        if connection.vendor != "postgresql":
            prepared = json.dumps(prepared)
        return "%s", [prepared]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            db_type = self.lhs.output_field.cast_db_type(connection)
            return f"{lhs} = ANY({rhs}::{db_type}[])", [*lhs_params, *rhs_params]
        sql = f"{lhs} IN (SELECT value FROM json_each({rhs}))"  # noqa: S608 (placeholders)
        return sql, [*lhs_params, *rhs_params]


def AnyOf(field, values) -> _AnyOf:
    """The condition « ``field`` (a name or an expression) is one of ``values`` », for
    ``QuerySet.filter``."""
    return _AnyOf(F(field) if isinstance(field, str) else field, list(values))
