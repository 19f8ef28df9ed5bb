"""BODACC insolvency judgments (docs/legal.md §7): the open-data export of the « annonces
commerciales » (CSV, ``;``), matched to debtors by SIREN only.

An opening judgment of sauvegarde, redressement or liquidation judiciaire moves the debtor's
active dossiers to ``insolvency`` with a claim-declaration task due 2 months after the
publication (``dossiers.services.insolvency_open``, C. com. R622-24). Announcements about
companies that are not debtors, and other judgments, are listed and ignored.
"""

from __future__ import annotations

import json
import re
from datetime import date

from dossiers import scoping, services
from dossiers.models import Debtor
from imports.parsing import CellError, normalize_header, parse_date, text
from imports.reading import FileProblem, read_table
from imports.validation import CREATE, ERROR, IGNORED, UNCHANGED, Row

OPENING = "jugement d ouverture"
KINDS = (
    ("liquidation judiciaire", Debtor.Insolvency.LIQUIDATION),
    ("redressement judiciaire", Debtor.Insolvency.RECEIVERSHIP),
    ("sauvegarde", Debtor.Insolvency.SAFEGUARD),
)
REQUIRED = ("registre", "jugement", "dateparution")


def _judgment(raw) -> dict:
    value = text(raw)
    if not value:
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise CellError("Colonne « jugement » illisible (JSON attendu).") from exc
    return data if isinstance(data, dict) else {}


def _sirens(raw) -> list[str]:
    """« 852 379 890,852379890 » → ["852379890"]: the register field repeats the number."""
    found = []
    for part in text(raw).split(","):
        digits = re.sub(r"\D", "", part)
        if len(digits) == 9 and digits not in found:
            found.append(digits)
    return found


def check(data: bytes, filename: str, *, user) -> list[Row]:
    """The file's rows, each matched by SIREN to a debtor the uploader may act on (a dossier
    in their portfolio: ``scoping.restrict(..., editable=True)``, every debtor for an
    administrator). A debtor followed only in another portfolio is ignored like an unknown
    SIREN, never named: writes are scoped like reads (issue #19)."""
    table = read_table(data, filename)
    index = {normalize_header(h).replace(" ", ""): i for i, h in enumerate(table.headers)}
    missing = [name for name in REQUIRED if name not in index]
    if missing:
        raise FileProblem(
            "Ce n'est pas un export des annonces commerciales du BODACC : colonne(s) "
            + ", ".join(f"« {m} »" for m in missing)
            + " absente(s)."
        )

    def cell(line, name):
        position = index.get(name)
        return line[position] if position is not None and position < len(line) else None

    rows: list[Row] = []
    sirens: set[str] = set()
    for number, line in enumerate(table.rows, start=2):
        row = Row(number=number)
        row.values["name"] = text(cell(line, "commercant"))
        row.values["sirens"] = _sirens(cell(line, "registre"))
        row.values["invoice_number"] = ", ".join(row.values["sirens"])
        try:
            judgment = _judgment(cell(line, "jugement"))
            row.values["published_on"] = parse_date(cell(line, "dateparution"), "Date de parution")
        except CellError as exc:
            row.fail(str(exc))
            rows.append(row)
            continue
        nature = normalize_header(judgment.get("nature", ""))
        famille = normalize_header(judgment.get("famille", ""))
        kind = next((k for words, k in KINDS if words in nature), None)
        if famille != OPENING or kind is None:
            row.action = IGNORED
            row.values["note"] = judgment.get("nature", "") or "autre annonce"
            rows.append(row)
            continue
        row.values["kind"] = kind
        try:
            row.values["opened_on"] = parse_date(judgment.get("date"), "Date du jugement")
        except CellError:
            row.values["opened_on"] = row.values["published_on"]
        if not row.values["sirens"]:
            row.fail(f"Annonce sans SIREN pour « {row.values['name']} ».")
        sirens.update(row.values["sirens"])
        rows.append(row)
    known = scoping.restrict(Debtor.objects.filter(siren__in=sirens), user, editable=True)
    debtors = {d.siren: d for d in known}
    for row in rows:
        if row.action in (ERROR, IGNORED):
            continue
        debtor = next((debtors[s] for s in row.values["sirens"] if s in debtors), None)
        if debtor is None:
            row.action = IGNORED
            continue
        row.values["debtor_id"] = debtor.pk
        row.values["debtor_name"] = debtor.name
        already = (
            debtor.insolvency_status == row.values["kind"]
            and debtor.insolvency_opened_on == row.values["opened_on"]
        )
        row.action = UNCHANGED if already else CREATE
    return rows


def apply(*, rows: list[Row], actor, progress) -> dict[str, int]:
    counts: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        progress(done)
        counts[row.action] = counts.get(row.action, 0) + 1
        if row.action != CREATE:
            continue
        v = row.values
        opened_on: date = v["opened_on"]
        services.insolvency_open(
            debtor=Debtor.objects.get(pk=v["debtor_id"]),
            kind=v["kind"],
            opened_on=opened_on,
            published_on=v["published_on"],
            actor=actor,
        )
    return counts
