"""The tamper-evident chain over every history row (see docs/journal.md for the design).

- ``seal()`` appends one ``ChainLink`` per history row not yet sealed, whatever wrote the row
  (a service, a bulk helper, an import, the purge's live saves). Chains are per dossier
  (``D<pk>``) plus one chain (``G``) for the rows that belong to no single dossier (creditors,
  debtors, policies, rates).
- A link's hash is SHA-256(previous hash + canonical JSON of the row), where the row's
  non-personal columns are taken verbatim and each personal column (``PERSONAL_FIELDS``) only as
  a keyed, salted digest kept in the link. The GDPR purge may replace a personal value by its
  anonymised value: ``verify`` recognises that value and keeps the stored digest, so the chain
  still verifies; any other change to any column is detected and named.
- ``verify(dossier=None)`` walks the chains and returns a ``VerifyResult``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from json.encoder import encode_basestring

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from journal.models import ChainLink, PurgeEvent
from journal.personal_data import (
    ANONYMISED,
    HISTORY_PERSONAL,
    PERSONAL_FIELDS,
    anonymised_value,
)
from recouvrement.lookups import AnyOf

GENESIS = "0" * 64
GLOBAL_CHAIN = "G"
BATCH = 2000
_LOCK_KEY = 0x4A4F55524E414C  # "JOURNAL": one sealer at a time (advisory lock)


def dossier_model() -> type[models.Model]:
    """The model each chain is kept per (``settings.JOURNAL_DOSSIER_MODEL``): the journal sits
    below the dossiers in the layering, so it names the model instead of importing it."""
    return apps.get_model(settings.JOURNAL_DOSSIER_MODEL)


def chain_of(dossier_id: int | None) -> str:
    return f"D{dossier_id}" if dossier_id else GLOBAL_CHAIN


# --- Which history tables, and which dossier each row belongs to ------------------------------


@cache
def history_models() -> list[tuple[str, type[models.Model], type[models.Model]]]:
    """(label, live model, history model) for every model with simple-history, sorted."""
    found = []
    for model in apps.get_models():
        manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
        if not manager_name:
            continue
        history_model = getattr(model, manager_name).model
        found.append((model._meta.label_lower, model, history_model))
    return sorted(found, key=lambda item: item[0])


PURGE_EVENT = "journal.purgeevent"


def chained_models() -> list[tuple[str, type[models.Model], type[models.Model]]]:
    """What the chains cover: every history table, plus the purges' events (``PurgeEvent``,
    whose columns mimic a history row's)."""
    return [*history_models(), (PURGE_EVENT, PurgeEvent, PurgeEvent)]


def _dossier_path(model: type[models.Model]) -> tuple[str, type[models.Model] | None] | None:
    """How a row finds its dossier: ``("id", None)`` for the dossier itself, ``("dossier_id",
    None)`` for a direct link, ``("plan_id", PaymentPlan)`` for one hop, else None."""
    Dossier = dossier_model()
    if model is Dossier:
        return ("id", None)
    names = {f.name: f for f in model._meta.concrete_fields}
    if "dossier" in names and names["dossier"].related_model is Dossier:
        return ("dossier_id", None)
    for f in model._meta.concrete_fields:
        if f.is_relation and f.many_to_one and f.related_model is not None:
            target = f.related_model
            target_fields = {g.name: g for g in target._meta.concrete_fields}
            if "dossier" in target_fields and target_fields["dossier"].related_model is Dossier:
                return (f.attname, target)
    return None


def dossier_filter(model: type[models.Model], dossier_id: int) -> Q | None:
    """The filter on ``model``'s history rows that belong to one dossier (None: no link)."""
    path = _dossier_path(model)
    if path is None:
        return None
    attname, via = path
    if via is None:
        return Q(**{attname: dossier_id})
    ids = via._default_manager.filter(dossier_id=dossier_id).values("pk")
    return Q(**{f"{attname}__in": ids})


def _dossier_ids(model, rows: list[dict]) -> list[int | None]:
    """The dossier id of each row (``.values()`` of one history model; one query for a hop)."""
    path = _dossier_path(model)
    if path is None:
        return [None] * len(rows)
    attname, via = path
    if via is None:
        return [row[attname] for row in rows]
    keys = {row[attname] for row in rows} - {None}
    mapping = dict(via._default_manager.filter(AnyOf("pk", keys)).values_list("pk", "dossier_id"))
    return [mapping.get(row[attname]) for row in rows]


# --- Canonical form and hashes ----------------------------------------------------------------


def _canon(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, dict)):
        return json.loads(json.dumps(value, sort_keys=True, default=str))
    if hasattr(value, "name"):  # a FieldFile
        return value.name or ""
    return str(value)


def _json(value) -> str:
    """``json.dumps(value, ensure_ascii=False)``, without building an encoder for a text or
    None (most personal values)."""
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False)


def _key() -> bytes:
    configured = getattr(settings, "JOURNAL_CHAIN_KEY", "") or ""
    if configured:
        return configured.encode()
    return hashlib.sha256(b"journal-chain:" + settings.SECRET_KEY.encode()).digest()


def personal_digest(label: str, name: str, value, salt: str, key: bytes | None = None) -> str:
    """``key``: ``_key()``, when the caller read it once for many digests."""
    message = "\x1f".join([salt, label, name, _json(_canon(value))])
    return hmac.digest(key or _key(), message.encode(), "sha256").hex()


def event_mac(event: PurgeEvent) -> str:
    """The purge event's authentication: HMAC with the journal's key over what it says."""
    document = {
        "chain": event.chain,
        "dossier": event.dossier_id,
        "certificate": event.certificate,
        "rows": _canon(event.rows),
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), b"purge-event\x1f" + text.encode(), hashlib.sha256).hexdigest()


def erased_rows(chains: list[str] | None) -> dict[tuple[str, str, int], frozenset[str]]:
    """(chain, model, history id) -> the personal fields an authentic purge event of that chain
    anonymised. An event whose HMAC is wrong authorises nothing (its own link reports it)."""
    events = PurgeEvent.objects.all()
    if chains is not None:
        events = events.filter(chain__in=chains)
    erased: dict[tuple[str, str, int], frozenset[str]] = {}
    for event in events:
        if not hmac.compare_digest(event.mac, event_mac(event)):
            continue
        for label, spec in (event.rows or {}).items():
            fields = frozenset(spec.get("fields", ()))
            for history_id in spec.get("ids", ()):
                key = (event.chain, label, int(history_id))
                erased[key] = erased.get(key, frozenset()) | fields
    return erased


def personal_fields(label: str) -> tuple[str, ...]:
    """The personal fields of a model's history rows: its registered fields, and the history's
    own free-text columns (the change reason) where the row has them."""
    return PERSONAL_FIELDS.get(label, ()) + HISTORY_PERSONAL


@cache
def _anonymised_values(label: str, name: str) -> tuple:
    """The values a purged personal field may hold: its anonymised value, the marker, empty."""
    model = apps.get_model(label)
    values = [None, "", ANONYMISED]
    if name in {f.name for f in model._meta.get_fields()}:
        live_field = model._meta.get_field(name)
        values.append(anonymised_value(live_field))
        if getattr(live_field, "max_length", None):
            values.append(ANONYMISED[: live_field.max_length])
    return tuple(values)


def is_anonymised(label: str, name: str, value) -> bool:
    return _canon(value) in [_canon(v) for v in _anonymised_values(label, name)]


def _columns(history_model) -> list[models.Field]:
    return list(history_model._meta.concrete_fields)


def row_document(label: str, row, personal: dict[str, str]) -> str:
    """The canonical JSON hashed for one history row: non-personal columns verbatim, personal
    columns as their digests. Which columns are personal is the link's own record (the keys of
    ``personal``, from the registry when sealed), so a later change of the registry does not
    change what an old link covers."""
    hidden = set(personal)
    values = {}
    for column in _columns(type(row)):
        if column.name in hidden:
            continue
        values[column.attname] = _canon(getattr(row, column.attname))
    return _document(label, values, personal)


def _document(label: str, values: dict, personal: dict[str, str]) -> str:
    return _DOCUMENT.encode({"model": label, "row": values, "personal": personal})


# ``json.dumps(..., sort_keys=True, ensure_ascii=False, separators=(",", ":"))``, its encoder
# built once (``dumps`` builds one per call when given options).
_DOCUMENT = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class _Reader:
    """One history model's unsealed rows read as plain values (``.values()``: the same values
    as the instances' attributes, without building a model per row), and each row's document
    as ``row_document`` writes it for the instance."""

    def __init__(self, label: str, history_model: type[models.Model]):
        self.label = label
        columns = _columns(history_model)
        self.attnames = [column.attname for column in columns]
        # A file column's attribute is a FieldFile, whose canonical form is its name or "".
        self.files = [c.attname for c in columns if isinstance(c, models.FileField)]
        by_name = {column.name: column for column in columns}
        # (name, attname) of each personal column the history table has.
        self.personal = [
            (name, by_name[name].attname) for name in personal_fields(label) if name in by_name
        ]
        hidden = {name for name, _attname in self.personal}
        shown = [c for c in columns if c.name not in hidden]
        # Columns whose values are their own canonical form (texts, integers, booleans, None)
        # are copied; the others go through ``_canon``.
        self.plain = [c.attname for c in shown if _is_plain(c)]
        self.shown = [c.attname for c in shown if not _is_plain(c)]

    def rows(self, queryset) -> list[dict]:
        rows = list(queryset.values(*self.attnames))
        for name in self.files:
            for row in rows:
                row[name] = row[name] or ""
        return rows

    def document(self, row: dict, salt: str, key: bytes) -> tuple[dict[str, str], str]:
        """(personal digests, canonical JSON) of one row."""
        label = self.label
        personal = {
            name: personal_digest(label, name, row[attname], salt, key)
            for name, attname in self.personal
        }
        values = {name: row[name] for name in self.plain}
        for name in self.shown:
            values[name] = _canon(row[name])
        return personal, _document(label, values, personal)


# Fields whose values (or None) are texts, integers or booleans: ``_canon`` returns them as
# they are. A file field is a text here (``_Reader.rows``).
# (The automatic keys are integer fields.)
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
                 models.FileField)  # fmt: skip


def _is_plain(field: models.Field) -> bool:
    """A field without a conversion of its own (``from_db_value``: an encrypted text, a
    choices enum) whose values are texts, integers or booleans; a key, when its target is."""
    if field.is_relation:
        return _is_plain(field.target_field)
    return isinstance(field, _PLAIN_FIELDS) and getattr(field, "from_db_value", None) is None


def link_hash(prev_hash: str, document: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{document}".encode()).hexdigest()


# --- Sealing ----------------------------------------------------------------------------------


def _heads(chains: set[str]) -> dict[str, tuple[int, str]]:
    """The last link (seq, hash) of each chain."""
    heads: dict[str, tuple[int, str]] = {}
    chains = sorted(chains)
    if connection.vendor == "postgresql":
        # Each chain's last link in one statement (``DISTINCT ON``), the chains as one
        # parameter: the conditions below, 500 chains a query, took 105 s for a purge's 100,000.
        rows = (
            ChainLink.objects.filter(AnyOf("chain", chains))
            .order_by("chain", "-seq")
            .distinct("chain")
            .values_list("chain", "seq", "hash")
        )
        return {chain: (seq, digest) for chain, seq, digest in rows}
    for start in range(0, len(chains), 500):
        part = chains[start : start + 500]
        maxes = dict(
            ChainLink.objects.filter(chain__in=part)
            .values("chain")
            .annotate(last=Max("seq"))
            .values_list("chain", "last")
        )
        if not maxes:
            continue
        condition = Q()
        for chain, last in maxes.items():
            condition |= Q(chain=chain, seq=last)
        for chain, seq, digest in ChainLink.objects.filter(condition).values_list(
            "chain", "seq", "hash"
        ):
            heads[chain] = (seq, digest)
    return heads


def _unsealed(label: str, history_model):
    sealed = ChainLink.objects.filter(model=label, history_id=OuterRef("history_id"))
    return history_model._default_manager.filter(~Exists(sealed))


def seal(dossier: models.Model | None = None) -> int:
    """Chain every history row not yet sealed (only the dossier's, when given: chains are
    independent, and its rows are found through indexed columns); returns the links added."""
    added = 0
    key = _key()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        pending = []  # (history_date, label, history_id, row, reader, dossier id)
        for label, model, history_model in chained_models():
            unsealed = _unsealed(label, history_model)
            if dossier is not None:
                condition = dossier_filter(model, dossier.pk)
                if condition is None:
                    continue
                unsealed = unsealed.filter(condition)
            reader = _Reader(label, history_model)
            rows = reader.rows(unsealed.order_by("history_date", "history_id"))
            if not rows:
                continue
            owners = _dossier_ids(model, rows)
            pending.extend(
                (row["history_date"], label, row["history_id"], row, reader, owner)
                for row, owner in zip(rows, owners, strict=True)
            )
        if not pending:
            return 0
        pending.sort(key=lambda item: item[:3])
        heads = _heads({chain_of(item[5]) for item in pending})
        links = []
        for at, label, history_id, row, reader, owner in pending:
            chain = chain_of(owner)
            seq, prev = heads.get(chain, (0, GENESIS))
            salt = secrets.token_hex(16)
            personal, document = reader.document(row, salt, key)
            digest = link_hash(prev, document)
            links.append(
                (chain, seq + 1, label, history_id, owner, at, salt, personal, prev, digest)
            )
            heads[chain] = (seq + 1, digest)
        added = _insert_links(links)
    return added


_LINK_COLUMNS = ("chain", "seq", "model", "history_id", "dossier_id", "history_date", "salt",
                 "personal", "prev_hash", "hash")  # fmt: skip


def _insert_links(links: list[tuple]) -> int:
    """Insert the links (tuples in ``_LINK_COLUMNS``' order), all sealed now. On PostgreSQL
    through ``COPY`` (``bulk_create`` spent ~0.4 ms a link preparing and quoting its values)."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        objs = [
            ChainLink(**dict(zip(_LINK_COLUMNS, link, strict=True)), sealed_at=now)
            for link in links
        ]
        ChainLink.objects.bulk_create(objs, batch_size=BATCH)
        return len(objs)
    personal = _LINK_COLUMNS.index("personal")
    copy_rows(
        ChainLink,
        (*_LINK_COLUMNS, "sealed_at"),
        (
            (*link[:personal], json.dumps(link[personal]), *link[personal + 1 :], now)
            for link in links
        ),
    )
    return len(links)


def copy_rows(model: type[models.Model], columns, rows) -> None:
    """Append ``rows`` (tuples in ``columns``' order, JSON as text) to the model's table by
    ``COPY`` (PostgreSQL only): the journal's links and the purge's events, by the hundred
    thousand, without ``bulk_create``'s preparing and quoting of each value."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


# --- Verification -----------------------------------------------------------------------------


@dataclass
class Problem:
    chain: str
    seq: int
    model: str
    history_id: int | None
    dossier_reference: str
    message: str

    def __str__(self) -> str:
        where = f"dossier {self.dossier_reference}" if self.dossier_reference else "hors dossier"
        row = f"{self.model} n° {self.history_id}" if self.history_id else self.model
        return f"{row} ({where}, chaîne {self.chain}, maillon {self.seq}) : {self.message}"


@dataclass
class VerifyResult:
    checked: int = 0
    chains: int = 0
    sealed_now: int = 0
    problems: list[Problem] = field(default_factory=list)
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    head_files_checked: int = 0
    # Head files whose RFC 3161 timestamp was verified offline (journal.timestamps).
    timestamps_checked: int = 0
    # Head files written by another journal (a database created anew beside old files).
    foreign_head_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def _rows_for(links: list[ChainLink]) -> dict[tuple[str, int], object]:
    by_model: dict[str, list[int]] = {}
    for link in links:
        by_model.setdefault(link.model, []).append(link.history_id)
    models_by_label = {label: hm for label, _m, hm in chained_models()}
    rows = {}
    for label, ids in by_model.items():
        history_model = models_by_label.get(label)
        if history_model is None:
            continue
        for row in history_model._default_manager.filter(history_id__in=ids):
            rows[(label, row.history_id)] = row
    return rows


def _check_link(
    link: ChainLink, row, expected_seq: int, prev: str, erased: frozenset[str] = frozenset()
) -> str | None:
    """What is wrong with one link (None: nothing). ``erased``: the personal fields of this
    row that a recorded purge anonymised, the only ones that may hold an anonymised value
    instead of the sealed one."""
    if link.seq != expected_seq:
        return f"maillon manquant (rang {expected_seq} attendu)"
    if link.prev_hash != prev:
        return "le maillon ne suit pas le précédent (empreinte précédente différente)"
    if row is None:
        return "ligne d'historique supprimée"
    if link.model == PURGE_EVENT and not hmac.compare_digest(row.mac, event_mac(row)):
        return "événement de purge non authentique (HMAC faux : écrit hors de l'application)"
    personal = {}
    for name, stored in (link.personal or {}).items():
        value = getattr(row, name, None)
        if personal_digest(link.model, name, value, link.salt) == stored:
            personal[name] = stored
        elif is_anonymised(link.model, name, value):
            if name not in erased:
                return (
                    f"donnée personnelle « {name} » effacée sans purge enregistrée "
                    "(anonymisation hors purge)"
                )
            personal[name] = stored  # purged: the digest of the original value stays
        else:
            return f"donnée personnelle « {name} » modifiée"
    if link_hash(prev, row_document(link.model, row, personal)) != link.hash:
        return "contenu modifié depuis son scellement"
    return None


def walk(chains: list[str], result: VerifyResult, references: dict[int, str]) -> None:
    """Walk the chains in (chain, seq) order, in batches across chains: a few queries per
    batch of links, whatever the number of dossiers."""
    queryset = ChainLink.objects.order_by("chain", "seq")
    if len(chains) == 1:
        queryset = queryset.filter(chain=chains[0])
    erased = erased_rows(chains if len(chains) <= 500 else None)
    state: dict[str, tuple[str, int]] = {}  # chain -> (prev hash, expected seq)
    broken: set[str] = set()
    position: tuple[str, int] | None = None
    while True:
        page = queryset
        if position is not None:
            page = page.filter(Q(chain__gt=position[0]) | Q(chain=position[0], seq__gt=position[1]))
        links = list(page[:BATCH])
        if not links:
            break
        rows = _rows_for([link for link in links if link.chain not in broken])
        for link in links:
            if link.chain in broken:
                continue
            prev, expected = state.get(link.chain, (GENESIS, 1))
            message = _check_link(
                link,
                rows.get((link.model, link.history_id)),
                expected,
                prev,
                erased.get((link.chain, link.model, link.history_id), frozenset()),
            )
            result.checked += 1
            if message:
                broken.add(link.chain)
                result.problems.append(
                    Problem(
                        chain=link.chain,
                        seq=link.seq,
                        model=link.model,
                        history_id=link.history_id,
                        dossier_reference=references.get(link.dossier_id, ""),
                        message=message,
                    )
                )
                continue
            state[link.chain] = (link.hash, link.seq + 1)
        position = (links[-1].chain, links[-1].seq)
    for chain, (prev, expected) in state.items():
        if chain not in broken:
            result.heads[chain] = (expected - 1, prev)


def dossier_head(dossier: models.Model) -> tuple[int, str]:
    """The dossier's chain head (seq, hash), after sealing; (0, GENESIS) for an empty chain."""
    seal(dossier)
    return _heads({chain_of(dossier.pk)}).get(chain_of(dossier.pk), (0, GENESIS))


def all_heads() -> dict[str, tuple[int, str]]:
    return _heads(set(ChainLink.objects.values_list("chain", flat=True).distinct()))


def extract(dossier: models.Model, upto: int) -> dict:
    """The dossier's chain up to rank ``upto``, for a third party (the evidence bundle's
    ``journal/chaine.json``): each link's rank, row, previous hash, hash and the canonical
    JSON it hashes (non-personal columns verbatim, personal ones as their keyed digests), so
    that ``hash = SHA-256(prev_hash + "\\n" + document)`` is checked without the database."""
    name = chain_of(dossier.pk)
    links = list(ChainLink.objects.filter(chain=name, seq__lte=upto).order_by("seq"))
    rows = _rows_for(links)
    out = []
    for link in links:
        row = rows.get((link.model, link.history_id))
        document = row_document(link.model, row, link.personal or {}) if row is not None else ""
        out.append(
            {
                "seq": link.seq,
                "model": link.model,
                "history_id": link.history_id,
                "prev_hash": link.prev_hash,
                "hash": link.hash,
                "document": document,
            }
        )
    return {"format": "recouvrement-chaine/1", "chain": name, "links": out}
