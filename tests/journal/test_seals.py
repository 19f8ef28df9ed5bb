"""Issue #21, gap 3: truncation. Deleting a dossier's newest history row with its chain link
passed verification when the link was newer than the last head file. Heads are now sealed
outside the database at least hourly (beat) and after every daily run; a link missing after a
sealed head is named. What is written after the last seal stays undetectable (docs/journal.md)."""

import json
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.db import connection

from dossiers import services
from journal import chain, heads, verification
from journal.models import ChainLink
from tests.factories import ClaimFactory
from tests.fixtures.app_role import as_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(controller):
    claim = ClaimFactory(actor=controller)
    heads.write_head()  # yesterday's evening: the daily head file
    # New activity after the daily file: a payment, sealed by the 10-minute beat.
    services.payment_record(
        dossier=claim.dossier,
        amount=claim.amount / 2,
        received_on=claim.due_date,
        actor=controller,
    )
    chain.seal()
    return claim.dossier


def _newest(dossier) -> ChainLink:
    return ChainLink.objects.filter(chain=chain.chain_of(dossier.pk)).order_by("-seq").first()


def _truncate(link: ChainLink) -> None:
    """The database owner deletes the newest history row and its link (triggers disabled)."""
    history = {label: hm for label, _m, hm in chain.chained_models()}[link.model]
    table = history._meta.db_table
    links = ChainLink._meta.db_table
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in (table, links):
            cursor.execute(f'ALTER TABLE "{name}" DISABLE TRIGGER journal_append_only')
        cursor.execute(f'DELETE FROM "{table}" WHERE history_id = %s', [link.history_id])  # noqa: S608
        cursor.execute(f'DELETE FROM "{links}" WHERE id = %s', [link.pk])  # noqa: S608
        for name in (table, links):
            cursor.execute(f'ALTER TABLE "{name}" ENABLE TRIGGER journal_append_only')


def test_heads_are_sealed_at_least_hourly_and_after_the_daily_runs(settings):
    from django.conf import settings as live_settings

    from recouvrement.celery import app

    app.loader.import_default_modules()
    entries = [
        entry
        for entry in live_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "journal.seal_heads"
    ]
    assert entries and "journal.seal_heads" in app.tasks
    schedule = entries[0]["schedule"]
    if isinstance(schedule, crontab):
        assert schedule.hour == set(range(24))
    else:
        assert float(schedule) <= 3600
    assert {"relances.run_cadence", "rgpd.purge"} <= set(live_settings.JOURNAL_SEAL_AFTER_TASKS)


def test_truncation_after_a_sealed_head_is_named(dossier):
    from journal.tasks import seal_heads_task

    path = seal_heads_task.delay().get()  # the hourly beat
    newest = _newest(dossier)
    recorded = json.loads(Path(path).read_text(encoding="utf-8"))["chains"][newest.chain]
    assert (recorded["seq"], recorded["hash"]) == (newest.seq, newest.hash)
    assert verification.verify().ok

    _truncate(newest)

    result = verification.verify()
    assert not result.ok
    bad = result.first_bad
    assert (bad.chain, bad.seq) == (newest.chain, newest.seq)
    assert (bad.model, bad.history_id) == (newest.model, newest.history_id)
    assert bad.dossier_reference == dossier.reference
    assert "maillon" in bad.message and "manquant" in bad.message
    assert verification.verify(dossier).first_bad.history_id == newest.history_id


def test_a_whole_chain_deleted_after_a_seal_is_named(dossier):
    heads.write_seal()
    while (link := _newest(dossier)) is not None:
        _truncate(link)
    result = verification.verify()
    assert [p.chain for p in result.problems] == [chain.chain_of(dossier.pk)]
    assert "manquant" in result.first_bad.message


def test_a_daily_run_seals_the_heads(dossier, settings):
    """The tasks of JOURNAL_SEAL_AFTER_TASKS (the cadence's daily run, the purge) write a seal
    when they finish."""
    from rgpd.tasks import purge_task

    before = set(heads.head_files())
    purge_task.delay()
    written = set(heads.head_files()) - before
    assert len(written) == 1
    document = json.loads(written.pop().read_text(encoding="utf-8"))
    assert document["chains"][_newest(dossier).chain]["seq"] == _newest(dossier).seq


def test_a_seal_with_nothing_new_writes_no_file(dossier):
    assert heads.write_seal() is not None
    assert heads.write_seal() is None


def test_truncation_after_the_last_seal_stays_undetectable(dossier, controller):
    """The documented limit: a row written (and chained) after the last seal can be deleted
    with its link by someone holding the database owner's rights, and no verification can tell:
    nothing outside the database knew of it yet."""
    heads.write_seal()
    claim = dossier.claims.first()
    services.payment_record(
        dossier=dossier, amount=claim.amount / 4, received_on=claim.due_date, actor=controller
    )
    chain.seal()
    _truncate(_newest(dossier))
    assert verification.verify().ok
