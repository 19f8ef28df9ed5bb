"""Copies of the messages sent that live outside the database: the files of Django's file
e-mail backend (``EMAIL_FILE_PATH``, one file per message) and the lines of the SMS file
backend (``SMS_FILE_PATH``, one file per day, ``id<TAB>number<TAB>text``).

The purge finds them by the ids the product recorded when sending (``MESSAGE_IDS``: the
e-mail's Message-ID, the SMS id) and by the purged persons' addresses and numbers, read before
they are anonymised (an e-mail file by the addresses and Message-IDs it names, whole: never a
part of a longer address); the e-mail files are deleted, the SMS lines removed from their files.
Neither backend is used in production (SMTP, an SMS provider): there is then nothing to find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from journal.personal_data import MESSAGE_IDS
from rgpd.purge import debtor_lookup

FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
FILE_SMS_BACKEND = "courriers.sms.FileBackend"


@dataclass
class Copies:
    mail_files: set[Path] = field(default_factory=set)
    # SMS file -> the lines to remove from it
    sms: dict[Path, set[str]] = field(default_factory=dict)

    @property
    def sms_files(self) -> set[Path]:
        return set(self.sms)

    @property
    def sms_lines(self) -> int:
        return sum(len(lines) for lines in self.sms.values())

    def delete(self) -> None:
        for path in self.mail_files:
            path.unlink(missing_ok=True)
        for path, lines in self.sms.items():
            if not path.exists():
                continue
            kept = [
                line
                for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                if line.rstrip("\n") not in lines
            ]
            path.write_text("".join(kept), encoding="utf-8")


def _values(targets, debtor_ids) -> tuple[set[str], set[str], set[str]]:
    """(message ids, e-mail addresses, phone numbers) of the debtors about to be purged."""
    ids: set[str] = set()
    for label, name in MESSAGE_IDS.items():
        model = apps.get_model(label)
        lookup = debtor_lookup(model)
        rows = model._base_manager.filter(**{f"{lookup}__in": debtor_ids}).exclude(**{name: ""})
        ids.update(rows.values_list(name, flat=True).distinct())
    addresses: set[str] = set()
    phones: set[str] = set()
    for target in targets:
        if target.history:
            continue
        for f in target.fields:
            is_email = isinstance(f, models.EmailField) or f.name == "recipient"
            if not (is_email or f.name == "phone"):
                continue
            values = target.rows(debtor_ids).values_list(f.attname, flat=True).distinct()
            for value in values:
                value = (value or "").strip()
                if is_email and "@" in value:
                    addresses.add(value.lower())
                elif value:
                    phones.add(value)
    return ids, addresses, phones


# An address, or the inside of a Message-ID (« <id@host> »), as a message file writes it. A
# match starts only where a word does (not after a character of one): the same matches, but
# the long words of an attachment's base64 lines are read once, not again from each of their
# characters (~10 ms a file with a letter's PDF, a tenth of the seeded demo's purge).
_WORD = rb"[^\s<>\"'(),;:\[\]@]"
_ADDRESS = re.compile(rb"(?<!" + _WORD + rb")" + _WORD + rb"+@" + _WORD + rb"+")


def _named(content: bytes) -> set[bytes]:
    """The addresses and Message-IDs a message file names, lowercased (a final full stop, from
    a sentence, left out)."""
    return {token.rstrip(b".") for token in _ADDRESS.findall(content.lower())}


def _phone_key(number: str) -> str:
    digits = "".join(c for c in number if c.isdigit())
    return digits[-9:]  # the subscriber number, whatever the prefix (0…, +33…)


def find(targets, debtor_ids) -> Copies:
    copies = Copies()
    email_folder = getattr(settings, "EMAIL_FILE_PATH", None)
    sms_folder = getattr(settings, "SMS_FILE_PATH", None)
    mail_on = settings.EMAIL_BACKEND == FILE_EMAIL_BACKEND and email_folder
    sms_on = getattr(settings, "SMS_BACKEND", "") == FILE_SMS_BACKEND and sms_folder
    if not (mail_on or sms_on):
        return copies
    ids, addresses, phones = _values(targets, debtor_ids)
    # A message file is found by the addresses and Message-IDs it names, looked up in a set:
    # searching each of the purged persons' strings in each file took 163 s for 100,000
    # debtors and a few dozen files, and found « qa@b.fr » inside « xqa@b.fr ».
    needles = {i.strip().strip("<>").lower().encode() for i in ids if "@" in i}
    needles |= {a.encode() for a in addresses}
    if mail_on and Path(email_folder).is_dir() and needles:
        for path in Path(email_folder).iterdir():
            if path.is_file() and not needles.isdisjoint(_named(path.read_bytes())):
                copies.mail_files.add(path)
    phone_keys = {_phone_key(p) for p in phones if len(_phone_key(p)) == 9}
    if sms_on and Path(sms_folder).is_dir() and (ids or phone_keys):
        for path in Path(sms_folder).iterdir():
            if not path.is_file():
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                sms_id, _tab, rest = line.partition("\t")
                number = rest.partition("\t")[0]
                if sms_id in ids or _phone_key(number) in phone_keys:
                    copies.sms.setdefault(path, set()).add(line)
    return copies
