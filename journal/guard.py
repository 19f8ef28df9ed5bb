"""The only door through which history rows may be rewritten: the GDPR purge.

On PostgreSQL the history tables refuse UPDATE and DELETE (a trigger installed by the journal's
migrations) unless the transaction has set ``recouvrement.history_rewrite`` to ``on``; this
context manager sets it for the current transaction only (``SET LOCAL``). Elsewhere it does
nothing. Use it only inside ``transaction.atomic()``.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


@contextmanager
def history_rewrite():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('recouvrement.history_rewrite', 'on', true)")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('recouvrement.history_rewrite', 'off', true)")
    else:
        yield
