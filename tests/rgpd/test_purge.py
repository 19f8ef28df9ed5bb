"""The GDPR purge (docs/legal.md §9): a debtor walked through the cadence, letters sent, a call,
a promise, a piece of evidence, then paid and closed; past its purge date, nothing held anywhere
(live tables, history tables, stored files) still names it, and the figures are unchanged."""

import datetime
import importlib.util
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from dossiers import services as dossier_services
from dossiers.models import Claim, Debtor, DebtorContact, Dossier, Evidence, Payment
from journal import verification
from relances import services as cadence
from relances.models import Reminder
from rgpd.models import PurgeCertificate
from rgpd.services import purge_run
from tests.factories import ClaimFactory, ConsumerFactory
from tests.fixtures.app_role import as_owner

pytestmark = pytest.mark.django_db(transaction=False)
D = datetime.date

NAME = "Zéphyrine Quimbalonga"
EMAIL = "zephyrine.quimbalonga@exemple-unique.fr"
PHONE = "06 71 29 38 47"
SECRETS = (NAME, EMAIL, PHONE)


def dump_database() -> str:
    """Every row of every table, history included, as text (read as the owner, as pg_dump
    would: the application's role may not read the purge door's own tables)."""
    chunks = []
    with as_owner(), connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.append(f"## {table}\n" + "\n".join(repr(row) for row in cursor.fetchall()))
    return "\n".join(chunks)


def dump_files(root) -> str:
    return "\n".join(
        f"{path.name}\n{path.read_bytes().decode('utf-8', 'replace')}"
        for path in root.rglob("*")
        if path.is_file()
    )


def found(text: str) -> set[str]:
    lowered = text.lower()
    return {s for s in SECRETS if s.lower() in lowered}


def kpis() -> dict:
    """Totals a KPI dashboard reads: amounts and row counts of every table."""
    totals = {
        "claims": Claim.objects.aggregate(a=Sum("amount"), o=Sum("outstanding")),
        "payments": Payment.objects.aggregate(a=Sum("amount")),
    }
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith(("rgpd_", "journal_")):
                continue  # the purge adds its certificate, and its events to the journal
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            totals[table] = cursor.fetchone()[0]
    return totals


def journal_verifies() -> None:
    if importlib.util.find_spec("journal.chain") is None:
        return  # the journal's chain is not merged yet

    result = verification.verify()  # may raise on a broken chain
    if hasattr(result, "ok"):
        assert result.ok, result
    elif isinstance(result, (list, tuple, set, dict)):
        assert not result, result  # the list of problems found
    elif isinstance(result, bool):
        assert result


@pytest.fixture
def closed_debtor(at, media, django_capture_on_commit_callbacks, controller):
    """A consumer with distinctive identity, reminded, called, then paid in full."""
    with at(D(2026, 9, 1)):
        debtor = ConsumerFactory(
            name=NAME,
            contacts=[{"role": "collection", "name": NAME, "email": EMAIL, "phone": PHONE}],
        )
        claim = ClaimFactory(debtor=debtor, due_date=D(2026, 10, 1), amount=Decimal("850.00"))
    dossier = claim.dossier
    day = D(2026, 10, 1)
    while day <= D(2026, 10, 30):
        with at(day), django_capture_on_commit_callbacks(execute=True):
            cadence.run_cadence(on=day)
        day += datetime.timedelta(days=1)
    assert Reminder.objects.filter(dossier=dossier, status="sent").count() >= 2
    with at(D(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        cadence.call_log(
            dossier=dossier,
            actor=controller,
            outcome="reached",
            contact_name=NAME,
            contact_role="debtor",
            delay_reason="cash_flow",
            debtor_said=f"{NAME} rappellera au {PHONE}",
            summary=f"Récapitulatif envoyé à {EMAIL}",
        )
        dossier_services.evidence_add(
            dossier=dossier,
            file=ContentFile(f"Courrier de {NAME}, {EMAIL}".encode(), name="courrier.txt"),
            kind="other",
            actor=controller,
            description=f"Lettre de {NAME}",
        )
    with at(D(2026, 11, 2)), django_capture_on_commit_callbacks(execute=True):
        dossier_services.payment_record(
            dossier=dossier,
            amount=Decimal("850.00"),
            received_on=D(2026, 11, 2),
            actor=controller,
            reference=f"VIR {NAME}",
        )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "paid"
    return debtor, dossier


def test_closed_dossier_gets_its_purge_date_from_the_prescription_plus_the_margin(
    closed_debtor, settings
):
    """Consumer: 2 years (C. conso. L218-2) from the payment of 02/11/2026, which interrupts
    the prescription (C. civ. 2240), then the 30-day margin."""
    _, dossier = closed_debtor
    assert dossier.purge_on == D(2028, 11, 2) + datetime.timedelta(days=30)


def test_purge_leaves_no_trace_of_the_debtor_anywhere_and_keeps_the_figures(
    closed_debtor, media, django_capture_on_commit_callbacks, manager
):
    debtor, dossier = closed_debtor
    # An admin edited the debtor: the admin's log keeps its name.
    LogEntry.objects.log_actions(
        user_id=manager.pk, queryset=[debtor], action_flag=CHANGE, change_message="[]"
    )
    assert found(dump_database()) == set(SECRETS)
    assert found(dump_files(media)) == {NAME, EMAIL}
    evidence = Evidence.objects.get(dossier=dossier)
    # The evidence file and the PDF of every letter or e-mail sent to the debtor.
    from courriers.models import SentMessage

    stored = 1 + SentMessage.objects.filter(dossier=dossier).exclude(pdf="").count()
    assert stored > 1
    before = kpis()

    # The day before the purge date: nothing is due.
    assert purge_run(dossier.purge_on - datetime.timedelta(days=1)).debtors == 0
    with django_capture_on_commit_callbacks(execute=True):
        report = purge_run(dossier.purge_on, actor=manager)

    assert report.debtors == 1 and report.dossiers == 1
    assert report.history_rows > 0 and report.files_deleted == stored
    leftovers = [c[:300] for c in dump_database().split("## ") if found(c)]
    assert leftovers == []
    assert found(dump_files(media)) == set()
    assert kpis() == before
    evidence.refresh_from_db()
    assert evidence.sha256 and not evidence.file
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.closed_on == D(2026, 11, 2) and dossier.state == "paid"
    assert Debtor.objects.get(pk=debtor.pk).kind == "consumer"
    assert not DebtorContact.objects.filter(email=EMAIL).exists()
    certificate = PurgeCertificate.objects.get(pk=report.certificate.pk)
    assert certificate.operator == manager and certificate.debtors == 1
    assert found(repr(certificate.counts) + certificate.operator_label) == set()
    journal_verifies()

    # Idempotent: a second run purges nobody.
    assert purge_run(dossier.purge_on + datetime.timedelta(days=5)).debtors == 0


def test_debtor_with_an_open_dossier_elsewhere_is_not_purged(closed_debtor):
    debtor, dossier = closed_debtor
    ClaimFactory(debtor=debtor, due_date=D(2026, 12, 1))
    assert purge_run(dossier.purge_on + datetime.timedelta(days=1)).debtors == 0
    assert Debtor.objects.get(pk=debtor.pk).name == NAME


def test_dry_run_lists_and_changes_nothing(closed_debtor, media, capsys):
    _, dossier = closed_debtor
    database, files = dump_database(), dump_files(media)
    call_command("purge_rgpd", "--date", dossier.purge_on.isoformat(), "--dry-run")
    out = capsys.readouterr().out
    assert dossier.reference in out and "1 débiteur(s), 1 dossier(s)" in out
    assert NAME not in out
    assert dump_database() == database and dump_files(media) == files
    assert not PurgeCertificate.objects.exists()


def test_command_purges_and_prints_the_certificate(closed_debtor, capsys, dpo):
    """Issue #19: a run by hand names its operator, never « tâche planifiée »."""
    from django.core.management.base import CommandError

    _, dossier = closed_debtor
    with pytest.raises(CommandError, match="--operateur"):
        call_command("purge_rgpd", "--date", dossier.purge_on.isoformat())
    assert Debtor.objects.get(pk=dossier.debtor_id).name == NAME
    call_command("purge_rgpd", "--date", dossier.purge_on.isoformat(), "--operateur", dpo.username)
    assert "certificat n°" in capsys.readouterr().out
    assert Debtor.objects.get(pk=dossier.debtor_id).name == "[anonymisé]"
    certificate = PurgeCertificate.objects.get()
    assert (certificate.operator, certificate.operator_label) == (dpo, dpo.username)


def test_command_refuses_an_operator_who_is_no_dpo(closed_debtor, controller):
    from django.core.management.base import CommandError

    _, dossier = closed_debtor
    with pytest.raises(CommandError, match="n'est pas un compte actif de DPO"):
        call_command(
            "purge_rgpd", "--date", dossier.purge_on.isoformat(), "--operateur", controller.username
        )
    assert not PurgeCertificate.objects.exists()


def test_only_the_beat_task_runs_as_the_scheduled_task(closed_debtor):
    from rgpd.tasks import purge_task

    _, dossier = closed_debtor
    purge_task(dossier.purge_on.isoformat())
    assert PurgeCertificate.objects.get().operator_label == "tâche planifiée"


def test_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Date invalide"):
        call_command("purge_rgpd", "--date", "31/12/2026")


def test_written_off_professional_dossier_is_kept_five_years_after_the_due_date(at, settings):
    """Between professionals: 5 years from the due date (C. com. L110-4), no acknowledgment;
    the margin follows the setting."""
    settings.RGPD_PURGE_MARGIN_DAYS = 10
    from tests.factories import DebtorFactory

    with at(D(2026, 3, 1)):
        claim = ClaimFactory(
            debtor=DebtorFactory(), issue_date=D(2026, 2, 1), due_date=D(2026, 3, 1)
        )
    dossier = claim.dossier
    Dossier.objects.filter(pk=dossier.pk).update(state="go_no_go")
    with at(D(2026, 6, 1)):
        dossier_services.dossier_decide(
            dossier=Dossier.objects.get(pk=dossier.pk),
            decision="written_off",
            actor=None,
            reason="montant trop faible pour agir",
        )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.closed_on == D(2026, 6, 1)
    assert dossier.purge_on == D(2031, 3, 1) + datetime.timedelta(days=10)
    assert "date de purge fixée au" in dossier.history.first().history_change_reason


def test_imported_files_and_replayable_answers_are_cleared_after_their_retention(
    at, media, django_capture_on_commit_callbacks, settings
):
    """An imported file (with its preview) and a kept API answer name many debtors at once:
    the purge clears them RGPD_TRANSIENT_RETENTION_DAYS after their creation, files deleted
    with their SHA-256 kept; a recent import is left alone; the journal still verifies."""
    from imports.models import IdempotencyKey, ImportBatch
    from tests.factories import CreditorFactory, UserFactory

    settings.RGPD_TRANSIENT_RETENTION_DAYS = 90
    creditor = CreditorFactory()
    user = UserFactory()
    batches = {}
    for day in (D(2026, 8, 1), D(2026, 11, 1)):
        with at(day):
            batch = ImportBatch(
                kind="claims",
                creditor=creditor,
                original_name=f"export {NAME} {day:%m}.csv",
                sha256="a" * 64,
                preview=[[2, "F-1", NAME, "100,00", "01/07/2026", "créée"]],
                created_by=user,
            )
            batch.file.save("export.csv", ContentFile(f"numero;nom\nF-1;{NAME}\n".encode()))
            batches[day] = batch
            IdempotencyKey.objects.create(
                user=user,
                key=f"k-{day:%m}",
                method="POST",
                path="/api/v1/claims/",
                request_hash="b" * 64,
                status_code=201,
                response_body={"debtor": NAME},
            )
    old, recent = batches[D(2026, 8, 1)], batches[D(2026, 11, 1)]
    old_file = media / old.file.name

    with django_capture_on_commit_callbacks(execute=True):
        report = purge_run(D(2026, 11, 23))  # 01/08 is 114 days old; 01/11 only 22

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.original_name, old.file.name, old.preview) == ("[anonymisé]", "", None)
    assert old.sha256 == "a" * 64 and not old_file.exists()
    assert NAME in recent.original_name and recent.preview and recent.file.name
    assert IdempotencyKey.objects.get(key="k-08").response_body is None
    assert IdempotencyKey.objects.get(key="k-11").response_body == {"debtor": NAME}
    assert not old.history.filter(original_name__contains=NAME).exists()
    assert report.counts["imports.importbatch"] == 1
    journal_verifies()
    # A second run has nothing left to clear.
    assert purge_run(D(2026, 11, 23)).counts["imports.importbatch"] == 0


def test_login_records_are_deleted_after_their_retention(settings):
    """django-axes keeps staff usernames and addresses: the daily purge deletes the records
    older than SECURITY_LOG_RETENTION_DAYS (the CNIL: 6 months to 1 year) and keeps the rest;
    a dry run counts them and deletes nothing."""
    from axes.models import AccessFailureLog, AccessLog
    from django.utils import timezone

    settings.SECURITY_LOG_RETENTION_DAYS = 365
    now = timezone.make_aware(datetime.datetime(2026, 11, 23, 9, 0))
    for days, name in ((400, "ancienne"), (30, "recente")):
        when = now - datetime.timedelta(days=days)
        log = AccessLog.objects.create(username=name, ip_address="192.0.2.7", user_agent="x")
        failure = AccessFailureLog.objects.create(
            username=name, ip_address="192.0.2.7", user_agent="x"
        )
        # attempt_time is set on creation (auto_now_add): backdate it.
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
        AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=when)

    dry = purge_run(D(2026, 11, 23), dry_run=True)
    assert dry.counts["axes.accesslog"] == 1 and dry.counts["axes.accessfailurelog"] == 1
    assert AccessLog.objects.count() == 2

    report = purge_run(D(2026, 11, 23))
    assert report.counts["axes.accesslog"] == 1 and report.counts["axes.accessfailurelog"] == 1
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["recente"]
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["recente"]
    assert report.certificate.counts["axes.accesslog"] == 1


def test_the_purge_is_an_event_of_each_chain_it_touched(closed_debtor, controller):
    """Issue #21: the purge writes, in the dossier's chain, which history rows it anonymised
    under which certificate; the journal tells it from the same wipe made by hand."""
    from journal import chain
    from journal.models import ChainLink, PurgeEvent
    from relances.models import CallLog

    _debtor, dossier = closed_debtor
    other = ClaimFactory(actor=controller).dossier
    cadence.call_log(
        dossier=other, actor=controller, outcome="reached", debtor_said="Paiera vendredi."
    )
    report = purge_run(dossier.purge_on)
    certificate = report.certificate

    event = PurgeEvent.objects.get(chain=chain.chain_of(dossier.pk))
    assert event.certificate == f"rgpd.purgecertificate:{certificate.pk}"
    calls = sorted(CallLog.history.filter(dossier=dossier).values_list("history_id", flat=True))
    assert event.rows["relances.calllog"]["ids"] == calls != []
    assert "debtor_said" in event.rows["relances.calllog"]["fields"]
    assert ChainLink.objects.filter(model="journal.purgeevent", history_id=event.pk).exists()
    general = PurgeEvent.objects.get(chain=chain.GLOBAL_CHAIN)  # the debtor and its contacts
    assert set(general.rows) >= {"dossiers.debtor", "dossiers.debtorcontact"}
    journal_verifies()

    # The same anonymisation on the other (active) dossier's call, by hand: named.
    row = CallLog.history.filter(dossier=other).order_by("history_id").first()
    table = CallLog.history.model._meta.db_table
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER journal_append_only')
        cursor.execute(
            f"UPDATE \"{table}\" SET debtor_said = '[anonymisé]' WHERE history_id = %s",  # noqa: S608
            [row.history_id],
        )
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER journal_append_only')
    problems = verification.verify().problems
    assert [(p.model, p.history_id, p.dossier_reference) for p in problems] == [
        ("relances.calllog", row.history_id, other.reference)
    ]
    assert "effacée sans purge enregistrée" in problems[0].message


def test_approval_batches_naming_debtors_are_cleared_after_their_retention(settings):
    """A batch of approvals lists each letter's debtor: working data, cleared by age."""
    from django.utils import timezone

    from courriers.models import ApprovalBatch

    settings.RGPD_TRANSIENT_RETENTION_DAYS = 90
    outcome = [{"reference": "DOS-1", "debtor": NAME, "ok": False, "detail": f"refusé {NAME}"}]
    old = ApprovalBatch.objects.create(total=1, outcomes=outcome, errors=NAME)
    recent = ApprovalBatch.objects.create(total=1, outcomes=outcome, errors=NAME)
    ApprovalBatch.objects.filter(pk=old.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 8, 1, 9))
    )
    ApprovalBatch.objects.filter(pk=recent.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 11, 1, 9))
    )
    report = purge_run(D(2026, 11, 23))
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.outcomes, old.errors) == ([], "[anonymisé]")
    assert recent.outcomes == outcome
    assert report.counts["courriers.approvalbatch"] == 1
