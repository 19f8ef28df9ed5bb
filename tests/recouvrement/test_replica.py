"""A read replica for the read-only pages (issue #25): off by default; when configured, the
pages listed read from it on GET, and nothing else does — no write, no other page."""

import copy

import pytest
from django.db import router
from django.urls import reverse

from dossiers.models import Dossier
from recouvrement.replica import REPLICA, ReplicaRouter
from tests.factories import ClaimFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),
]


@pytest.fixture
def decisions(monkeypatch):
    """Where the router would send each read; the reads still run on ``default`` (the test
    database has no second server), so the pages work as usual."""
    seen = []
    real = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        seen.append(real(self, model, **hints))
        return None

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    return seen


@pytest.fixture
def replica(settings):
    databases = copy.deepcopy(settings.DATABASES)
    databases[REPLICA] = copy.deepcopy(databases["default"])
    settings.DATABASES = databases


@pytest.fixture
def manager(client):
    claim = ClaimFactory()
    user = UserFactory(username="responsable", role="manager")
    claim.creditor.managers.add(user)
    client.force_login(user)
    return user


def test_without_a_replica_every_page_reads_the_primary(client, manager, decisions, settings):
    assert REPLICA not in settings.DATABASES
    assert "pilotage:dashboard" in settings.DATABASE_REPLICA_PAGES
    assert client.get(reverse("pilotage:dashboard")).status_code == 200
    assert decisions and set(decisions) == {None}


def test_the_listed_pages_read_the_replica_and_nothing_else_does(
    client, manager, decisions, replica
):
    assert client.get(reverse("pilotage:dashboard")).status_code == 200
    assert REPLICA in decisions
    during_dashboard = len(decisions)

    dossier = Dossier.objects.get()
    decisions.clear()
    assert client.get(reverse("journee:dossier", args=[dossier.pk])).status_code == 200
    assert decisions and REPLICA not in decisions  # a page not listed
    decisions.clear()
    client.post(reverse("pilotage:dashboard"))  # not a GET: the primary
    assert REPLICA not in decisions
    assert during_dashboard > 0
    # Outside any request (a worker, a command): the primary.
    decisions.clear()
    list(Dossier.objects.all())
    assert REPLICA not in decisions


def test_writes_and_migrations_stay_on_the_primary(replica):
    assert router.db_for_write(Dossier) == "default"
    r = ReplicaRouter()
    assert r.allow_migrate("default", "dossiers") and not r.allow_migrate(REPLICA, "dossiers")
    assert r.db_for_read(Dossier) is None  # no page marked
