"""PostgreSQL triggers that make every history table (and the chain's links) append-only.

UPDATE and DELETE are refused unless the transaction set ``recouvrement.history_rewrite`` to
``on`` (``journal.guard.history_rewrite()``, used by the GDPR purge only). Installed after every
``migrate`` (``post_migrate``), so history tables added later by any app are covered too.
"""

from __future__ import annotations

FUNCTION = """
CREATE OR REPLACE FUNCTION journal_append_only() RETURNS trigger AS $$
BEGIN
    -- An UPDATE that changes nothing alters no evidence: a row re-saved as it was (Django's
    -- test fixtures reload rows through JSON, which keeps milliseconds only). Any such change
    -- of history_date would still break the hash chain.
    IF TG_OP = 'UPDATE' AND (
        NEW IS NOT DISTINCT FROM OLD
        OR (
            to_jsonb(NEW) - 'history_date' = to_jsonb(OLD) - 'history_date'
            AND NEW.history_date = date_trunc('milliseconds', OLD.history_date)
        )
    ) THEN
        RETURN NEW;
    END IF;
    IF coalesce(current_setting('recouvrement.history_rewrite', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'journal probatoire : % refusé sur la table %, qui est en ajout seul',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = "journal_append_only"


def protected_tables() -> list[str]:
    from journal.chain import chained_models
    from journal.models import ChainLink

    tables = {hm._meta.db_table for _label, _m, hm in chained_models()}
    tables.add(ChainLink._meta.db_table)
    return sorted(tables)


def install(connection) -> int:
    """Create or refresh the function and one trigger per protected table; returns the count."""
    if connection.vendor != "postgresql":
        return 0
    existing = set(connection.introspection.table_names())
    tables = [t for t in protected_tables() if t in existing]
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        for table in tables:
            name = connection.ops.quote_name(table)
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {name}")
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {name} "
                f"FOR EACH ROW EXECUTE FUNCTION journal_append_only()"
            )
    return len(tables)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    install(connections[using])
