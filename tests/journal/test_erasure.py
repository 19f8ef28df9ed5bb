"""Issue #21, gaps 1 and 2: wiping a call's notes by hand is not a purge.

The chain accepts an anonymised personal value only for the rows a recorded purge anonymised
(``journal.models.PurgeEvent``, an event of the dossier's chain naming the rows, the fields and
the certificate); the same change made by hand, or through the trigger's door without a record,
is named by ``journal_verify``.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from journal import chain, guard, verification
from journal.models import PurgeEvent
from relances import services as cadence
from relances.models import CallLog
from tests.factories import ClaimFactory, CreditorFactory
from tests.fixtures.app_role import as_owner

pytestmark = pytest.mark.django_db

NOTES = ("contact_name", "debtor_said", "summary", "objections")
WIPED = "[anonymisé]"


def _call(dossier, actor) -> CallLog:
    return cadence.call_log(
        dossier=dossier,
        actor=actor,
        outcome="reached",
        contact_name="Mme Roussel",
        contact_role="debtor",
        debtor_said="Elle reconnaît la facture et paiera fin du mois.",
        objections="Trésorerie tendue ; échéancier refusé.",
        summary="Reconnaissance de la dette au téléphone.",
    )


@pytest.fixture
def called(controller):
    creditor = CreditorFactory()
    first = ClaimFactory(actor=controller, creditor=creditor).dossier
    second = ClaimFactory(actor=controller, creditor=creditor).dossier
    calls = [_call(first, controller), _call(second, controller)]
    chain.seal()
    return calls


def _history_row(call: CallLog):
    return CallLog.history.filter(id=call.pk).order_by("history_id").first()


def _wipe_as_owner(row) -> None:
    """The database owner disables the trigger and blanks the notes (raw SQL)."""
    table = CallLog.history.model._meta.db_table
    assignments = ", ".join(f"{name} = %s" for name in NOTES)
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER journal_append_only')
        cursor.execute(
            f'UPDATE "{table}" SET {assignments} WHERE history_id = %s',  # noqa: S608
            [WIPED] * len(NOTES) + [row.history_id],
        )
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER journal_append_only')


def test_call_notes_wiped_by_hand_are_named(called, capsys):
    call = called[0]
    row = _history_row(call)
    assert verification.verify().ok
    _wipe_as_owner(row)

    result = verification.verify()
    assert not result.ok
    bad = result.first_bad
    assert (bad.model, bad.history_id) == ("relances.calllog", row.history_id)
    assert bad.dossier_reference == call.dossier.reference
    assert "effacée sans purge enregistrée" in bad.message
    with pytest.raises(CommandError) as excinfo:
        call_command("journal_verify", "--dossier", call.dossier.reference)
    assert excinfo.value.returncode == 1
    assert f"relances.calllog n° {row.history_id}" in str(excinfo.value)
    assert verification.verify(called[1].dossier).ok  # the other dossier is untouched


def test_call_notes_wiped_through_the_session_setting_are_named(called):
    """Whoever opens the old door (``SET LOCAL recouvrement.history_rewrite``) without a purge
    record: refused by the database, or named by the verification."""
    call = called[0]
    row = _history_row(call)
    table = CallLog.history.model._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('recouvrement.history_rewrite', 'on', true)")
            cursor.execute(
                f'UPDATE "{table}" SET debtor_said = %s WHERE history_id = %s',  # noqa: S608
                [WIPED, row.history_id],
            )
    except Exception:
        assert _history_row(call).debtor_said != WIPED
        return
    result = verification.verify()
    assert (result.first_bad.model, result.first_bad.history_id) == (
        "relances.calllog",
        row.history_id,
    )
    assert "debtor_said" in result.first_bad.message


def test_a_recorded_erasure_is_an_event_of_the_chain_and_verifies(called, certificate):
    call, other = called
    rows = CallLog.history.filter(dossier_id=call.dossier_id)
    ids = sorted(rows.values_list("history_id", flat=True))
    with guard.erasure(certificate=certificate) as erasure:
        count = erasure.update(rows, dict.fromkeys(NOTES, WIPED))
    assert count == len(ids) > 0

    event = PurgeEvent.objects.get(chain=chain.chain_of(call.dossier_id))
    assert event.certificate == certificate
    assert event.dossier_id == call.dossier_id
    assert event.rows["relances.calllog"]["ids"] == ids
    assert set(event.rows["relances.calllog"]["fields"]) == set(NOTES)
    # The event is sealed in the dossier's chain, after the rows it anonymised.
    link = chain.ChainLink.objects.get(model="journal.purgeevent", history_id=event.pk)
    assert link.chain == event.chain
    result = verification.verify()
    assert result.ok, [str(p) for p in result.problems]

    # The same wipe on the other dossier, not recorded, is still named.
    _wipe_as_owner(_history_row(other))
    result = verification.verify()
    assert [(p.model, p.history_id) for p in result.problems] == [
        ("relances.calllog", _history_row(other).history_id)
    ]


def test_a_forged_or_edited_purge_event_authorises_nothing(called):
    call = called[0]
    row = _history_row(call)
    _wipe_as_owner(row)
    # Someone with the database but not the journal's key writes the event the purge would.
    PurgeEvent.objects.create(
        chain=chain.chain_of(call.dossier_id),
        dossier_id=call.dossier_id,
        certificate="rgpd.purgecertificate:999",
        rows={"relances.calllog": {"fields": list(NOTES), "ids": [row.history_id]}},
        mac="0" * 64,
    )
    result = verification.verify()
    messages = {(p.model, p.history_id): p.message for p in result.problems}
    assert "effacée sans purge enregistrée" in messages[("relances.calllog", row.history_id)]
