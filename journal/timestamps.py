"""RFC 3161 timestamps of the chain-head files, when a time-stamping authority is configured.

``settings.JOURNAL_TSA_URL`` (e.g. a qualified eIDAS TSA in production): each head file written
(``heads.write_seal``, ``heads.write_head``) is sent as a SHA-256 time-stamp query and the
authority's signed answer is kept beside it (``<file>.tsr``). ``journal_verify`` checks every
kept answer offline against ``settings.JOURNAL_TSA_CA_FILE`` (the authority's CA certificates):
the answer must be a valid signature, by a certificate chaining to that CA, over the file as it
is now. A seal so timestamped proves the heads existed at that time: a file rewritten later
(by whoever can write the directory) no longer matches its answer, and a file forged later has
no answer older than itself.

The client is the ``openssl ts`` command (OpenSSL 3, in the image), so no library is added;
without ``JOURNAL_TSA_URL`` nothing is sent and nothing changes.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SUFFIX = ".tsr"
TIMEOUT = 20


def answer_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def configured() -> bool:
    return bool(getattr(settings, "JOURNAL_TSA_URL", ""))


def _openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed program, arguments are paths
        ["openssl", "ts", *args],  # noqa: S607
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )


def timestamp(path: Path) -> Path | None:
    """Ask the configured authority to timestamp ``path``; keep its answer; return its path
    (None when no authority is configured). Raises on a refused or unreadable answer."""
    if not configured():
        return None
    with tempfile.TemporaryDirectory() as scratch:
        query = Path(scratch) / "query.tsq"
        made = _openssl("-query", "-data", str(path), "-sha256", "-cert", "-out", str(query))
        if made.returncode:
            raise RuntimeError(f"requête d'horodatage impossible : {made.stderr.decode()[-300:]}")
        request = urllib.request.Request(  # noqa: S310 - the configured TSA's URL
            settings.JOURNAL_TSA_URL,
            data=query.read_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            body = response.read()
        answer = answer_path(path)
        tmp = answer.with_suffix(".tmp")
        tmp.write_bytes(body)
        problem = check(path, tmp)
        if problem:
            tmp.unlink(missing_ok=True)
            raise RuntimeError(f"horodatage refusé : {problem}")
        tmp.replace(answer)
        return answer


def check(path: Path, answer: Path | None = None) -> str | None:
    """Verify a kept answer offline: None if it holds, else what is wrong (in French)."""
    answer = answer or answer_path(path)
    ca_file = getattr(settings, "JOURNAL_TSA_CA_FILE", "")
    if not ca_file:
        return "JOURNAL_TSA_CA_FILE non configuré : horodatage invérifiable"
    result = _openssl("-verify", "-data", str(path), "-in", str(answer), "-CAfile", str(ca_file))
    if result.returncode:
        detail = (result.stderr or result.stdout).decode(errors="replace").strip().splitlines()
        return "horodatage RFC 3161 invalide" + (f" ({detail[-1][-160:]})" if detail else "")
    return None


def timestamp_quietly(path: Path) -> Path | None:
    """For the beat: a TSA out of reach must not stop the seal (the file is written, the next
    seal is timestamped again); the failure is logged."""
    try:
        return timestamp(path)
    except Exception:
        logger.exception("journal : horodatage RFC 3161 de %s impossible", path.name)
        return None
