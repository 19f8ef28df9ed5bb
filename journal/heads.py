"""The daily chain-head file: every chain's last link, written outside the database.

One file a day, ``chain-head-YYYY-MM-DD.json`` in ``settings.JOURNAL_HEAD_DIR``, holding each
chain's (rank, hash) and ``head``, the SHA-256 of that list. Copy the directory to a place the
database's administrators cannot rewrite (WORM storage, an e-mail to the creditor, a notary):
a chain recomputed inside the database no longer contains the hashes these files recorded, and
``journal_verify`` says so.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from journal import chain
from journal.chain import Problem
from journal.models import ChainLink

PREFIX = "chain-head-"


def head_dir() -> Path:
    return Path(settings.JOURNAL_HEAD_DIR)


def _digest(chains: dict) -> str:
    text = json.dumps(chains, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def journal_identity() -> str:
    """Which journal a head file belongs to: the hash of the global chain's first link, fixed
    once the database's first history row is sealed. A database created anew (the demo seeded
    again) has another one, and the files of the old one are set aside, not reported as a
    recomputed chain; ``journal_verify`` counts them so that nobody mistakes them for checked."""

    return ChainLink.objects.filter(chain="G", seq=1).values_list("hash", flat=True).first() or ""


def write_head(on: date | None = None) -> Path:
    """Seal, then write (or rewrite, same day) the dated head file; returns its path."""

    on = on or timezone.localdate()
    chain.seal()
    chains = {
        name: {"seq": seq, "hash": digest} for name, (seq, digest) in chain.all_heads().items()
    }
    document = {
        "date": on.isoformat(),
        "written_at": timezone.now().isoformat(),
        "chains": chains,
        "head": _digest(chains),
        "journal": journal_identity(),
    }
    directory = head_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{PREFIX}{on.isoformat()}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path


def head_files() -> list[Path]:
    directory = head_dir()
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{PREFIX}*.json"))


def check_files(result, *, chains: set[str], references: dict[int, str]) -> None:
    """Every head recorded in a file must still be in the database with the same hash."""

    identity = journal_identity()
    for path in head_files():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            recorded = document["chains"]
        except (OSError, ValueError, KeyError):
            result.problems.append(Problem("", 0, path.name, None, "", "fichier de tête illisible"))
            continue
        if document.get("journal", identity) != identity:
            result.foreign_head_files += 1
            continue
        result.head_files_checked += 1
        if _digest(recorded) != document.get("head"):
            result.problems.append(
                Problem("", 0, path.name, None, "", "fichier de tête altéré (empreinte fausse)")
            )
            continue
        wanted = {name: value for name, value in recorded.items() if name in chains}
        if not wanted:
            continue
        stored = {
            (link.chain, link.seq): link
            for link in ChainLink.objects.filter(
                chain__in=list(wanted), seq__in={v["seq"] for v in wanted.values()}
            )
        }
        for name, value in sorted(wanted.items()):
            link = stored.get((name, value["seq"]))
            if link is None or link.hash != value["hash"]:
                dossier_id = int(name[1:]) if name.startswith("D") else None
                result.problems.append(
                    Problem(
                        chain=name,
                        seq=value["seq"],
                        model=link.model if link else "",
                        history_id=link.history_id if link else None,
                        dossier_reference=references.get(dossier_id, ""),
                        message=(
                            f"la tête de chaîne enregistrée le {document.get('date')} "
                            f"({path.name}) ne figure plus en base : chaîne recalculée"
                        ),
                    )
                )
