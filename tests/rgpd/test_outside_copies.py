"""The purge's search of the message files (file e-mail backend): a file is found by the
addresses and Message-IDs it names, whole."""

from __future__ import annotations

import pytest

from rgpd import outside_copies

MAIL = """\
Content-Type: text/plain; charset="utf-8"
Subject: Relance
From: recouvrement@creancier.fr
To: {to}
Message-ID: {message_id}

Bonjour, pour toute question : {body}.
"""


@pytest.fixture
def folder(settings, tmp_path):
    settings.EMAIL_BACKEND = outside_copies.FILE_EMAIL_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.SMS_BACKEND = ""  # no SMS files
    return tmp_path


def _mail(folder, name, **fields):
    path = folder / name
    path.write_text(MAIL.format(**fields), encoding="utf-8")
    return path


def test_files_naming_a_purged_address_or_message_id_are_found_and_no_other(folder, monkeypatch):
    purged_id = "<176512.1.42@recouvrement.example>"
    monkeypatch.setattr(
        outside_copies,
        "_values",
        lambda targets, debtor_ids: ({purged_id}, {"qa@exemple.fr"}, set()),
    )
    to_purged = _mail(
        folder, "a.log", to="Zoé Martin <QA@Exemple.fr>", message_id="<1@h.fr>", body="x"
    )
    by_id = _mail(folder, "b.log", to="autre@exemple.fr", message_id=purged_id, body="x")
    in_body = _mail(
        folder, "c.log", to="autre@exemple.fr", message_id="<2@h.fr>", body="qa@exemple.fr"
    )
    # A longer address that merely contains the purged one belongs to someone else.
    _mail(folder, "d.log", to="xqa@exemple.fr", message_id="<3@h.fr>", body="xqa@exemple.fr")
    _mail(folder, "e.log", to="autre@exemple.fr", message_id="<4@h.fr>", body="rien")

    copies = outside_copies.find([], [1])

    assert copies.mail_files == {to_purged, by_id, in_body}
