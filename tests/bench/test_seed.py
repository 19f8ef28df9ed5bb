"""The bench's seed writes the same rows however fast it gets (issue #25): its counts and a
digest of every seeded table at 10,000 claims, recorded from the seed before it dropped and
rebuilt its indexes around the load (bench/seed.py, ``indexes_after``)."""

import os

from bench import db, run, seed
from tests.bench.conftest import on_postgresql

# bench/seed.py at main 2cf2237 (before this change), 10,000 claims, bench.seed.fingerprint.
BEFORE = {
    "dossiers_creditor": "20:28d15a1f37ebfa2cfe9e8f74be664209",
    "dossiers_debtor": "2000:f9404835ad297c3bc0d051f76d9aaa28",
    "dossiers_debtorcontact": "2000:d63b6b2bf8535eb1351d24749b449829",
    "dossiers_dossier": "2000:5858c803323549ac53a5d356d5ae7a0d",
    "dossiers_claim": "10000:5d6c1d565d42543cb047be452e6b74fd",
    "relances_reminder": "3964:fecc4cfb4c7c7780ee9927d7278c5ab8",
    "dossiers_payment": "600:1ff9519c4e96d239ea2b5e84f663c7c9",
    "dossiers_paymentallocation": "600:f288066e3c126598d93f489e2dcde965",
    "dossiers_promise": "80:63740e15dfda5e96a782ef1b8b1d0dcd",
    "dossiers_paymentplan": "20:9709002c4ad7e2238157e94b8d14e493",
    "dossiers_installment": "60:1c563b15e9b1b9ee9428d4e7b2753991",
    "dossiers_dispute": "59:ca738c160711f3369277c3ee39aa91c2",
    "relances_calllog": "984:9ea747e2fe544e4545cd74fbf4f77690",
    "dossiers_evidence": "534:9de4264d2887cc47f980db76bcdf2848",
    "courriers_sentmessage": "2980:bda3446dbc9bbcc250d692a28257e323",
}
COUNTS = {"claims": 10000, "dossiers": 2000, "due": 199, "catch_up": 11, "reminders": 3964,
          "payments": 600, "outstanding": 600, "promises": 80, "plans": 60, "disputes": 40,
          "open_disputes": 19, "calls": 984, "evidence": 534, "sent_messages": 2980}  # fmt: skip


@on_postgresql
def test_the_seed_writes_the_rows_it_wrote_before(test_template):
    name = f"rec_test_seed_10k_{os.getpid()}"  # two suites at once never share it
    db.create(name, template=run.TEMPLATE)
    try:
        assert seed.seed(name, 10_000) == COUNTS
        assert seed.fingerprint(name) == BEFORE
        assert set(seed.PHASES) >= {"rows", "enrich", "indexes", "summaries"}
    finally:
        db.drop(name)


def test_the_template_is_migrated_again_when_a_migration_changes(tmp_path, monkeypatch):
    (tmp_path / "app" / "migrations").mkdir(parents=True)
    migration = tmp_path / "app" / "migrations" / "0001_initial.py"
    migration.write_text("operations = []\n")
    monkeypatch.setattr(run, "ROOT", tmp_path)
    before = run.migrations_digest()
    assert run.migrations_digest() == before
    migration.write_text("operations = ['changed']\n")
    assert run.migrations_digest() != before
