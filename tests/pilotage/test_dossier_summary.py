"""The dashboard's count of the open dossiers by creditor, controller and state
(``pilotage.dossier_summary``) and its payments by controller (``pilotage.team_summary``) are
kept by the database in the transaction of each write: after any walk of writes they are what
a rebuild makes, and the page reads the figures the dossiers and payments give; two
connections moving dossiers of one creditor never wait for each other (issue #25).
PostgreSQL only: the demo's SQLite reads the dossiers and payments."""

import datetime
import random
from decimal import Decimal
from unittest import mock

import psycopg
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django_fsm import TransitionNotAllowed

from dossiers import services
from dossiers.models import ACTIVE_STATES, Dossier, DossierState, Payment
from dossiers.services import work
from pilotage import dossier_summary, queries, summaries
from pilotage.filters import make_filters
from pilotage.models import DossierStateCount
from relances import services as cadence
from tests.factories import ClaimFactory, CreditorFactory
from tests.pilotage import dataset
from tests.pilotage.dataset import START, TODAY

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the counts are kept on PostgreSQL"
)


@pytest.fixture
def portfolio(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(dataset.at(TODAY, 10), tick=False):
        yield dataset.build()


def _counts(f, *, summary: bool) -> dict:
    """The dossier figures of the page, from the counts or from the dossiers (what a
    controller or debtor-kind filter reads)."""
    if summary:
        return queries.dossiers_query(f)
    with mock.patch.object(queries.dossier_summary, "kept", return_value=False):
        queries._compile.cache_clear()
        try:
            return queries.dossiers_query(f)
        finally:
            queries._compile.cache_clear()


def _team(f, *, summary: bool) -> dict:
    """The team's dossiers held and amount recovered per controller, from the summaries or
    from the dossiers and payments."""

    def read():
        return {user.username: (user.held, user.recovered) for user in queries.team_query(f)}

    if summary:
        return read()
    with (
        mock.patch.object(queries.dossier_summary, "kept", return_value=False),
        mock.patch.object(queries.team_summary, "kept", return_value=False),
    ):
        queries._compile.cache_clear()
        try:
            return read()
        finally:
            queries._compile.cache_clear()


@pytest.mark.django_db
def test_a_random_walk_of_writes_leaves_the_counts_a_rebuild_makes(portfolio):
    """New dossiers, payments that close them, disputes (the dossier paused) opened and
    resolved, holds, states moved in bulk as the daily run moves them, dossiers handed to a
    controller (one by one, in bulk) or back to nobody, closed, reopened, moved to another
    creditor, deleted, payments taken back by the bank, the counts folded midway: the open
    dossiers' counts and the payments by controller stay those a rebuild makes, and the page
    reads the figures (dossiers by state, the team's dossiers held and amounts recovered) the
    dossiers and payments give."""
    rng = random.Random(2507)
    creditors = [portfolio.a, portfolio.b, CreditorFactory()]
    with time_machine.travel(dataset.at(TODAY, 11), tick=False):
        for step in range(60):
            dossiers = list(Dossier.objects.filter(closed_on__isnull=True).order_by("pk"))
            move = rng.choice(
                ["claim", "claim", "pay", "dispute", "hold", "bulk", "bulk", "close", "reopen",
                 "move", "delete", "compact", "assign", "assign_bulk", "pay", "reverse"]
            )  # fmt: skip
            if move == "claim" or not dossiers:
                ClaimFactory(creditor=rng.choice(creditors), amount=Decimal("800.00"))
                continue
            dossier = rng.choice(dossiers)
            try:  # a move the dossier's state refuses (a dispute in insolvency) is skipped
                with transaction.atomic():
                    if move == "pay":
                        due = sum(c.outstanding for c in dossier.claims.all())
                        if due > 0:
                            services.payment_record(
                                dossier=dossier,
                                amount=rng.choice([due, min(due, Decimal("100.00"))]),
                                received_on=TODAY - datetime.timedelta(days=rng.randrange(30)),
                                actor=None,
                            )
                    elif move == "dispute" and dossier.state in DossierState.values:
                        dispute = services.dispute_open(
                            dossier=dossier, reason_code="quality", actor=None
                        )
                        if rng.random() < 0.5:
                            services.dispute_resolve(
                                dispute=dispute, upheld=False, resolution="vu", actor=None
                            )
                    elif move == "hold":
                        cadence.hold_set(
                            dossier=dossier,
                            until=TODAY + datetime.timedelta(days=10),
                            reason="vacances",
                            actor=None,
                        )
                    elif move == "bulk":  # the daily run's batch: many dossiers, one statement
                        chosen = rng.sample(dossiers, min(len(dossiers), rng.randrange(1, 6)))
                        Dossier.objects.filter(pk__in=[d.pk for d in chosen]).update(
                            state=rng.choice(ACTIVE_STATES)
                        )
                    elif move == "reverse":
                        # drawn by the walk's seeded generator, not ``order_by("?")``: the
                        # same walk on every run
                        payments = list(
                            Payment.objects.filter(
                                reversed_on__isnull=True, kind=Payment.Kind.PAYMENT
                            )
                            .exclude(allocations__claim__cancelled_on__isnull=False)
                            .distinct()
                            .order_by("pk")
                        )
                        payment = rng.choice(payments) if payments else None
                        if payment:
                            services.payment_reverse(
                                payment=payment, actor=None, reason="rejet", on=TODAY
                            )
                    elif move == "assign":
                        work.dossier_assign(
                            dossier=dossier,
                            assignee=rng.choice([portfolio.alice, portfolio.bob, None]),
                            actor=None,
                            reason="répartition",
                        )
                    elif move == "assign_bulk":
                        chosen = rng.sample(dossiers, min(len(dossiers), rng.randrange(1, 6)))
                        Dossier.objects.filter(pk__in=[d.pk for d in chosen]).update(
                            assigned_to=rng.choice([portfolio.alice, portfolio.bob, None])
                        )
                    elif move == "close":
                        Dossier.objects.filter(pk=dossier.pk).update(
                            state=DossierState.WRITTEN_OFF, closed_on=TODAY
                        )
                    elif move == "reopen":
                        closed_ones = list(
                            Dossier.objects.filter(closed_on__isnull=False).order_by("pk")
                        )
                        closed = rng.choice(closed_ones) if closed_ones else None
                        if closed:
                            Dossier.objects.filter(pk=closed.pk).update(
                                state=DossierState.REMINDER_1, closed_on=None
                            )
                    elif move == "move":
                        creditors.append(CreditorFactory())
                        Dossier.objects.filter(pk=dossier.pk).update(creditor=creditors[-1])
                    elif move == "delete":  # a dossier opened by mistake, its invoice with it
                        fresh = ClaimFactory(creditor=rng.choice(creditors)).dossier
                        with connection.cursor() as cursor:
                            for table in ("relances_reminder", "dossiers_claim"):
                                cursor.execute(
                                    f"DELETE FROM {table} WHERE dossier_id = %s",  # noqa: S608
                                    [fresh.pk],
                                )
                            cursor.execute("DELETE FROM dossiers_dossier WHERE id = %s", [fresh.pk])
                    elif move == "compact":
                        dossier_summary.compact()
            except (ValidationError, TransitionNotAllowed):
                continue
            if step % 15 == 14:
                kept = summaries.rows()
                summaries.rebuild()
                assert kept == summaries.rows(), step
        kept = dossier_summary.rows()
        assert kept
        call_command("rebuild_summaries")
        assert kept == dossier_summary.rows()
        call_command("rebuild_summaries", "--check")
        team = {}
        for filters in (
            {},
            {"creditors": (creditors[0].pk, creditors[-1].pk)},
            {"creditor": creditors[1].pk},
            {"controller": portfolio.alice.pk},
            {"controller": portfolio.bob.pk, "creditor": portfolio.a.pk},
        ):
            f = make_filters(start=START, end=TODAY, today=TODAY, **filters)
            assert _counts(f, summary=True) == _counts(f, summary=False), filters
            assert _team(f, summary=True) == _team(f, summary=False), filters
            team.update(_team(f, summary=True))
        assert any(held for held, _ in team.values())
        assert any(recovered for _, recovered in team.values())


@pytest.mark.django_db
def test_the_page_reads_the_open_dossiers_by_state_from_the_counts(portfolio):
    f = make_filters(start=START, end=TODAY, today=TODAY)
    counts = _counts(f, summary=True)
    assert counts == _counts(f, summary=False)
    assert sum(counts[f"state_{state}"] for state in ACTIVE_STATES) > 0
    DossierStateCount.objects.all().delete()  # emptied: the page shows no open dossier
    assert not any(queries.dossiers_query(f)[f"state_{s}"] for s in ACTIVE_STATES)
    # a debtor kind's figures are read on the dossiers
    kind = make_filters(start=START, end=TODAY, today=TODAY, debtor_kind="professional")
    assert any(queries.dossiers_query(kind)[f"state_{s}"] for s in ACTIVE_STATES)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_connections_moving_one_creditors_dossiers_do_not_wait_for_each_other():
    """The spread daily run: two workers, each in its transaction, move dossiers of the same
    creditor from one state to another; neither waits for the other's commit, and the counts
    add up once both have committed (and once folded)."""
    creditor = CreditorFactory()
    first, second = (ClaimFactory(creditor=creditor).dossier for _ in range(2))
    before = dossier_summary.rows()[(creditor.pk, 0, first.state)]
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
        port=db["PORT"] or None,
    ) as other:  # fmt: skip
        other.execute(
            "UPDATE dossiers_dossier SET state = %s WHERE id = %s",
            [DossierState.REMINDER_2, first.pk],
        )  # not committed yet
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            try:
                cursor.execute(
                    "UPDATE dossiers_dossier SET state = %s WHERE id = %s",
                    [DossierState.REMINDER_2, second.pk],
                )  # autocommit: would wait on a shared counter, and time out
            finally:
                cursor.execute("RESET lock_timeout")
        other.commit()
    counts = dossier_summary.rows()
    assert counts[(creditor.pk, 0, DossierState.REMINDER_2)] == 2
    assert counts.get((creditor.pk, 0, first.state), 0) == before - 2
    dossier_summary.compact()
    assert dossier_summary.rows() == counts
    assert DossierStateCount.objects.filter(creditor_id=creditor.pk, slot__gt=0).count() == 0
