"""RFC 3161 timestamps of the seals, against a time-stamping authority the test starts on
loopback (``openssl ts -reply`` behind a small HTTP server, with a test CA made at test time)."""

import json
import shutil

import pytest
from django.core.management import call_command

from journal import heads, timestamps, verification
from tests.factories import ClaimFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl absent"),
]


def test_each_seal_is_timestamped_and_checked_offline(tsa, controller, capsys):
    ClaimFactory(actor=controller)
    path = heads.write_seal()
    answer = timestamps.answer_path(path)
    assert answer.exists() and tsa == ["application/timestamp-query"]
    daily = heads.write_head()
    assert timestamps.answer_path(daily).exists()

    result = verification.verify()
    assert result.ok, [str(p) for p in result.problems]
    assert result.timestamps_checked == 2
    call_command("journal_verify")
    assert "dont 2 horodaté(s) (RFC 3161)" in capsys.readouterr().out


def test_a_seal_rewritten_after_its_timestamp_is_named(tsa, controller):
    """Whoever can write the directory rewrites a seal consistently (its ``head`` recomputed):
    the timestamp no longer matches it."""
    ClaimFactory(actor=controller)
    path = heads.write_seal()
    document = json.loads(path.read_text(encoding="utf-8"))
    name = next(iter(document["chains"]))
    document["chains"][name]["seq"] += 1
    document["head"] = heads._digest(document["chains"])
    path.write_text(json.dumps(document), encoding="utf-8")

    problems = verification.verify().problems
    assert [(p.model, "horodatage RFC 3161 invalide" in p.message) for p in problems] == [
        (path.name, True)
    ]


def test_without_an_authority_nothing_is_sent(controller, settings):
    settings.JOURNAL_TSA_URL = ""
    ClaimFactory(actor=controller)
    path = heads.write_seal()
    assert not timestamps.answer_path(path).exists()
    assert verification.verify().timestamps_checked == 0
