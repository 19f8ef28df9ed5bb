"""A small world for access tests: two portfolios, each with one dossier and one of every object
a URL can name (plan, dispute, reminder, task, evidence), and one user per role."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from courriers.models import ApprovalBatch, LetterBatch, SentMessage, TemplateKind
from dossiers import services as dossier_services
from dossiers.models import Claim, Dossier, PaymentPlan
from dossiers.services import work
from experiences import services as experiences_services
from imports.models import (
    BankStatement,
    ImportBatch,
    ImportKind,
    InvoiceStatus,
    InvoiceStatusEvent,
    StatementFormat,
)
from relances import services as relances_services
from relances.models import CadencePolicy, CadenceRun, CadenceStep, Reminder
from rgpd.models import PurgeCertificate, RightsRequest
from tests.factories import ClaimFactory, CreditorFactory, UserFactory

TODAY = datetime.date(2026, 11, 23)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Portfolio:
    dossier: Dossier
    claim: Claim
    objects: dict[str, int]  # url parameter name -> id of an object of this dossier


def _portfolio(assignee, manager, *, name: str) -> Portfolio:
    creditor = CreditorFactory(legal_name=f"Créancier {name}")
    if manager is not None:
        creditor.managers.add(manager)
    due = TODAY - datetime.timedelta(days=40)
    claim = ClaimFactory(
        creditor=creditor,
        issue_date=due - datetime.timedelta(days=30),
        due_date=due,
        amount=Decimal("1500.00"),
    )
    dossier = work.dossier_assign(
        dossier=claim.dossier, assignee=assignee, actor=None, reason="affectation"
    )
    task = dossier_services.task_create(
        dossier=dossier, kind="call", due_on=TODAY, actor=None, note=""
    )
    dispute = dossier_services.dispute_open(dossier=dossier, reason_code="quality", actor=None)
    plan = PaymentPlan.objects.create(dossier=dossier, accepted_on=TODAY)
    step = CadenceStep.objects.order_by("pk").first()
    reminder = Reminder.objects.create(
        dossier=dossier,
        step=step,
        cycle=dossier.cycle,
        channel=step.channel,
        scheduled_for=TODAY,
    )
    payment = dossier_services.payment_record(
        dossier=dossier, amount=Decimal("10.00"), received_on=TODAY, actor=None
    )
    evidence = dossier_services.evidence_add(
        dossier=dossier,
        file=ContentFile(PDF, name=f"facture-{name}.pdf"),
        kind="invoice",
        actor=None,
    )
    sent_step = CadenceStep.objects.order_by("pk")[1]
    sent_reminder = Reminder.objects.create(
        dossier=dossier,
        step=sent_step,
        cycle=dossier.cycle,
        channel=sent_step.channel,
        scheduled_for=TODAY,
        status=Reminder.Status.SENT,
        content="Madame, Monsieur, ...",
    )
    sent = SentMessage.objects.create(
        dossier=dossier,
        reminder=sent_reminder,
        kind=TemplateKind.choices[0][0],
        channel=sent_step.channel,
        recipient="compta@example.fr",
        body_text="Madame, Monsieur, ...",
        body_html="<p>Madame, Monsieur, ...</p>",
        pdf=ContentFile(PDF, name=f"envoi-{name}.pdf"),
        text_sha256="0" * 64,
        sent_at=timezone.now(),
    )
    status_event = InvoiceStatusEvent.objects.create(
        claim=claim, status=InvoiceStatus.choices[0][0], occurred_on=TODAY
    )
    relances_services.hold_set(
        dossier=dossier,
        until=datetime.date.today() + datetime.timedelta(days=30),
        reason="attente d'un justificatif",
        actor=None,
    )
    return Portfolio(
        dossier=dossier,
        claim=claim,
        objects={
            "pk": dossier.pk,
            "plan_pk": plan.pk,
            "dispute_pk": dispute.pk,
            "reminder_pk": reminder.pk,
            "task_pk": task.pk,
            "evidence_pk": evidence.pk,
            "debtor": dossier.debtor_id,
            "creditor": dossier.creditor_id,
            "claim": claim.pk,
            "payment": payment.pk,
            "sent_reminder": sent_reminder.pk,
            "sent_pk": sent.pk,
            "contact_pk": dossier.debtor.contacts.order_by("pk").first().pk,
            "invoicestatusevent": status_event.pk,
            "rights_request": RightsRequest.objects.create(
                debtor=dossier.debtor, kind=RightsRequest.Kind.choices[0][0], received_on=TODAY
            ).pk,
        },
    )


def _experiment(creditor):
    standard = CadencePolicy.objects.get(debtor_kind="professional", is_default=True)
    other, _ = CadencePolicy.objects.get_or_create(
        name="Cadence d'essai — professionnels", defaults={"debtor_kind": "professional"}
    )
    experiment = experiences_services.experiment_start(
        creditor=creditor,
        debtor_kind="professional",
        name="Essai",
        measure="paid_30",
        variants=[(standard, 50), (other, 50)],
        planned_size=100,
        actor=None,
        reason="essai",
    )
    # Ended at once (the standard cadence kept): the world's later dossiers are not drawn.
    return experiences_services.experiment_end(
        experiment=experiment,
        winner=experiment.variants.get(label="A"),
        actor=None,
        reason="essai terminé",
    )


@dataclass
class World:
    users: dict[str, object]  # role name -> user (None: anonymous)
    mine: Portfolio  # assigned to users["controller"], creditor managed by users["manager"]
    theirs: Portfolio  # assigned to another controller, creditor managed by nobody here


@pytest.fixture
def world(db, controller, manager, dpo, admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    other = UserFactory(username="autre-controleur", role="controller")
    users = {
        "anonymous": None,
        "no_role": UserFactory(username="sans-role", is_staff=False),
        "controller": controller,
        "manager": manager,
        "dpo": dpo,
        "admin": admin_user,
    }
    mine = _portfolio(controller, manager, name="A")
    theirs = _portfolio(other, None, name="B")
    # Objects of no dossier (or of the person who made them): the same for both portfolios.
    shared = {
        "letter_batch": LetterBatch.objects.create(
            day=TODAY,
            pdf=ContentFile(PDF, name="lot.pdf"),
            manifest=ContentFile(b"ref;nom\n", name="lot.csv"),
            letters_count=1,
        ).pk,
        "certificate": PurgeCertificate.objects.create(purge_date=TODAY).pk,
        "cadence_run": CadenceRun.objects.create(
            on=TODAY, started_at=timezone.now(), trigger=CadenceRun.Trigger.BEAT
        ).pk,
    }
    # An approval batch is seen by the one who started it only: one each (anonymous: any).
    for user in users.values():
        shared[f"approval_batch:{getattr(user, 'username', '')}"] = ApprovalBatch.objects.create(
            total=0, created_by=user
        ).pk
        # An import batch likewise (a manager also sees those of their creditors).
        shared[f"import_batch:{getattr(user, 'username', '')}"] = ImportBatch.objects.create(
            kind=ImportKind.choices[0][0],
            file=ContentFile(b"a;b\n", name="import.csv"),
            original_name="import.csv",
            sha256="0" * 64,
            created_by=user,
        ).pk
        # A bank statement likewise (one per file content: the hash names the user).
        username = getattr(user, "username", "")
        shared[f"bank_statement:{username}"] = BankStatement.objects.create(
            format=StatementFormat.CAMT053,
            account="FR7630006000011234567890189",
            file=ContentFile(b"<Document/>", name="releve.xml"),
            original_name="releve.xml",
            sha256=f"{username or 'anonyme'}".ljust(64, "0")[:64],
            created_by=user,
        ).pk
    mine.objects.update(shared)
    theirs.objects.update(shared)
    # A cadence experiment on each portfolio's creditor (issue #26).
    for portfolio in (mine, theirs):
        portfolio.objects["experiment"] = _experiment(portfolio.dossier.creditor).pk
    return World(
        users=users,
        mine=mine,
        theirs=theirs,
    )
