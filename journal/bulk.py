"""Bulk writes that stay in the journal: one history row per object, with who and why.

``QuerySet.update()`` and ``bulk_create()`` write no history row: an import or a mass change
must go through these functions instead (one history row per object, stamped with the actor
and the reason, sealed into the chain by the next ``seal()``, as every other row).

``journaled_bulk_create`` and ``journaled_bulk_update`` are simple-history's bulk helpers (one
reason for all). ``journaled_insert`` and ``journaled_update_each`` take each row's own reason
and, on PostgreSQL, write a few statements whatever the number of rows: the rows go as one array
per column (``unnest``) and the database copies each history row from its row as saved
(``INSERT … SELECT``), so no history object is built in Python; one history date per statement.
The daily cadence run writes its thousands of reminders and dossier moves this way. Elsewhere
(the SQLite demo) they fall back on simple-history's helpers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.dispatch import Signal
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from journal.journaled import require_reason

# Sent after each bulk write here (which sends no ``post_save``): ``sender`` the model, ``pks``
# the rows written, ``rows`` their values (dicts of field values by name, or the objects
# saved), ``fields`` the fields written (None: every field, a new row). Apps above keep their
# derived figures in step (``journee.priority``: « Ma journée »'s stored priority).
rows_written = Signal()


def _stamp(objs, actor, reason: str) -> list[models.Model]:
    """simple-history prefers an object's own ``_history_user``/``_change_reason`` (left by an
    earlier save) to the defaults: stamp every object with this operation's who and why."""
    objs = list(objs)
    for obj in objs:
        obj._history_user = actor
        obj._change_reason = reason
    return objs


def journaled_bulk_create(
    objs: Sequence[models.Model], *, actor, reason: str, batch_size: int | None = 500
) -> list[models.Model]:
    if not objs:
        return []
    model = type(objs[0])
    reason = require_reason(reason)
    created = bulk_create_with_history(
        _stamp(objs, actor, reason),
        model,
        batch_size=batch_size,
        default_user=actor,
        default_change_reason=reason,
    )
    _written(model, [obj.pk for obj in created], created, None)
    return created


def journaled_bulk_update(
    objs: Sequence[models.Model],
    fields: list[str],
    *,
    actor,
    reason: str,
    batch_size: int | None = 500,
) -> int:
    if not objs:
        return 0
    model = type(objs[0])
    reason = require_reason(reason)
    updated = bulk_update_with_history(
        _stamp(objs, actor, reason),
        model,
        fields,
        batch_size=batch_size,
        default_user=actor,
        default_change_reason=reason,
    )
    _written(model, [obj.pk for obj in objs], objs, fields)
    return updated


_held = threading.local()


@contextmanager
def rows_written_together():
    """Within this block, the bulk writes' ``rows_written`` are held, then sent once per model
    at its end (the pks and rows of all its writes, ``fields`` None when one write was of new
    rows): a long write (an import: dossiers opened, then their invoices, then their planning)
    brings the derived figures in step once, not after each statement. Nothing is sent when
    the block raises (its transaction is rolled back). Nested blocks hold until the outer."""
    if getattr(_held, "writes", None) is not None:
        yield
        return
    _held.writes = {}
    try:
        yield
        writes = _held.writes
    finally:
        _held.writes = None
    # One ``deferred()`` batch for all the models: a figure kept in step from several of them
    # (a dossier's priority from its dossier and its invoices) is brought in step once.
    with deferred():
        for model, (pks, rows, fields) in writes.items():
            rows_written.send(sender=model, pks=pks, rows=rows, fields=fields)


# Work deferred to the end of a batch of journaled saves (``deferred``): callback → items.
_DEFERRED: ContextVar[dict | None] = ContextVar("journal_deferred", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """A batch of saves one after the other, for an app below those keeping derived figures
    (a bank statement's payments, ``imports``): the receivers that keep a figure in step after
    each ``post_save`` (``journee.priority``: the stored priority of the dossier saved) may
    ``defer`` that work, done once for all the rows at the end of the batch, inside the caller's
    transaction. Nothing is done when the block raises. Nested batches join the outer one."""
    if _DEFERRED.get() is not None:
        yield
        return
    pending: dict[Callable, set] = {}
    token = _DEFERRED.set(pending)
    try:
        yield
    finally:
        _DEFERRED.reset(token)
    for callback, items in pending.items():
        callback(items)


def defer(callback: Callable[[set], object], item) -> bool:
    """Inside ``deferred()``: keep ``item`` for one call of ``callback(items)`` at the end of the
    batch and return True; outside, return False (the caller does its work now)."""
    pending = _DEFERRED.get()
    if pending is None:
        return False
    pending.setdefault(callback, set()).add(item)
    return True


def defer_each(callback: Callable[[set], object], items) -> bool:
    """``defer`` for many items at once."""
    pending = _DEFERRED.get()
    if pending is None:
        return False
    pending.setdefault(callback, set()).update(items)
    return True


def _written(model, pks: list, rows: Sequence, fields) -> None:
    if not pks:
        return
    held = getattr(_held, "writes", None)
    if held is None:
        rows_written.send(sender=model, pks=pks, rows=rows, fields=fields)
        return
    if model not in held:
        held[model] = ([], [], fields)
    kept_pks, kept_rows, kept_fields = held[model]
    kept_pks.extend(pks)
    kept_rows.extend(rows)
    if kept_fields is not None:
        merged = None if fields is None else list(dict.fromkeys([*kept_fields, *fields]))
        held[model] = (kept_pks, kept_rows, merged)


def _history_enabled() -> bool:
    return getattr(settings, "SIMPLE_HISTORY_ENABLED", True)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _unnest(
    fields: Sequence[models.Field],
    columns: Sequence[list],
    *,
    reasons: bool = False,
    ordinals: list[int] | None = None,
) -> tuple[str, list[str], list]:
    """``unnest(<array>, ...) WITH ORDINALITY AS u(...)``, rows from one array parameter per
    field (then one of reasons, ``journal_reason``, when asked: ``columns`` ends with it),
    numbered in ``journal_ord`` (``ordinals``: their numbers, given); the fields' column
    aliases; and the parameters."""
    types = [field.db_type(connection) for field in fields] + (["text"] if reasons else [])
    aliases = [f"c{i}" for i in range(len(fields))]
    names = ", ".join([*aliases, *(["journal_reason"] if reasons else []), "journal_ord"])
    arrays = [_array(db_type, values) for db_type, values in zip(types, columns, strict=True)]
    numbered = "WITH ORDINALITY "
    if ordinals is not None:
        arrays.append(_array("bigint", ordinals))
        numbered = ""
    casts = ", ".join(cast for cast, _param in arrays)
    return f"unnest({casts}) {numbered}AS u({names})", aliases, [p for _c, p in arrays]


# A column of plain values (text, integers, decimals, dates, times) goes to the database as one
# text, its values separated by ``_SEP`` (``_NULL`` for None), split there by
# ``string_to_array``: the driver's array adapter quotes each of 100,000 values in Python, a
# join is one C call. A value holding either character, or another type, takes the adapter.
_SEP, _NULL = "\x1e", "\x1f"
_PLAIN = frozenset({str, int, Decimal, date, datetime})


def _array(db_type: str, values: list) -> tuple[str, object]:
    """(SQL, parameter) of one array of ``db_type`` holding ``values``."""
    if len(values) > 1 and all(v is None or type(v) in _PLAIN for v in values):
        texts = [_NULL if v is None else str(v) for v in values]
        joined = _SEP.join(texts)
        if joined.count(_SEP) == len(values) - 1 and joined.count(_NULL) == values.count(None):
            return f"string_to_array(%s, E'\\x1e', E'\\x1f')::{db_type}[]", joined
    return f"%s::{db_type}[]", values


# Fields whose database value is the Python value itself, for values of exactly that type.
_AS_IS = {models.CharField: str, models.TextField: str, models.EmailField: str,
          models.DateField: date, models.IntegerField: int, models.BigIntegerField: int,
          models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int,
          models.SmallIntegerField: int, models.BigAutoField: int, models.AutoField: int,
          models.ForeignKey: int}  # fmt: skip


def _prepared(field: models.Field, values: list) -> list:
    """``field.get_db_prep_save`` of each value, computed once per distinct value (a column of
    a batch repeats a few values: a status, a step, a channel); none for a text, integer or
    date field given values of that very type or None (it would return them unchanged), nor
    for a decimal field given finite ``Decimal`` values or None (``to_python`` gives each back
    equal, with its exponent, and PostgreSQL's adapter takes it as it is: the amounts of a
    statement's payments and allocations, nearly all distinct)."""
    kind = _AS_IS.get(type(field))
    if kind is not None and all(v is None or type(v) is kind for v in values):
        return list(values)
    decimals = type(field) is models.DecimalField and connection.vendor == "postgresql"
    if decimals and all(v is None or (type(v) is Decimal and v.is_finite()) for v in values):
        return list(values)
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy, which looks it up on every use
    done: dict = {}
    prepared = []
    for value in values:
        try:
            key = (type(value), value)
            if key not in done:
                done[key] = field.get_db_prep_save(value, db)
            prepared.append(done[key])
        except TypeError:  # unhashable (a list, a dict)
            prepared.append(field.get_db_prep_save(value, db))
    return prepared


def _history_insert(model: type[models.Model], source: str, *, alias: str) -> str:
    """``INSERT INTO`` the model's history table ``SELECT`` each row of ``source`` (the live
    table's columns under ``alias``, the reason in ``journal_reason``, the order in
    ``journal_ord``), with three parameters: when, the history type, who."""
    history = model.history.model
    tracked = [
        (history._meta.get_field(f.name), model._meta.get_field(f.name))
        for f in history.tracked_fields
    ]
    meta = ["history_date", "history_change_reason", "history_type", "history_user"]
    columns = [h.column for h, _live in tracked] + [history._meta.get_field(n).column for n in meta]
    return (
        f"INSERT INTO {_q(history._meta.db_table)} ({', '.join(map(_q, columns))}) "  # noqa: S608
        f"SELECT {', '.join(f'{alias}.{_q(live.column)}' for _h, live in tracked)}, "
        f"%s, journal_reason, %s, %s FROM {source} ORDER BY journal_ord"
    )


def _stamp_params(actor, history_type: str, at: datetime | None) -> list:
    return [at or timezone.now(), history_type, getattr(actor, "pk", None)]


def journal_rows(
    model: type[models.Model],
    rows: Sequence[tuple[object, str]],
    *,
    actor,
    history_type: str,
    at: datetime | None = None,
) -> None:
    """The history rows of rows saved earlier in this transaction, one per ``(pk, reason)`` of
    ``rows``, in their order: one ``INSERT … SELECT`` copies each row as it stands in its table
    (the history row is what was saved), with who, why and when (PostgreSQL)."""
    if not rows or not _history_enabled():
        return
    pk = model._meta.pk
    rows_of, (key,), arrays = _unnest(
        [pk], [_prepared(pk, [k for k, _r in rows]), [r for _k, r in rows]], reasons=True
    )
    source = f"{rows_of} JOIN {_q(model._meta.db_table)} t ON t.{_q(pk.column)} = u.{key}"
    # The SELECT's parameters (when, type, who) come before the FROM's (the arrays).
    params = _stamp_params(actor, history_type, at) + arrays
    with connection.cursor() as cursor:
        cursor.execute(_history_insert(model, source, alias="t"), params)


def journaled_insert(
    model: type[models.Model],
    rows: Sequence[dict],
    *,
    reasons: Sequence[str],
    actor,
    common: dict | None = None,
) -> list:
    """Insert ``rows`` of ``model`` (field values by name, the same names in each row) and
    journal each with its reason; returns the new primary keys, in the order of ``rows``.

    ``common`` holds the values every row shares; a field in neither takes its default (or
    ``auto_now_add``'s time), once for all rows. No ``save()`` runs and no signal is sent, as
    with ``bulk_create``."""
    if not rows:
        return []
    common = dict(common or {})
    names = list(rows[0])
    given = {model._meta.get_field(name) for name in [*names, *common]}
    template = model(**common)
    for field in model._meta.concrete_fields:
        if field.primary_key or field in given:
            continue
        if field.has_default() and callable(field.default):
            raise ValueError(f"{field.name} : une valeur par ligne est nécessaire.")
        common[field.attname] = field.pre_save(template, add=True)
    if connection.vendor != "postgresql":
        objs = [model(**common, **row) for row in rows]
        for obj, reason in zip(objs, reasons, strict=True):
            obj._change_reason = reason
        created = bulk_create_with_history(_actor(objs, actor), model, default_user=actor)
        pks = [obj.pk for obj in created]
        _written(model, pks, rows, None)
        return pks
    varying = [model._meta.get_field(name) for name in names]
    shared = [model._meta.get_field(name) for name in common]
    rows_of, aliases, arrays = _unnest(
        varying,
        [_prepared(f, [row[name] for row in rows]) for name, f in zip(names, varying, strict=True)],
    )
    selected = [f"u.{alias}" for alias in aliases] + ["%s"] * len(shared)
    sql = (
        f"INSERT INTO {_q(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(_q(f.column) for f in [*varying, *shared])}) "
        f"SELECT {', '.join(selected)} FROM {rows_of} "
        f"ORDER BY journal_ord RETURNING {_q(model._meta.pk.column)}"
    )
    # The SELECT's parameters (the shared values) come before the FROM's (one array per field).
    params = [
        f.get_db_prep_save(v, connection) for f, v in zip(shared, common.values(), strict=True)
    ]
    params += arrays
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = [row[0] for row in cursor.fetchall()]
    journal_rows(model, list(zip(pks, reasons, strict=True)), actor=actor, history_type="+")
    _written(model, pks, rows, None)
    return pks


def journaled_update_each(
    objs: Sequence,
    fields: list[str],
    *,
    actor,
    model: type[models.Model] | None = None,
    unchanged_kept: bool = False,
) -> None:
    """Save ``fields`` of ``objs`` (one model, rows the caller holds locked), each journaled
    with its own ``_change_reason``: on PostgreSQL one statement, an ``UPDATE`` whose
    ``RETURNING`` rows (as saved) are inserted into the history table. ``model``: the model of
    ``objs`` when they are plain rows, not its instances (any objects with its ``pk``, the
    fields written and ``_change_reason``: thousands of rows not built as models).

    ``unchanged_kept``: a row whose ``fields`` already hold these values is not written again
    (on PostgreSQL a row updated is a new version, its indexes written anew), and its history
    row is copied from it as it stands — the same history rows, in the same order, as when
    every row is written (a statement's payments journal each dossier they bring in line,
    about half of them left as they were). For a model whose triggers see such rows alike."""
    if not objs:
        return
    model = model or type(objs[0])
    if connection.vendor != "postgresql":
        if not isinstance(objs[0], model):
            objs = _instances(model, objs, fields)
        bulk_update_with_history(_actor(objs, actor), model, fields, default_user=actor)
        _written(model, [obj.pk for obj in objs], objs, fields)
        return
    pk = model._meta.pk
    targets = [model._meta.get_field(name) for name in fields]
    # The rows written in primary-key order, each journaled at its place in ``objs``
    # (``journal_ord``): in the caller's order (a statement's payments, in the file's), the
    # claims' 88,000 updates at 1M claims went to the table and its nine indexes at random,
    # 7.5 s; in key order, their pages are read and written in one sweep.
    order = sorted(range(len(objs)), key=lambda i: objs[i].pk)
    rows = [objs[i] for i in order]
    columns = [_prepared(pk, [obj.pk for obj in rows])]
    columns += [_prepared(f, [getattr(obj, f.attname) for obj in rows]) for f in targets]
    columns.append([getattr(obj, "_change_reason", None) or "" for obj in rows])
    rows_of, (key, *aliases), params = _unnest(
        [pk, *targets], columns, reasons=True, ordinals=[i + 1 for i in order]
    )
    assignments = ", ".join(
        f"{_q(f.column)} = u.{a}" for f, a in zip(targets, aliases, strict=True)
    )
    update = (
        f"UPDATE {_q(model._meta.db_table)} t SET {assignments} "  # noqa: S608
        f"FROM {rows_of} WHERE t.{_q(pk.column)} = u.{key} "
        "RETURNING t.*, u.journal_reason, u.journal_ord"
    )
    if not _history_enabled():
        sql = update
    elif unchanged_kept:
        table, column = _q(model._meta.db_table), _q(pk.column)
        pairs = zip(targets, aliases, strict=True)
        differs = " OR ".join(f"t.{_q(f.column)} IS DISTINCT FROM u.{a}" for f, a in pairs)
        # One snapshot for the whole statement: ``kept`` reads the rows ``saved`` leaves alone.
        with_rows = (
            f"WITH u AS MATERIALIZED (SELECT * FROM {rows_of}), "  # noqa: S608
            f"saved AS (UPDATE {table} t SET {assignments} FROM u "
            f"WHERE t.{column} = u.{key} AND ({differs}) "
            "RETURNING t.*, u.journal_reason, u.journal_ord), "
            f"kept AS (SELECT t.*, u.journal_reason, u.journal_ord FROM u "
            f"JOIN {table} t ON t.{column} = u.{key} WHERE NOT ({differs})), "
            "journaled AS (SELECT * FROM saved UNION ALL SELECT * FROM kept) "
        )
        sql = with_rows + _history_insert(model, "journaled", alias="journaled")
        params += _stamp_params(actor, "~", None)
    else:
        sql = f"WITH saved AS ({update}) " + _history_insert(model, "saved", alias="saved")
        params += _stamp_params(actor, "~", None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    _written(model, [obj.pk for obj in objs], objs, fields)


def _instances(model: type[models.Model], rows: Sequence, fields: list[str]) -> list:
    """The instances of ``model`` that plain ``rows`` stand for, read again, with the rows'
    values of ``fields`` and their ``_change_reason`` (simple-history's helpers, elsewhere than
    on PostgreSQL, journal instances: each history row is copied from its instance whole)."""
    found = model._default_manager.in_bulk([row.pk for row in rows])
    objs = []
    for row in rows:
        obj = found[row.pk]
        for name in fields:
            attname = model._meta.get_field(name).attname
            setattr(obj, attname, getattr(row, attname))
        obj._change_reason = getattr(row, "_change_reason", None)
        objs.append(obj)
    return objs


def _actor(objs, actor) -> list[models.Model]:
    """simple-history takes an object's own ``_history_user`` over the default: set it."""
    objs = list(objs)
    for obj in objs:
        obj._history_user = actor
    return objs
