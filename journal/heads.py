"""The chain-head files (seals): every chain's last link, written outside the database.

One file a day, ``chain-head-YYYY-MM-DD.json``, and a seal at least every hour and after every
daily run, ``chain-head-YYYYMMDDTHHMMSSZ.json`` (only when a chain grew since the newest file),
in ``settings.JOURNAL_HEAD_DIR``; each holds every chain's last link (rank, hash, and which
history row it seals) and ``head``, the SHA-256 of that list. Copy the directory to a place the
database's administrators cannot rewrite (WORM storage, an e-mail to the creditor, a notary).
``journal_verify`` then reports a chain recomputed inside the database (a sealed hash no longer
there) and a truncated chain (a sealed link missing, naming the row it sealed). Rows written
after the newest seal are not covered: deleted with their links before the next seal, they
leave no trace (docs/journal.md).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from journal import chain, timestamps
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


def current_heads() -> dict[str, dict]:
    """Every chain's last link: rank, hash, and the row it seals (to name it if it goes)."""
    names = sorted(set(ChainLink.objects.values_list("chain", flat=True).distinct()))
    found: dict[str, dict] = {}
    for start in range(0, len(names), 500):
        part = names[start : start + 500]
        maxes = (
            ChainLink.objects.filter(chain__in=part)
            .values("chain")
            .annotate(last=Max("seq"))
            .values_list("chain", "last")
        )
        condition = Q()
        for name, last in maxes:
            condition |= Q(chain=name, seq=last)
        if not condition:
            continue
        for name, seq, digest, model, history_id in ChainLink.objects.filter(condition).values_list(
            "chain", "seq", "hash", "model", "history_id"
        ):
            found[name] = {"seq": seq, "hash": digest, "model": model, "history_id": history_id}
    return found


def _write(path: Path, on: date, chains: dict, kind: str) -> Path:
    document = {
        "date": on.isoformat(),
        "kind": kind,
        "written_at": timezone.now().isoformat(),
        "chains": chains,
        "head": _digest(chains),
        "journal": journal_identity(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    timestamps.timestamp_quietly(path)
    return path


def write_head(on: date | None = None) -> Path:
    """Seal, then write (or rewrite, same day) the dated head file; returns its path."""

    on = on or timezone.localdate()
    chain.seal()
    return _write(head_dir() / f"{PREFIX}{on.isoformat()}.json", on, current_heads(), "daily")


def _newest_chains() -> dict | None:
    files = head_files()
    if not files:
        return None
    newest = max(files, key=lambda path: (path.stat().st_mtime_ns, path.name))
    try:
        return json.loads(newest.read_text(encoding="utf-8")).get("chains")
    except (OSError, ValueError):
        return None


def write_seal() -> Path | None:
    """Seal the chains, then write a timestamped head file (the hourly beat, and after every
    daily run), unless no chain changed since the newest file; returns its path or None."""

    chain.seal()
    chains = current_heads()
    if not chains or chains == _newest_chains():
        return None
    now = timezone.now()
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return _write(head_dir() / f"{PREFIX}{stamp}.json", timezone.localdate(now), chains, "seal")


def head_files() -> list[Path]:
    directory = head_dir()
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{PREFIX}*.json"))


def check_files(result, *, chains: set[str] | None, references: dict[int, str]) -> None:
    """Every head recorded in a file must still be in the database with the same hash: a
    different hash is a chain recomputed, a missing link a chain truncated after the seal.
    ``chains`` None: every chain a file recorded (a chain deleted altogether is reported)."""

    identity = journal_identity()
    # (chain, seq, hash) -> (file name, date, recorded entry), first file only
    wanted: dict[tuple[str, int, str], tuple[str, str, dict]] = {}
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
        if timestamps.answer_path(path).exists():
            problem = timestamps.check(path)
            if problem:
                result.problems.append(Problem("", 0, path.name, None, "", problem))
                continue
            result.timestamps_checked += 1
        if _digest(recorded) != document.get("head"):
            result.problems.append(
                Problem("", 0, path.name, None, "", "fichier de tête altéré (empreinte fausse)")
            )
            continue
        for name, value in recorded.items():
            if chains is not None and name not in chains:
                continue
            key = (name, int(value["seq"]), value["hash"])
            wanted.setdefault(key, (path.name, document.get("date", ""), value))
    if not wanted:
        return
    names = sorted({name for name, _seq, _hash in wanted})
    stored: dict[tuple[str, int], ChainLink] = {}
    last: dict[str, int] = {}
    for start in range(0, len(names), 500):
        part = names[start : start + 500]
        seqs = {seq for name, seq, _hash in wanted if name in set(part)}
        for link in ChainLink.objects.filter(chain__in=part, seq__in=seqs):
            stored[(link.chain, link.seq)] = link
        last.update(
            ChainLink.objects.filter(chain__in=part)
            .values("chain")
            .annotate(last=Max("seq"))
            .values_list("chain", "last")
        )
    reported: set[str] = set()
    for (name, seq, digest), (file_name, day, value) in sorted(wanted.items()):
        if name in reported:
            continue  # one problem per chain: the lowest rank that fails
        link = stored.get((name, seq))
        if link is not None and link.hash == digest:
            continue
        reported.add(name)
        dossier_id = int(name[1:]) if name.startswith("D") and name[1:].isdigit() else None
        if link is None and last.get(name, 0) < seq:
            message = (
                f"maillon manquant après une tête scellée : le sceau du {day} ({file_name}) "
                f"atteste le rang {seq}, la chaîne s'arrête au rang {last.get(name, 0)} "
                "(lignes supprimées : chaîne tronquée)"
            )
        else:
            message = (
                f"la tête de chaîne enregistrée le {day} ({file_name}) "
                "ne figure plus en base : chaîne recalculée"
            )
        result.problems.append(
            Problem(
                chain=name,
                seq=seq,
                model=link.model if link else value.get("model", ""),
                history_id=link.history_id if link else value.get("history_id"),
                dossier_reference=references.get(dossier_id, ""),
                message=message,
            )
        )


def seals_of(name: str) -> list[dict]:
    """The head files that recorded chain ``name``, one per state of it (rank and hash): the
    earliest file timestamped by the authority, else the earliest file, that recorded that
    state; oldest state first. What the evidence bundle carries (``journal/sceaux``) so that a
    third party checks, offline, that the chain's rows existed as they are at those dates.
    Each: ``path``, ``seq``, ``hash``, ``kind``, ``written_at``, ``timestamp`` (the answer's
    path or None)."""
    identity = journal_identity()
    best: dict[tuple[int, str], tuple[tuple, dict]] = {}
    for path in head_files():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            entry = document["chains"].get(name)
        except (OSError, ValueError, KeyError, AttributeError):
            continue
        if not entry or document.get("journal", identity) != identity:
            continue
        answer = timestamps.answer_path(path)
        stamped = answer if answer.exists() else None
        found = {
            "path": path,
            "seq": int(entry["seq"]),
            "hash": entry["hash"],
            "model": entry.get("model", ""),
            "history_id": entry.get("history_id"),
            "kind": document.get("kind", ""),
            "written_at": document.get("written_at", ""),
            "timestamp": stamped,
        }
        rank = (stamped is None, found["written_at"], path.name)
        key = (found["seq"], found["hash"])
        if key not in best or rank < best[key][0]:
            best[key] = (rank, found)
    return [found for _rank, found in sorted(best.values(), key=lambda item: item[1]["seq"])]
