"""Issue #19, item 9: the purge reaches every copy. A person is seeded with a distinctive string
in every field a user can type into (identity, contacts, claims, calls, notes, promises,
disputes, holds, rights requests, messages, the reasons given for each change, the bank line
naming the payer...), e-mails and SMS go to files, the dossier is paid through a bank statement
and closed; after the purge, a whole-database ``pg_dump`` (as the owner), the media folder, the
e-mail folder and the SMS folder hold none of the strings. The dry run announced exactly that."""

from __future__ import annotations

import datetime
import os
import subprocess
from decimal import Decimal

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection

from courriers import delivery
from courriers.models import SentMessage
from dossiers import services as dossier_services
from dossiers.models import Dossier
from escalade import services as escalade_services
from imports.statements import services as statement_services
from imports.statements.models import BankTransaction
from journal import verification
from legal.references import dossier_rf_reference
from relances import services as cadence
from rgpd import services as rgpd_services
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
D = datetime.date
ACCOUNT = "FR7630006000011234567890189"
PAYER_IBAN = "FR7630003000409876543210173"

# One distinctive token per field a user types into; none may survive the purge.
T = {
    name: f"Xq{name.capitalize()}Zw"
    for name in (
        "nom",
        "adresse",
        "complement",
        "ville",
        "contact",
        "cancel",
        "debtorsaid",
        "objections",
        "summary",
        "promise",
        "dispute",
        "resolution",
        "task",
        "evidence",
        "evidencefile",
        "prescription",
        "hold",
        "request",
        "decision",
        "rectifreason",
        "returned",
        "solvency",
        "amicable",
        "payref",
        "payer",
        "remittance",
        "ignored",
        "ignoredpayer",
    )
}
EMAIL = "xqmailzw@exemple-unique.fr"
PHONE = "06 71 29 38 47"


def at(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(9)), tick=False)


def _camt(entries: str) -> bytes:
    return (
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>T</MsgId></GrpHdr><Stmt><Id>T</Id>"
        f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def _entry(amount, ref, *, payer, iban, text, day="2026-11-02"):
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{day}</Dt></BookgDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>"
        "<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls>"
        "<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties>"
        f"<Dbtr><Nm>{payer}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>"
        f"</RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )


@pytest.fixture
def folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "courriels")
    settings.SMS_BACKEND = "courriers.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    for name in ("media", "courriels", "sms"):
        (tmp_path / name).mkdir()
    return tmp_path


def _seed(controller, dpo, manager):
    """Every kind of typed text about one consumer, then paid and closed."""
    with at(D(2026, 9, 1)):
        creditor = CreditorFactory(iban=ACCOUNT)
        creditor.managers.add(manager)  # the statement's uploader is in charge (write scope)
        debtor = ConsumerFactory(
            name=f"Zacharie {T['nom']}",
            address_line1=f"12 rue {T['adresse']}",
            address_line2=f"bâtiment {T['complement']}",
            city=T["ville"],
            contacts=[{"role": "collection", "name": T["contact"], "email": EMAIL, "phone": PHONE}],
        )
        claim = ClaimFactory(
            creditor=creditor, debtor=debtor, due_date=D(2026, 10, 1), amount=Decimal("850.00")
        )
        other = ClaimFactory(
            creditor=creditor, debtor=debtor, due_date=D(2026, 10, 1), amount=Decimal("90.00")
        )
    dossier = claim.dossier
    with at(D(2026, 9, 2)):
        rgpd_services.debtor_rectify(
            debtor=debtor,
            actor=dpo,
            reason=f"Demande de Zacharie {T['rectifreason']} : nouvelle adresse",
            address_line1=f"14 rue {T['adresse']}",
        )
        dossier_services.claim_cancel(claim=other, actor=controller, reason=T["cancel"])
    day = D(2026, 10, 1)
    while day <= D(2026, 10, 20):
        with at(day):
            cadence.run_cadence(on=day)
        day += datetime.timedelta(days=1)
    dossier = Dossier.objects.get(pk=dossier.pk)
    with at(D(2026, 10, 21)):
        cadence.call_log(
            dossier=dossier,
            actor=controller,
            outcome="reached",
            contact_name=T["contact"],
            contact_role="debtor",
            delay_reason="cash_flow",
            debtor_said=T["debtorsaid"],
            objections=T["objections"],
            summary=T["summary"],
        )
        dossier_services.promise_record(
            dossier=dossier,
            amount=Decimal("100.00"),
            due_on=D(2026, 10, 28),
            actor=controller,
            note=T["promise"],
        )
        dossier_services.task_create(
            dossier=Dossier.objects.get(pk=dossier.pk),
            kind="call",
            due_on=D(2026, 10, 25),
            actor=controller,
            note=T["task"],
        )
        dossier_services.evidence_add(
            dossier=dossier,
            file=ContentFile(f"Lettre de {T['evidencefile']}".encode(), name="lettre.txt"),
            kind="other",
            actor=controller,
            description=T["evidence"],
        )
        dossier_services.prescription_event_record(
            dossier=dossier,
            kind="written_acknowledgment",
            occurred_on=D(2026, 10, 21),
            actor=controller,
            reason="reconnaissance écrite",
            description=T["prescription"],
        )
        dispute = dossier_services.dispute_open(
            dossier=Dossier.objects.get(pk=dossier.pk),
            reason_code="other",
            actor=controller,
            description=T["dispute"],
        )
        dossier_services.dispute_resolve(
            dispute=dispute, upheld=False, resolution=T["resolution"], actor=manager
        )
        cadence.hold_set(
            dossier=Dossier.objects.get(pk=dossier.pk),
            until=D(2026, 10, 23),
            reason=T["hold"],
            actor=manager,
        )
        escalade_services.solvency_record(
            dossier=dossier,
            analysed_on=D(2026, 10, 21),
            sources=["debtor_statement"],
            conclusion="solvent",
            note=T["solvency"],
            actor=manager,
        )
        escalade_services.amicable_attempt_record(
            dossier=dossier,
            method="mediation",
            attempted_on=D(2026, 10, 21),
            outcome=T["amicable"],
            actor=manager,
        )
        request = rgpd_services.request_record(
            debtor=debtor,
            kind="access",
            received_on=D(2026, 10, 21),
            details=T["request"],
            actor=dpo,
        )
        rgpd_services.request_decide(
            request=request, status="done", decision=T["decision"], actor=dpo
        )
    letter = SentMessage.objects.filter(dossier=dossier, channel="letter").first()
    if letter is not None:
        with at(D(2026, 10, 22)):
            delivery.letter_returned(sent=letter, actor=controller, note=T["returned"])
    with at(D(2026, 10, 28)):
        dossier_services.payment_record(
            dossier=Dossier.objects.get(pk=dossier.pk),
            amount=Decimal("100.00"),
            received_on=D(2026, 10, 28),
            actor=controller,
            reference=f"VIR {T['payref']}",
        )
    # The balance paid by transfer, read from the bank statement (payer, IBAN, remittance);
    # and a line from the same payer that matched nothing, set aside by a person.
    content = _camt(
        _entry(
            "750.00",
            "R1",
            payer=T["payer"],
            iban=PAYER_IBAN,
            text=f"{dossier_rf_reference(dossier.reference)} {T['remittance']}",
        )
        + _entry("12.00", "R2", payer=T["ignoredpayer"], iban=PAYER_IBAN, text="REMBOURSEMENT")
    )
    with at(D(2026, 11, 2)):
        statement_services.statement_import(content=content, name="releve.xml", actor=manager)
        stray = BankTransaction.objects.get(amount=Decimal("12.00"))
        statement_services.transaction_ignore(
            row=stray, actor=manager, reason=f"remboursement de {T['ignored']}"
        )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "paid", dossier.state
    return debtor, dossier


def _pg_dump() -> str:
    """The whole database as its owner sees it (every table, history and journal included)."""
    settings_dict = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    command = [
        "pg_dump",
        "--data-only",
        "--no-owner",
        "-h",
        settings_dict.get("HOST") or "127.0.0.1",
        "-p",
        str(settings_dict.get("PORT") or 5432),
        "-U",
        settings_dict["USER"],
        settings_dict["NAME"],
    ]
    run = subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    return run.stdout


def _rows(dump: str) -> list[str]:
    """The dump's data, without its random guard lines and its sequences (a rolled-back
    transaction still advances a sequence)."""
    skipped = ("\\restrict", "\\unrestrict", "SELECT pg_catalog.setval")
    return [line for line in dump.splitlines() if not line.startswith(skipped)]


def _files(root) -> str:
    return "\n".join(
        f"{path}\n{path.read_bytes().decode('utf-8', 'replace')}"
        for path in root.rglob("*")
        if path.is_file()
    )


def _found(text: str) -> set[str]:
    lowered = text.lower()
    secrets = [*T.values(), EMAIL, PHONE, PHONE.replace(" ", ""), PAYER_IBAN]
    return {s for s in secrets if s.lower() in lowered}


def _lines_naming(text: str) -> list[str]:
    return [line[:200] for line in text.splitlines() if _found(line)][:20]


def test_the_purge_leaves_no_typed_string_in_the_dump_nor_in_any_folder(
    folders, controller, dpo, manager
):
    _debtor, dossier = _seed(controller, dpo, manager)
    before = _pg_dump() + _files(folders)
    missing = set(T.values()) - _found(before)
    assert missing <= {T["returned"]}, missing  # no letter to return when none went out
    assert list((folders / "courriels").iterdir()), "the cadence sent e-mails to files"
    assert _found(_files(folders / "courriels"))  # the e-mails name the person

    on = dossier.purge_on
    # The bank line set aside is purged once its retention has run, whatever the debtor.
    assert on > D(2026, 11, 2) + datetime.timedelta(days=90)
    dry = rgpd_services.purge_run(on, actor=dpo, dry_run=True)
    assert _rows(_pg_dump() + _files(folders)) == _rows(before)  # the dry run changed nothing
    report = rgpd_services.purge_run(on, actor=dpo)

    assert (report.debtors, report.dossiers) == (dry.debtors, dry.dossiers) == (1, 1)
    assert report.counts == dry.counts
    assert (report.live_rows, report.history_rows, report.files_deleted) == (
        dry.live_rows,
        dry.history_rows,
        dry.files_deleted,
    )
    assert report.counts["courriels (fichiers)"] > 0 and report.counts["SMS (lignes)"] >= 0
    certificate = report.certificate
    assert (certificate.operator, certificate.operator_label) == (dpo, dpo.username)

    dump = _pg_dump()
    assert _lines_naming(dump) == []
    assert _lines_naming(_files(folders)) == []
    result = verification.verify()
    assert result.ok, result.problems[:3]
