"""A controller's portfolio for the workspace tests: dossiers with every kind of worklist item,
built through the services (as the product does), dated relative to ``day``."""

from __future__ import annotations

import datetime
from decimal import Decimal

from dossiers import services as dossier_services
from dossiers.models import Task
from dossiers.services import work
from legal import calendar
from relances import services
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

KINDS = ("call", "go_no_go", "promise_due", "dispute", "promise_broken", "installment_missed")


def last_working_day(day: datetime.date) -> datetime.date:
    while not calendar.is_working_day(day):
        day -= datetime.timedelta(days=1)
    return day


def build(*, controller, count: int, day: datetime.date, creditor=None, start: int = 0):
    """``count`` dossiers assigned to ``controller``, each needing a person for one reason
    (in rotation over ``KINDS``). Returns the dossiers."""
    creditor = creditor or CreditorFactory()
    work_day = last_working_day(day)
    dossiers = []
    for index in range(start, start + count):
        kind = KINDS[index % len(KINDS)]
        claim = ClaimFactory(
            creditor=creditor,
            debtor=DebtorFactory(),
            issue_date=work_day - datetime.timedelta(days=50),
            due_date=work_day - datetime.timedelta(days=20),
            amount=Decimal("1000.00") + Decimal("100.00") * (index % 37),
        )
        dossier = work.dossier_assign(
            dossier=claim.dossier, assignee=controller, actor=None, reason="portefeuille de test"
        )
        if kind == "call":
            # R+15 is due (caught up): an e-mail goes out and a call is planned for a person.
            services.dossier_advance(dossier=dossier, on=work_day)
        elif kind == "go_no_go":
            dossier_services.task_create(
                dossier=dossier, kind=Task.Kind.GO_NO_GO, due_on=day, actor=None, note="Décider"
            )
        elif kind == "promise_due":
            dossier_services.promise_record(
                dossier=dossier,
                amount=Decimal("50.00"),
                due_on=day,
                actor=None,
                on=day - datetime.timedelta(days=5),
            )
        elif kind == "dispute":
            dossier_services.dispute_open(
                dossier=dossier, reason_code="not_received", claim=claim, actor=None, on=day
            )
        else:
            dossier_services.task_create(
                dossier=dossier,
                kind=Task.Kind.PROMISE_BROKEN
                if kind == "promise_broken"
                else Task.Kind.INSTALLMENT_MISSED,
                due_on=day,
                actor=None,
                note="À rappeler",
            )
        dossiers.append(dossier)
    return dossiers
