"""Least privilege on PostgreSQL: what the application's role may do to the evidence.

Two roles: an **owner** that owns every table and runs ``migrate`` (the one in
``MIGRATION_DATABASE_URL`` or, in the tests, ``postgres``), and the **application's role**
(``settings.DATABASE_APP_ROLE``) that the web, worker and beat processes log in as. The
application's role owns nothing, so it can neither ``ALTER TABLE … DISABLE TRIGGER`` nor drop
a trigger; it is no superuser, so ``session_replication_role`` is closed to it; on the history
tables and the journal's tables it has SELECT and INSERT only (no UPDATE, DELETE, TRUNCATE); it
cannot read or write ``journal_rewrite_door`` nor ``journal_personal_column``; it may EXECUTE
``journal_anonymise`` only, the purge's door, which refuses without a purge record and writes
nothing but the registered anonymised values into personal columns (``journal.triggers``).

``grant(connection, role)`` sets all this (idempotent), run after every ``migrate`` when
``DATABASE_APP_ROLE`` is set (``post_migrate``, so tables added later are covered) and by
``python manage.py journal_roles``.
"""

from __future__ import annotations

from django.conf import settings


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def role_exists(connection, role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def create_role(connection, role: str, *, password: str | None = None) -> None:
    """Create a login role with no attribute beyond LOGIN (NOSUPERUSER, NOCREATEDB,
    NOCREATEROLE), if it does not exist, and set its password when given; roles belong to the
    whole cluster."""
    from django.db import DatabaseError, transaction

    who = _quote(connection, role)
    if not role_exists(connection, role):
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(f"CREATE ROLE {who} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        except DatabaseError:
            if not role_exists(connection, role):  # created meanwhile by a concurrent run: fine
                raise
    if password:
        from psycopg import sql

        connection.ensure_connection()
        literal = sql.Literal(password).as_string(connection.connection)
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER ROLE {who} PASSWORD {literal}")


def grant(connection, role: str) -> dict[str, int]:
    """Give ``role`` what the application needs and no more (see the module's docstring)."""
    from journal.triggers import DOOR_TABLE, PERSONAL_TABLE, protected_tables

    if connection.vendor != "postgresql":
        return {}
    who = _quote(connection, role)
    existing = set(connection.introspection.table_names())
    protected = set(protected_tables()) & existing
    counts = {"tables": 0, "append_only": 0}
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {who}")
        for table in sorted(existing):
            name = _quote(connection, table)
            cursor.execute(f"REVOKE ALL ON {name} FROM {who}")
            if table in (DOOR_TABLE, PERSONAL_TABLE):
                continue
            if table in protected:
                cursor.execute(f"GRANT SELECT, INSERT ON {name} TO {who}")
                counts["append_only"] += 1
            else:
                cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {who}")
            counts["tables"] += 1
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}")
        cursor.execute(f"REVOKE ALL ON FUNCTION journal_open_rewrite(text) FROM {who}")
        cursor.execute(
            f"GRANT EXECUTE ON FUNCTION journal_anonymise(text, text, text[], bigint[]) TO {who}"
        )
    return counts


def grant_configured(connection) -> None:
    """After ``migrate``: grant to ``settings.DATABASE_APP_ROLE`` if set (and existing)."""
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    if connection.vendor == "postgresql" and role and role_exists(connection, role):
        grant(connection, role)


def owned_tables(connection, role: str) -> list[str]:
    """The tables of the current database that ``role`` owns (the application's: none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
            [role],
        )
        return sorted(row[0] for row in cursor.fetchall())
