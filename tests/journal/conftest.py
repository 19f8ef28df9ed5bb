import datetime
import io

import pytest
import time_machine
from django.core.files.base import ContentFile
from pypdf import PdfWriter

from dossiers import services as dossier_services
from dossiers.models import Dossier, Evidence
from journal import services as journal_services
from relances import services as relance_services
from relances.models import Reminder, Stage
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

D = datetime.date


@pytest.fixture
def to_go_no_go(django_capture_on_commit_callbacks, manager):
    """A professional's invoice due 01/10/2026 walked day by day through the cadence until the
    Go/No-Go (30/11/2026), the formal notice approved by the manager when it is planned."""

    def build(amount="1200.00", creditor=None) -> Dossier:
        with time_machine.travel(datetime.datetime(2026, 9, 1, 9), tick=False):
            creditor = creditor or CreditorFactory()
            creditor.managers.add(manager)  # the manager's portfolio (dossiers.scoping)
            claim = ClaimFactory(
                creditor=creditor,
                debtor=DebtorFactory(),
                issue_date=D(2026, 9, 1),
                due_date=D(2026, 10, 1),
                amount=amount,
            )
        day = D(2026, 10, 1)
        while day <= D(2026, 11, 30):
            with (
                time_machine.travel(datetime.datetime.combine(day, datetime.time(7)), tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                relance_services.run_cadence(on=day)
                for reminder in Reminder.objects.filter(
                    dossier=claim.dossier,
                    status=Reminder.Status.PLANNED,
                    step__stage=Stage.FORMAL_NOTICE,
                ):
                    relance_services.reminder_approve(reminder=reminder, actor=manager, on=day)
            day += datetime.timedelta(days=1)
        dossier = Dossier.objects.get(pk=claim.dossier_id)
        assert dossier.state == "go_no_go"
        return dossier

    return build


def tiny_pdf(text: str = "") -> bytes:
    """A real one-page PDF (evidence is checked by content); ``text`` makes its bytes unique."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if text:
        writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def add_evidence(dossier, kind, *, actor, content=None):
    content = tiny_pdf(kind) if content is None else content
    return dossier_services.evidence_add(
        dossier=dossier,
        file=ContentFile(content, name=f"{kind}.pdf"),
        kind=kind,
        actor=actor,
    )


@pytest.fixture
def complete(controller, settings, tmp_path):
    """Everything the checklist asks of an undisputed professional claim up to 5 000 €."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def make(dossier: Dossier) -> Dossier:
        for kind in ("contract", "invoice", "delivery_note", "acknowledgment"):
            add_evidence(dossier, kind, actor=controller, content=tiny_pdf(f"pièce {kind}"))
        with time_machine.travel(datetime.datetime(2026, 11, 30, 11), tick=False):
            relance_services.call_log(
                dossier=dossier,
                actor=controller,
                outcome="reached",
                plan_offered=True,
                summary="Échéancier proposé, refusé.",
            )
        journal_services.solvency_record(
            dossier=dossier,
            analysed_on=D(2026, 11, 30),
            sources=["bodacc", "registry"],
            conclusion="solvent",
            actor=controller,
        )
        return dossier

    return make


__all__ = ["Evidence", "add_evidence", "tiny_pdf"]
