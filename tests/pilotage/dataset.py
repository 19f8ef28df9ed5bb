"""A small fixed portfolio whose KPIs are computed by hand in ``test_kpis.py``.

Today is Monday 23/11/2026; the period runs from 01/09/2026 to 23/11/2026 (84 days, 59 working
days: 22 in September, 22 in October, 15 in November with 11 November off).

Two creditors A and B; professionals P1, P2; consumers C1 (and C2, an old closed dossier).

claim  dossier  issued      due         amount  what happens                         left
c1     A/P1     01/08/2026  31/08/2026  1000    paid 400 on 10/10 (alice)            600
c2     A/P1     01/11/2026  01/12/2026   500                                          500
c3     A/C1     01/05/2026  15/05/2026   300                                          300
c4     B/P2     01/10/2026  31/10/2026  2000    paid 2000 on 10/11 (bob): closed     0
c5     B/P1     15/09/2026  15/10/2026   800    credit note 100 on 20/10 (alice)     700
c6     A/C2     01/06/2023  01/07/2023   250    paid on 01/09/2023: closed in 2023   0
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from dossiers import services
from dossiers.models import (
    Dispute,
    Dossier,
    Evidence,
    Payment,
    PaymentPlan,
    Promise,
)
from dossiers.services import work
from pilotage import services as pilotage_services
from relances.models import CadenceStep, CallLog, Reminder
from tests.factories import (
    ClaimFactory,
    ConsumerFactory,
    CreditorFactory,
    DebtorFactory,
    UserFactory,
)

TODAY = datetime.date(2026, 11, 23)
START = datetime.date(2026, 9, 1)
D = datetime.date


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def travel(day: datetime.date):
    return time_machine.travel(at(day, 10), tick=False)


@dataclass
class Portfolio:
    a: object
    b: object
    alice: object
    bob: object
    a_p1: Dossier
    a_c1: Dossier
    b_p1: Dossier
    b_p2: Dossier


def _claim(creditor, debtor, number, issued, due, amount):
    with travel(issued):
        return ClaimFactory(
            creditor=creditor,
            debtor=debtor,
            invoice_number=number,
            issue_date=issued,
            due_date=due,
            amount=Decimal(amount),
        )


def _reminder(dossier, code, sent_on, *, content="Texte envoyé", approved_by=None):
    step = CadenceStep.objects.get(policy__debtor_kind="professional", code=code)
    return Reminder.objects.create(
        dossier=dossier,
        step=step,
        cycle=1,
        channel=step.channel,
        status=Reminder.Status.SENT,
        scheduled_for=sent_on,
        sent_at=at(sent_on),
        content=content,
        approved_by=approved_by,
        approved_at=at(sent_on - datetime.timedelta(days=1), 16) if approved_by else None,
    )


def build() -> Portfolio:
    alice = UserFactory(username="alice", first_name="Alice", last_name="Aubert", role="controller")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Bernard", role="controller")
    a = CreditorFactory(legal_name="A — Fournitures Durand SAS")
    # B's policy waives the accessories: P2's invoice paid late (10/11 for 31/10) closes as paid
    # (the accessories' own state is counted in tests/pilotage/test_kpis.py).
    b = CreditorFactory(legal_name="B — Transports Lemaire SA", waives_accessories=True)
    p1, p2 = DebtorFactory(name="P1 SARL"), DebtorFactory(name="P2 SAS")
    c1, c2 = ConsumerFactory(name="C1 Dupont"), ConsumerFactory(name="C2 Martin")

    c1_claim = _claim(a, p1, "A-1", D(2026, 8, 1), D(2026, 8, 31), "1000")
    _claim(a, p1, "A-2", D(2026, 11, 1), D(2026, 12, 1), "500")
    c3 = _claim(a, c1, "A-3", D(2026, 5, 1), D(2026, 5, 15), "300")
    c4 = _claim(b, p2, "B-4", D(2026, 10, 1), D(2026, 10, 31), "2000")
    c5 = _claim(b, p1, "B-5", D(2026, 9, 15), D(2026, 10, 15), "800")
    c6 = _claim(a, c2, "A-6", D(2023, 6, 1), D(2023, 7, 1), "250")
    with travel(D(2023, 9, 1)):
        services.payment_record(
            dossier=c6.dossier, amount=Decimal("250"), received_on=D(2023, 9, 1), actor=None
        )

    a_p1, a_c1, b_p1, b_p2 = c1_claim.dossier, c3.dossier, c5.dossier, c4.dossier
    with travel(D(2026, 9, 1)):
        for dossier, who in ((a_p1, alice), (b_p1, alice), (a_c1, bob), (b_p2, bob)):
            work.dossier_assign(dossier=dossier, assignee=who, actor=None, reason="portefeuille")

    with travel(D(2026, 10, 10)):
        services.payment_record(
            dossier=a_p1, amount=Decimal("400"), received_on=D(2026, 10, 10), actor=alice
        )
    with travel(D(2026, 10, 20)):
        services.payment_record(
            dossier=b_p1,
            amount=Decimal("100"),
            received_on=D(2026, 10, 20),
            kind=Payment.Kind.CREDIT_NOTE,
            actor=alice,
        )
    with travel(D(2026, 11, 10)):
        services.payment_record(
            dossier=b_p2, amount=Decimal("2000"), received_on=D(2026, 11, 10), actor=bob
        )

    # Reminders as the cadence sent them (see test_kpis for what each one counts for).
    _reminder(a_p1, "r7-email", D(2026, 10, 5))
    _reminder(a_p1, "r15-email", D(2026, 10, 12))
    _reminder(a_p1, "r15-appel", D(2026, 10, 12), content="")
    _reminder(b_p1, "r7-email", D(2026, 10, 1))
    _reminder(b_p2, "r7-email", D(2026, 11, 1))
    _reminder(b_p1, "r30-courrier", D(2026, 8, 20))
    _reminder(b_p1, "r45-mise-en-demeure", D(2026, 11, 20), approved_by=alice)
    Reminder.objects.create(
        dossier=a_c1,
        step=CadenceStep.objects.get(policy__debtor_kind="consumer", code="r7-email"),
        cycle=1,
        channel="email",
        scheduled_for=TODAY,
    )

    CallLog.objects.create(
        dossier=a_p1,
        called_at=at(D(2026, 10, 12), 11),
        called_by=alice,
        outcome=CallLog.Outcome.REACHED,
        summary="Règlement partiel annoncé.",
    )
    CallLog.objects.create(
        dossier=b_p1, called_at=at(D(2026, 11, 5), 11), called_by=alice, outcome="no_answer"
    )
    CallLog.objects.create(
        dossier=b_p1, called_at=at(D(2026, 8, 25), 11), called_by=alice, outcome="no_answer"
    )

    Promise.objects.create(
        dossier=a_c1,
        amount=Decimal("100"),
        made_on=D(2026, 10, 1),
        due_on=D(2026, 10, 15),
        status=Promise.Status.KEPT,
        settled_on=D(2026, 10, 14),
    )
    Promise.objects.create(
        dossier=b_p1,
        amount=Decimal("200"),
        made_on=D(2026, 9, 10),
        due_on=D(2026, 9, 20),
        status=Promise.Status.BROKEN,
        settled_on=D(2026, 9, 24),
    )
    Promise.objects.create(
        dossier=a_p1,
        amount=Decimal("50"),
        made_on=D(2026, 7, 1),
        due_on=D(2026, 7, 20),
        status=Promise.Status.KEPT,
        settled_on=D(2026, 7, 20),
    )
    PaymentPlan.objects.create(
        dossier=a_p1,
        accepted_on=D(2026, 9, 5),
        status=PaymentPlan.Status.BROKEN,
        ended_on=D(2026, 10, 20),
    )
    PaymentPlan.objects.create(dossier=b_p2, accepted_on=D(2026, 10, 5))  # dossier paid 10/11
    PaymentPlan.objects.create(
        dossier=b_p1,
        accepted_on=D(2026, 6, 1),
        status=PaymentPlan.Status.COMPLETED,
        ended_on=D(2026, 8, 15),
    )
    for dossier, opened, closed, status in (
        (b_p1, D(2026, 9, 5), D(2026, 9, 15), Dispute.Status.RESOLVED),
        (a_c1, D(2026, 10, 1), D(2026, 10, 21), Dispute.Status.UPHELD),
        (a_p1, D(2026, 11, 15), None, Dispute.Status.OPEN),
        (b_p1, D(2026, 7, 1), D(2026, 7, 10), Dispute.Status.RESOLVED),
    ):
        Dispute.objects.create(
            dossier=dossier,
            reason="other",
            opened_on=opened,
            resolved_on=closed,
            status=status,
        )

    # Both B/P1 and A/C1 stand at formal notice; only B/P1's file is complete.
    for dossier in (b_p1, a_c1):
        dossier = Dossier.objects.get(pk=dossier.pk)
        dossier.advance("formal_notice")
        services.journaled_save(dossier, actor=None, reason="mise en demeure", exclude=["state"])
    for dossier, kind, who in (
        (b_p1, Evidence.Kind.ORDER, alice),
        (b_p1, Evidence.Kind.INVOICE, alice),
        (b_p1, Evidence.Kind.DELIVERY_NOTE, alice),
        (a_c1, Evidence.Kind.INVOICE, bob),
    ):
        services.evidence_add(
            dossier=dossier,
            kind=kind,
            file=ContentFile(b"%PDF-1.4 test", name=f"{kind}.pdf"),
            actor=who,
        )

    pilotage_services.cost_settings_update(
        actor=None,
        reason="tarifs de test",
        email=Decimal("0.05"),
        sms=Decimal("0.10"),
        letter=Decimal("1.50"),
        registered_letter=Decimal("7.00"),
        call_minute=Decimal("0.50"),
        call_minutes=Decimal("4"),
    )
    return Portfolio(a, b, alice, bob, a_p1, a_c1, b_p1, b_p2)
