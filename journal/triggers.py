"""PostgreSQL triggers that make every history table (and the journal's own tables) append-only,
and the one door through which the GDPR purge rewrites history.

- ``journal_append_only`` (one trigger per table, ``BEFORE UPDATE OR DELETE``) refuses every
  DELETE, every UPDATE of the journal's own tables (chain links, purge events), and every
  UPDATE of a history table unless the transaction was opened by ``journal_open_rewrite``.
- ``journal_open_rewrite(certificate)`` is a ``SECURITY DEFINER`` function (it runs as the
  tables' owner): it refuses to run without a purge record (``settings.JOURNAL_PURGE_RECORD_MODEL``,
  the certificate ``"rgpd.purgecertificate:<id>"`` must exist and not have opened the door in
  another transaction), then writes the transaction's id and the certificate in
  ``journal_rewrite_door``, a table the application's role can neither write nor read. No
  session setting opens the door (the former ``recouvrement.history_rewrite`` does nothing).
- ``journal_anonymise(certificate, table, columns, history ids)``, ``SECURITY DEFINER`` too,
  is what the purge calls (the application's role may execute it, and nothing else here): it
  opens the door, then sets each column to its anonymised value, only for the personal columns
  of history tables registered in ``journal_personal_column`` (refreshed from
  ``PERSONAL_FIELDS`` after every ``migrate``). The application's role has no UPDATE on any
  history table: this function is its only way to rewrite one.
- The trigger function is ``SECURITY DEFINER`` too, with a fixed ``search_path``.

What the database roles may do is set in ``journal.roles``. Installed after every ``migrate``
(``post_migrate``), so history tables added later by any app are covered too.
"""

from __future__ import annotations

DOOR_TABLE = "journal_rewrite_door"
PERSONAL_TABLE = "journal_personal_column"

FUNCTION = """
CREATE TABLE IF NOT EXISTS journal_rewrite_door (
    txid bigint PRIMARY KEY,
    certificate text NOT NULL,
    opened_by name NOT NULL DEFAULT session_user,
    opened_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS journal_rewrite_door_certificate ON journal_rewrite_door (certificate);
REVOKE ALL ON journal_rewrite_door FROM PUBLIC;

CREATE OR REPLACE FUNCTION journal_append_only() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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
    -- The purge's door: opened for this transaction by journal_open_rewrite() only.
    IF TG_OP = 'UPDATE' AND TG_ARGV[0] = 'history' AND EXISTS (
        SELECT 1 FROM public.journal_rewrite_door WHERE txid = txid_current()
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'journal probatoire : % refusé sur la table %, qui est en ajout seul',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- TRUNCATE fires no row trigger: refused to every role but the table's owner (who could
-- disable the triggers anyway; Django's test flush runs as the owner).
CREATE OR REPLACE FUNCTION journal_no_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF pg_has_role(current_user, (
        SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID
    ), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'journal probatoire : TRUNCATE refusé sur la table %, qui est en ajout seul',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION journal_open_rewrite(certificate text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    record_id bigint;
BEGIN
    IF certificate IS NULL OR certificate !~ ('^' || __LABEL_RE__ || ':[0-9]+$') THEN
        RAISE EXCEPTION 'journal probatoire : réécriture refusée, certificat de purge attendu '
            '(%:<n°>), reçu « % »', __LABEL__, certificate
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    record_id := split_part(certificate, ':', 2)::bigint;
    IF NOT EXISTS (SELECT 1 FROM public.__TABLE__ WHERE id = record_id) THEN
        RAISE EXCEPTION 'journal probatoire : réécriture refusée, aucune purge enregistrée '
            'sous « % »', certificate USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (
        SELECT 1 FROM public.journal_rewrite_door d
        WHERE d.certificate = journal_open_rewrite.certificate AND d.txid <> txid_current()
    ) THEN
        RAISE EXCEPTION 'journal probatoire : réécriture refusée, la purge « % » a déjà eu lieu',
            certificate USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO public.journal_rewrite_door (txid, certificate)
        VALUES (txid_current(), certificate) ON CONFLICT (txid) DO NOTHING;
    RETURN txid_current();
END;
$$;
REVOKE ALL ON FUNCTION journal_open_rewrite(text) FROM PUBLIC;

CREATE TABLE IF NOT EXISTS journal_personal_column (
    tbl text NOT NULL,
    col text NOT NULL,
    value text,
    PRIMARY KEY (tbl, col)
);
REVOKE ALL ON journal_personal_column FROM PUBLIC;

CREATE OR REPLACE FUNCTION journal_anonymise(
    certificate text, tbl text, cols text[], ids bigint[]
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    assignments text := '';
    c text;
    v text;
    n bigint;
BEGIN
    PERFORM journal_open_rewrite(certificate);
    IF cols IS NULL OR cardinality(cols) = 0 THEN
        RETURN 0;
    END IF;
    FOREACH c IN ARRAY cols LOOP
        SELECT p.value INTO v FROM public.journal_personal_column p
            WHERE p.tbl = journal_anonymise.tbl AND p.col = c;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'journal probatoire : %.% n''est pas une donnée personnelle '
                'd''une table d''historique : réécriture refusée', tbl, c
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF assignments <> '' THEN
            assignments := assignments || ', ';
        END IF;
        assignments := assignments || format('%I = %L', c, v);
    END LOOP;
    EXECUTE format('UPDATE public.%I SET %s WHERE history_id = ANY($1)', tbl, assignments)
        USING ids;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;
REVOKE ALL ON FUNCTION journal_anonymise(text, text, text[], bigint[]) FROM PUBLIC;
"""

TRIGGER = "journal_append_only"
TRUNCATE_TRIGGER = "journal_no_truncate"


def protected_tables() -> list[str]:
    from journal.chain import chained_models
    from journal.models import ChainLink

    tables = {hm._meta.db_table for _label, _m, hm in chained_models()}
    tables.add(ChainLink._meta.db_table)
    return sorted(tables)


def _journal_tables() -> set[str]:
    """The journal's own tables: never updated, even by the purge."""
    from journal.models import ChainLink, PurgeEvent

    return {ChainLink._meta.db_table, PurgeEvent._meta.db_table}


def purge_record():
    """(label, table) of the purge record the door requires (``JOURNAL_PURGE_RECORD_MODEL``)."""
    from django.apps import apps
    from django.conf import settings

    model = apps.get_model(settings.JOURNAL_PURGE_RECORD_MODEL)
    return model._meta.label_lower, model._meta.db_table


def install(connection) -> int:
    """Create or refresh the functions and one trigger per protected table; returns the count."""
    if connection.vendor != "postgresql":
        return 0
    existing = set(connection.introspection.table_names())
    tables = [t for t in protected_tables() if t in existing]
    label, record_table = purge_record()
    sql = (
        FUNCTION.replace("__LABEL_RE__", _literal(label.replace(".", r"\.")))
        .replace("__LABEL__", _literal(label))
        .replace("__TABLE__", connection.ops.quote_name(record_table))
    )
    own = _journal_tables()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for table in tables:
            name = connection.ops.quote_name(table)
            kind = "journal" if table in own else "history"
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {name}")
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {name} "
                f"FOR EACH ROW EXECUTE FUNCTION journal_append_only('{kind}')"
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {name}")
            cursor.execute(
                f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {name} "
                "FOR EACH STATEMENT EXECUTE FUNCTION journal_no_truncate()"
            )
        _register_personal_columns(cursor, existing)
    from journal import roles

    roles.grant_configured(connection)
    return len(tables)


def personal_columns() -> dict[tuple[str, str], str | None]:
    """(history table, column) -> its anonymised value, for every personal field of every
    history table (``PERSONAL_FIELDS``); a NOT NULL column gets "" rather than NULL."""
    from journal.chain import history_models
    from journal.personal_data import (
        ANONYMISED,
        HISTORY_PERSONAL,
        PERSONAL_FIELDS,
        anonymised_value,
    )

    found: dict[tuple[str, str], str | None] = {}
    for label, model, history_model in history_models():
        columns = {f.name: f for f in history_model._meta.concrete_fields}
        for name in HISTORY_PERSONAL:
            if name in columns:
                found[(history_model._meta.db_table, columns[name].column)] = ANONYMISED
        for name in PERSONAL_FIELDS.get(label, ()):
            if name not in columns:
                continue
            value = anonymised_value(model._meta.get_field(name))
            if value is None and not columns[name].null:
                value = ""
            found[(history_model._meta.db_table, columns[name].column)] = value
    return found


def _register_personal_columns(cursor, existing: set[str]) -> None:
    cursor.execute("DELETE FROM journal_personal_column")
    rows = [(t, c, v) for (t, c), v in sorted(personal_columns().items()) if t in existing]
    if rows:
        cursor.executemany(
            "INSERT INTO journal_personal_column (tbl, col, value) VALUES (%s, %s, %s)", rows
        )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def install_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    install(connections[using])
