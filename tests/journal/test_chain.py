"""The hash chain: an untouched journal verifies; any edit behind the application's back is
named; the GDPR purge's rewrite of personal fields keeps it verifiable."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from dossiers import services
from dossiers.models import Claim, Debtor
from journal import chain, heads, verification
from journal.guard import erasure
from journal.models import ChainLink
from journal.personal_data import PERSONAL_FIELDS, anonymised_value
from tests.factories import ClaimFactory, CreditorFactory
from tests.fixtures.app_role import as_owner

pytestmark = pytest.mark.django_db


def _raw_update(table: str, sql_set: str, params: list, where_id: int) -> None:
    """Edit a history row with raw SQL, the append-only trigger disabled (an attacker with
    the database owner's rights)."""
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER journal_append_only')
        sql = f'UPDATE "{table}" SET {sql_set} WHERE history_id = %s'  # noqa: S608
        cursor.execute(sql, [*params, where_id])
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER journal_append_only')


@pytest.fixture
def claims(controller):
    creditor = CreditorFactory()
    first = ClaimFactory(actor=controller, creditor=creditor)
    second = ClaimFactory(actor=controller, creditor=creditor)
    services.payment_record(
        dossier=first.dossier, amount=first.amount / 2, received_on=first.due_date, actor=controller
    )
    return first, second


def test_untouched_journal_verifies(claims, capsys):
    result = verification.verify()
    assert result.ok, result.problems
    assert result.checked == ChainLink.objects.count() > 0
    call_command("journal_verify")
    assert "Journal intègre" in capsys.readouterr().out


def test_raw_sql_edit_is_named_and_exits_non_zero(claims, capsys):
    first, _second = claims
    call_command("journal_verify")  # seal everything
    table = Claim.history.model._meta.db_table
    row = Claim.history.filter(id=first.pk).order_by("history_id").first()
    _raw_update(table, "amount = %s", ["1.00"], row.history_id)

    result = verification.verify()
    assert not result.ok
    bad = result.first_bad
    assert (bad.model, bad.history_id) == ("dossiers.claim", row.history_id)
    assert bad.dossier_reference == first.dossier.reference
    with pytest.raises(CommandError) as excinfo:
        call_command("journal_verify", "--dossier", first.dossier.reference)
    assert excinfo.value.returncode == 1
    assert f"dossiers.claim n° {row.history_id}" in str(excinfo.value)
    # the other dossier's chain is untouched
    assert verification.verify(claims[1].dossier).ok


def test_personal_field_edited_by_raw_sql_is_detected(claims):
    first, _ = claims
    chain.seal()
    debtor = first.dossier.debtor
    row = Debtor.history.filter(id=debtor.pk).first()
    _raw_update(
        Debtor.history.model._meta.db_table, "name = %s", ["Autre Nom SARL"], row.history_id
    )
    result = verification.verify()
    assert result.first_bad.history_id == row.history_id
    assert "name" in result.first_bad.message


def test_deleted_history_row_is_named(claims):
    first, _ = claims
    chain.seal()
    row = Claim.history.filter(id=first.pk).first()
    table = Claim.history.model._meta.db_table
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER journal_append_only')
        sql = f'DELETE FROM "{table}" WHERE history_id = %s'  # noqa: S608
        cursor.execute(sql, [row.history_id])
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER journal_append_only')
    result = verification.verify()
    assert result.first_bad.history_id == row.history_id
    assert "supprimée" in result.first_bad.message


def test_history_tables_refuse_update_and_delete(claims):
    first, _ = claims
    for statement in ("UPDATE {t} SET amount = 1", "DELETE FROM {t}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(t=Claim.history.model._meta.db_table))
    assert Claim.history.filter(id=first.pk).exists()
    chain.seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        ChainLink.objects.update(hash="0" * 64)


def _purge(debtor: Debtor, certificate: str) -> None:
    """What the GDPR purge does: personal fields of the history rows replaced through the
    guard, then the live row saved (an ordinary new history row)."""
    with erasure(certificate=certificate) as purge:
        for label, names in PERSONAL_FIELDS.items():
            if label != "dossiers.debtor" or not names:
                continue
            history = Debtor.history.model
            values = {n: anonymised_value(Debtor._meta.get_field(n)) for n in names}
            values = {
                k: ("" if v is None and not history._meta.get_field(k).null else v)
                for k, v in values.items()
            }
            purge.update(history.objects.filter(id=debtor.pk), values)
            for name, value in values.items():
                setattr(debtor, name, value)
            debtor._change_reason = "purge RGPD"
            debtor.save()


def test_journal_still_verifies_after_a_purge(claims, certificate):
    first, _ = claims
    chain.seal()
    debtor = first.dossier.debtor
    _purge(debtor, certificate)
    assert Debtor.history.filter(id=debtor.pk, name=debtor.name).count() >= 2
    result = verification.verify()
    assert result.ok, [str(p) for p in result.problems]
    # ...but a non-personal change after the purge is still caught
    row = Debtor.history.filter(id=debtor.pk).order_by("history_id").first()
    _raw_update(Debtor.history.model._meta.db_table, "kind = %s", ["consumer"], row.history_id)
    assert verification.verify().first_bad.history_id == row.history_id


def test_purge_rewrite_outside_the_guard_is_refused(claims):
    first, _ = claims
    with pytest.raises(DatabaseError), transaction.atomic():
        Debtor.history.model.objects.filter(id=first.dossier.debtor_id).update(name="x")


def test_recomputed_chain_is_caught_by_the_head_file(claims, settings, tmp_path):
    settings.JOURNAL_HEAD_DIR = tmp_path
    first, _ = claims
    path = heads.write_head()
    document = json.loads(path.read_text())
    assert document["chains"][chain.chain_of(first.dossier_id)]["hash"]
    assert verification.verify().ok
    # An attacker rewrites a row and recomputes every hash of that chain inside the database.
    row = Claim.history.filter(id=first.pk).order_by("history_id").first()
    _raw_update(Claim.history.model._meta.db_table, "amount = %s", ["1.00"], row.history_id)
    _recompute(chain.chain_of(first.dossier_id))
    result = verification.verify()
    assert not result.ok
    assert "tête de chaîne" in str(result.first_bad)
    # A head file altered by hand is reported too.
    document["chains"][chain.chain_of(first.dossier_id)]["seq"] = 1
    path.write_text(json.dumps(document))
    assert any("altéré" in str(p) for p in verification.verify().problems)


def test_head_files_of_another_journal_are_set_aside_not_reported(
    claims, settings, tmp_path, capsys
):
    """A database created anew beside the old head files (the demo seeded again): those files
    are not read as a recomputed chain; the command says it set them aside."""
    settings.JOURNAL_HEAD_DIR = tmp_path
    path = heads.write_head()
    document = json.loads(path.read_text())
    assert document["journal"] == heads.journal_identity() != ""
    document["journal"] = "0" * 64  # written by another database
    document["chains"] = {name: {"seq": 1, "hash": "f" * 64} for name in document["chains"]}
    document["head"] = heads._digest(document["chains"])
    path.write_text(json.dumps(document))
    result = verification.verify()
    assert result.ok and result.foreign_head_files == 1 and result.head_files_checked == 0
    call_command("journal_verify")
    assert "1 fichier(s) de tête d'un autre journal" in capsys.readouterr().out


def _recompute(name: str) -> None:
    links = list(ChainLink.objects.filter(chain=name).order_by("seq"))
    rows = chain._rows_for(links)
    prev = chain.GENESIS
    table = ChainLink._meta.db_table
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER journal_append_only')
        for link in links:
            document = chain.row_document(
                link.model, rows[(link.model, link.history_id)], link.personal
            )
            digest = chain.link_hash(prev, document)
            cursor.execute(
                f'UPDATE "{table}" SET prev_hash = %s, hash = %s WHERE id = %s',  # noqa: S608
                [prev, digest, link.pk],
            )
            prev = digest
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER journal_append_only')


def test_bulk_operations_are_journaled_and_chained(claims, controller):
    from journal.bulk import journaled_bulk_update

    first, second = claims
    chain.seal()
    for claim in (first, second):
        claim.contract_ref = "CTR-2026-1"
    journaled_bulk_update([first, second], ["contract_ref"], actor=controller, reason="import")
    rows = Claim.history.filter(history_change_reason="import")
    assert [(r.history_user, r.contract_ref) for r in rows] == [(controller, "CTR-2026-1")] * 2
    result = verification.verify()
    assert result.ok and result.sealed_now == 2
    assert set(
        ChainLink.objects.filter(
            history_id__in=[r.history_id for r in rows], model="dossiers.claim"
        ).values_list("chain", flat=True)
    ) == {chain.chain_of(first.dossier_id), chain.chain_of(second.dossier_id)}


def test_every_evidentiary_model_is_journaled_and_chained_to_its_dossier():
    from dossiers import models as d
    from escalade.models import AmicableResolutionAttempt, EscalationDecision, SolvencyAnalysis
    from relances.models import CallLog, Reminder

    chained = {label for label, _m, _h in chain.history_models()}
    per_dossier = [
        d.Dossier, d.Claim, d.Payment, d.Promise, d.PaymentPlan, d.Installment, d.Dispute,
        d.Evidence, Reminder, CallLog, EscalationDecision, SolvencyAnalysis,
        AmicableResolutionAttempt,
    ]  # fmt: skip
    for model in [d.Debtor, *per_dossier]:
        assert model._meta.label_lower in chained, model
    for model in per_dossier:
        assert chain.dossier_filter(model, 1) is not None, model
    assert chain.dossier_filter(d.Debtor, 1) is None  # a debtor may have several dossiers


def test_verifying_one_dossier_seals_only_its_rows(claims):
    first, second = claims
    result = verification.verify(first.dossier)
    assert result.ok and result.sealed_now > 0
    assert set(ChainLink.objects.values_list("chain", flat=True)) == {
        chain.chain_of(first.dossier_id)
    }
    assert verification.verify().ok
    assert chain.chain_of(second.dossier_id) in set(
        ChainLink.objects.values_list("chain", flat=True)
    )


def test_a_purge_of_every_personal_field_of_every_table_keeps_the_chain(
    to_go_no_go, complete, manager, certificate
):
    """What the GDPR purge does, on every table of the registry: each personal field of each
    history row set to ``anonymised_value(field)``, through the guard, nothing else touched."""
    from django.apps import apps

    dossier = complete(to_go_no_go())
    chain.seal()
    rewritten = 0
    with erasure(certificate=certificate) as purge:
        for label, names in PERSONAL_FIELDS.items():
            model = apps.get_model(label)
            if not hasattr(model, "history"):
                continue  # no history table (an API answer kept for replays)
            history = model.history.model
            kept = {f.name for f in history._meta.concrete_fields}
            for name in names:
                if name not in kept:
                    continue  # left out of the history (an import's preview)
                # The live field's anonymised value, as the purge writes it ("" for a file,
                # whose history column is text; "" rather than NULL in a NOT NULL column).
                value = anonymised_value(model._meta.get_field(name))
                if value is None and not history._meta.get_field(name).null:
                    value = ""
                rewritten += purge.update(history.objects.exclude(**{name: value}), {name: value})
    assert rewritten > 20
    result = verification.verify()
    assert result.ok, [str(p) for p in result.problems]
    # The same rewrite outside the personal fields is named.
    row = Claim.history.filter(dossier_id=dossier.pk).order_by("history_id").last()
    _raw_update(Claim.history.model._meta.db_table, "outstanding = %s", ["0"], row.history_id)
    assert verification.verify(dossier).first_bad.history_id == row.history_id


def test_beat_seals_and_writes_the_dated_head_file_daily(claims, settings, tmp_path):
    from django.conf import settings as live_settings

    from journal.tasks import seal_task, write_head_task
    from recouvrement.celery import app

    app.loader.import_default_modules()
    for key in ("journal-seal", "journal-head"):
        assert live_settings.CELERY_BEAT_SCHEDULE[key]["task"] in app.tasks
    assert seal_task.delay().get() > 0
    settings.JOURNAL_HEAD_DIR = tmp_path / "tetes"
    path = write_head_task.delay().get()
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    assert path.endswith(f"chain-head-{document['date']}.json")
    assert {
        name: {"seq": value["seq"], "hash": value["hash"]}
        for name, value in document["chains"].items()
    } == {name: {"seq": seq, "hash": digest} for name, (seq, digest) in chain.all_heads().items()}
