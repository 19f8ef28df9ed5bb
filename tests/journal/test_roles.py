# ruff: noqa: S608 - the attempts are SQL written by hand, as an attacker would
"""Issue #21, least privilege: the triggers' door is no session setting any role can set.

The application's role owns no table and may only SELECT and INSERT on the history and journal
tables; the purge's rewrite goes through ``journal_open_rewrite``, a SECURITY DEFINER function
that refuses without a purge record. Each attempt below runs as the application's role, or as a
second role granted UPDATE and DELETE on the evidence, and is refused by the database, or
detected and named by the verification.
"""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from journal import chain, guard, roles, verification
from journal.models import ChainLink
from relances import services as cadence
from relances.models import CallLog
from tests.factories import ClaimFactory
from tests.fixtures.app_role import as_owner

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="rôles : PostgreSQL seulement"),
]

APP = settings.DATABASE_APP_ROLE or "recouvrement_app"
UPDATER = "recouvrement_test_updater"
WIPED = "[anonymisé]"


def attempt(role: str, *statements: str) -> str | None:
    """Run ``statements`` as ``role`` in a savepoint: the database's refusal, or None."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("RESET ROLE")
    except DatabaseError as exc:
        return str(exc)
    return None


@pytest.fixture
def app_role(db):
    with as_owner():
        roles.create_role(connection, APP)
        roles.grant(connection, APP)
    return APP


@pytest.fixture
def updater_role(app_role):
    """A second role, granted UPDATE and DELETE (and TRUNCATE) on every evidence table."""
    from journal.triggers import protected_tables

    with as_owner(), connection.cursor() as cursor:
        roles.create_role(connection, UPDATER)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {UPDATER}")
        for table in protected_tables():
            cursor.execute(f'GRANT SELECT, UPDATE, DELETE, TRUNCATE ON "{table}" TO {UPDATER}')
    return UPDATER


@pytest.fixture
def call(controller):
    dossier = ClaimFactory(actor=controller).dossier
    logged = cadence.call_log(
        dossier=dossier,
        actor=controller,
        outcome="reached",
        contact_name="M. Lebrun",
        debtor_said="Reconnaît la dette, paiera le 15.",
        summary="Engagement de paiement au téléphone.",
    )
    chain.seal()
    row = CallLog.history.filter(id=logged.pk).order_by("history_id").first()
    return logged, row


def _privilege(role: str, table: str, privilege: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
        return cursor.fetchone()[0]


HISTORY = CallLog.history.model._meta.db_table
LINKS = ChainLink._meta.db_table


def test_the_application_role_owns_no_table_and_only_appends_to_the_evidence(app_role):
    from journal.triggers import DOOR_TABLE, protected_tables

    assert roles.owned_tables(connection, app_role) == []
    for table in protected_tables():
        assert _privilege(app_role, table, "SELECT") and _privilege(app_role, table, "INSERT")
        for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
            assert not _privilege(app_role, table, privilege), (table, privilege)
    assert not _privilege(app_role, DOOR_TABLE, "SELECT")
    assert not _privilege(app_role, DOOR_TABLE, "INSERT")
    assert _privilege(app_role, "dossiers_dossier", "UPDATE")  # the live tables: as usual


@pytest.mark.parametrize(
    "statements",
    [
        [f"UPDATE {HISTORY} SET debtor_said = '{WIPED}'"],
        [
            "SELECT set_config('recouvrement.history_rewrite', 'on', true)",
            f"UPDATE {HISTORY} SET debtor_said = '{WIPED}'",
        ],
        [f"DELETE FROM {HISTORY}"],
        [f"TRUNCATE {HISTORY}"],
        [f"DELETE FROM {LINKS}"],
        [f"UPDATE {LINKS} SET hash = repeat('0', 64)"],
        [f"ALTER TABLE {HISTORY} DISABLE TRIGGER journal_append_only"],
        [f"DROP TRIGGER journal_append_only ON {HISTORY}"],
        ["SET session_replication_role = replica"],
        ["INSERT INTO journal_rewrite_door (txid, certificate) VALUES (txid_current(), 'x')"],
        ["SELECT journal_open_rewrite('rgpd.purgecertificate:0')"],
        ["SELECT journal_open_rewrite('on')"],
        [f"SELECT journal_anonymise('rgpd.purgecertificate:0', '{HISTORY}', '{{summary}}', NULL)"],
        [f"SELECT journal_anonymise('on', '{HISTORY}', '{{summary}}', NULL)"],
    ],
    ids=[
        "update",
        "session-setting",
        "delete",
        "truncate",
        "delete-links",
        "update-links",
        "disable-trigger",
        "drop-trigger",
        "replication-role",
        "forge-door",
        "door-without-record",
        "door-bad-record",
        "anonymise-without-record",
        "anonymise-bad-record",
    ],
)
def test_the_application_role_cannot_rewrite_the_evidence(app_role, call, statements):
    _logged, row = call
    refusal = attempt(app_role, *statements)
    assert refusal, statements
    assert CallLog.history.get(history_id=row.history_id).debtor_said == row.debtor_said
    assert verification.verify().ok


@pytest.mark.parametrize(
    "statements",
    [
        [
            "SELECT set_config('recouvrement.history_rewrite', 'on', true)",
            f"UPDATE {HISTORY} SET debtor_said = '{WIPED}'",
        ],
        [f"UPDATE {HISTORY} SET summary = '{WIPED}'"],
        [f"DELETE FROM {HISTORY}"],
        [f"TRUNCATE {HISTORY}"],
        [f"DELETE FROM {LINKS}"],
        [f"TRUNCATE {LINKS} CASCADE"],
        [f"UPDATE {LINKS} SET hash = repeat('0', 64)"],
        ["SET session_replication_role = replica", f"DELETE FROM {HISTORY}"],
        ["SELECT journal_open_rewrite('rgpd.purgecertificate:0')"],
        [f"SELECT journal_anonymise('rgpd.purgecertificate:0', '{HISTORY}', '{{summary}}', NULL)"],
    ],
    ids=[
        "session-setting",
        "update",
        "delete",
        "truncate",
        "delete-links",
        "truncate-links",
        "update-links",
        "replication-role",
        "door-without-record",
        "anonymise",
    ],
)
def test_a_role_with_update_rights_is_refused_by_the_trigger(updater_role, call, statements):
    _logged, row = call
    refusal = attempt(updater_role, *statements)
    assert refusal, statements
    assert CallLog.history.get(history_id=row.history_id).debtor_said == row.debtor_said
    assert verification.verify().ok


def test_the_purge_rewrites_history_as_the_application_role(app_role, call, certificate):
    """The real door: the application's role, with a purge record, through the guard."""
    _logged, row = call
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app_role}")
        with guard.erasure(certificate=certificate) as erasure:
            count = erasure.update(
                CallLog.history.filter(history_id=row.history_id), {"debtor_said": WIPED}
            )
        cursor.execute("RESET ROLE")
    assert count == 1
    assert CallLog.history.get(history_id=row.history_id).debtor_said == WIPED
    result = verification.verify()
    assert result.ok, [str(p) for p in result.problems]
    with as_owner(), connection.cursor() as cursor:  # only the owner reads the door's record
        cursor.execute("SELECT certificate FROM journal_rewrite_door")
        assert (certificate,) in cursor.fetchall()  # the door's openings are kept


def test_the_door_with_a_purge_record_writes_only_anonymised_personal_values(
    app_role, call, certificate
):
    """Even with a purge record, the door writes nothing but the registered anonymised value
    into a personal column of a history table: any other column or table is refused."""
    from dossiers.models import Claim

    _logged, _row = call
    claims = Claim.history.model._meta.db_table
    for table, column in ((claims, "amount"), (HISTORY, "outcome"), (LINKS, "hash")):
        refusal = attempt(
            app_role,
            f"SELECT journal_anonymise('{certificate}', '{table}', '{{{column}}}', NULL)",
        )
        assert refusal and "réécriture refusée" in refusal, (table, column)


def test_the_door_opened_by_hand_with_a_purge_record_is_named(app_role, call):
    """A hostile holder of the application's password may write a purge record and call the
    door itself: the database lets the anonymisation through, the journal names the row (no
    event authenticated with the journal's key lists it)."""
    from rgpd.models import PurgeCertificate

    _logged, row = call
    record = PurgeCertificate.objects.create(purge_date="2026-11-23", operator_label="x")
    refusal = attempt(
        app_role,
        f"SELECT journal_anonymise('rgpd.purgecertificate:{record.pk}', '{HISTORY}', "
        f"'{{debtor_said}}', ARRAY[{row.history_id}]::bigint[])",
    )
    assert refusal is None
    assert CallLog.history.get(history_id=row.history_id).debtor_said == WIPED
    result = verification.verify()
    assert (result.first_bad.model, result.first_bad.history_id) == (
        "relances.calllog",
        row.history_id,
    )
    assert "effacée sans purge enregistrée" in result.first_bad.message


def test_the_roles_command_creates_the_role_and_grants_least_privilege(capsys):
    from django.core.management import call_command

    with as_owner():
        call_command("journal_roles", "--role", APP)
    assert "ajout seul" in capsys.readouterr().out
    assert roles.owned_tables(connection, APP) == []
    assert not _privilege(APP, HISTORY, "UPDATE") and _privilege(APP, HISTORY, "INSERT")


@pytest.mark.skipif(not settings.DATABASE_APP_ROLE, reason="DATABASE_APP_ROLE non défini")
def test_the_suite_runs_as_the_application_role(controller):
    """Every test acts as the application's role (tests/fixtures/app_role.py), the owner only
    inside ``as_owner()``; a factory's writes (history rows, links) pass as that role."""

    def who() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, session_user")
            return cursor.fetchone()

    current, session = who()
    assert current == settings.DATABASE_APP_ROLE != session
    with as_owner():
        assert who() == (session, session)
    assert who()[0] == settings.DATABASE_APP_ROLE
    ClaimFactory(actor=controller)
    assert chain.seal() > 0 and verification.verify().ok
    refusal = attempt(current, f"DELETE FROM {HISTORY}")
    assert refusal and "permission denied" in refusal


@pytest.mark.skipif(not settings.DATABASE_APP_ROLE, reason="DATABASE_APP_ROLE non défini")
def test_a_test_connection_opened_as_another_role_fails(db):
    """The suite checks every connection it opens (``connection_created``): one that would act
    as the owner (a thread or a process given other options) fails the test that opened it."""
    import threading

    from django.db import connections

    from tests.fixtures.app_role import NotTheApplicationRole

    found = {}

    def open_a_connection():  # a thread opens a connection of its own, from the settings
        try:
            connections["default"].ensure_connection()
        except NotTheApplicationRole as exc:
            found["refused"] = str(exc)
        finally:
            connections["default"].close()

    options = settings.DATABASES["default"]["OPTIONS"]
    saved = options["options"]
    options["options"] = saved.replace(f"-c role={settings.DATABASE_APP_ROLE}", "")
    try:
        thread = threading.Thread(target=open_a_connection)
        thread.start()
        thread.join()
    finally:
        options["options"] = saved
    assert "pas 'recouvrement_app'" in found["refused"]
