"""Read-only pages on a read replica (issue #25): settings-driven, off by default.

With ``DATABASE_REPLICA_URL`` set, the settings add the database alias ``replica``; the pages
named in ``DATABASE_REPLICA_PAGES`` (URL names, e.g. ``pilotage:dashboard``) then read from it,
on GET and HEAD only. Everything else — every write, every other page, the login, the session,
the Celery workers — stays on ``default`` (the primary). A page on the replica may show data a
few seconds old (the replication lag): only pages that read aggregates are listed.

The router sees no request: ``ReplicaMiddleware`` marks the page being served (a context
variable, per thread or task) and ``ReplicaRouter`` reads the mark.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_on_replica: ContextVar[bool] = ContextVar("on_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads of a marked page go to the replica; writes and the rest to the primary."""

    def db_for_read(self, model, **hints):
        if _on_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, whichever copy they were read from

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica follows the primary's schema by replication


class ReplicaMiddleware:
    """Marks the pages of ``DATABASE_REPLICA_PAGES`` (GET, HEAD) for the router."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _on_replica.set(False)
        try:
            return self.get_response(request)
        finally:
            _on_replica.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if (
            request.method in ("GET", "HEAD")
            and match is not None
            and match.view_name in settings.DATABASE_REPLICA_PAGES
            and replica_configured()
        ):
            _on_replica.set(True)
        return None
