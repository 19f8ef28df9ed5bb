"""The DPO's writes: the purge run, the data subjects' requests and decisions.

Each records who and why; the purge records a certificate with counts, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.roles import user_or_none
from dossiers.models import Debtor, Dossier
from dossiers.services.lifecycle import restriction_set
from journal import guard
from journal.journaled import journaled_save, require_reason
from journal.personal_data import ANONYMISED
from rgpd import outside_copies, purge, retention
from rgpd.models import DebtorPurge, PurgeCertificate, RightsRequest

SCHEDULED = "tâche planifiée"


# --- Purge ------------------------------------------------------------------------------------


def purgeable_debtors(on: date):
    """Debtors with at least one dossier, all closed, all with a purge date on or before ``on``,
    not purged yet."""
    not_due = Dossier.objects.filter(debtor=OuterRef("pk")).filter(
        Q(closed_on__isnull=True) | Q(purge_on__isnull=True) | Q(purge_on__gt=on)
    )
    return Debtor.objects.filter(
        Exists(Dossier.objects.filter(debtor=OuterRef("pk"))),
        ~Exists(not_due),
        ~Exists(DebtorPurge.objects.filter(debtor=OuterRef("pk"))),
    )


@dataclass
class PurgeReport:
    on: date
    dry_run: bool
    debtors: int = 0
    dossiers: int = 0
    live_rows: int = 0
    history_rows: int = 0
    files_deleted: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    # Dry run only: what would be purged (debtor numbers and dossier references, no names).
    preview: list[tuple[int, list[str]]] = field(default_factory=list)
    # Dry run only: closed dossiers with no purge date yet (set by the real run before it purges).
    undated: int = 0
    certificate: PurgeCertificate | None = None


def _file_names(target: purge.Target, debtor_ids) -> set[tuple[object, str]]:
    names = set()
    for file_field in target.file_fields():
        rows = target.rows(debtor_ids).exclude(**{file_field.attname: ""})
        for name in rows.values_list(file_field.attname, flat=True).distinct():
            if name:
                names.add((file_field.storage, name))
    return names


def _cutoff(on: date, days: int):
    from datetime import datetime, time, timedelta

    return timezone.make_aware(datetime.combine(on - timedelta(days=days), time.min))


def _transient_cutoff(on: date):
    """Working data created before this instant is cleared (RGPD_TRANSIENT_RETENTION_DAYS)."""
    return _cutoff(on, settings.RGPD_TRANSIENT_RETENTION_DAYS)


def _security_logs(on: date) -> dict[str, QuerySet]:
    """The login records older than SECURITY_LOG_RETENTION_DAYS (django-axes: usernames and
    addresses of the staff), by table: deleted by the daily purge."""
    from datetime import datetime, time, timedelta

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    start = on - timedelta(days=settings.SECURITY_LOG_RETENTION_DAYS)
    cutoff = timezone.make_aware(datetime.combine(start, time.min))
    return {
        model._meta.label_lower: model.objects.filter(attempt_time__lt=cutoff)
        for model in (AccessLog, AccessFailureLog, AccessAttempt)
    }


def _insert_purged(certificate: PurgeCertificate, candidates) -> None:
    """INSERT ... SELECT: the debtors of this run, in one statement whatever their number."""
    sql, params = candidates.order_by().values("pk").query.sql_with_params()
    table = connection.ops.quote_name(DebtorPurge._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (debtor_id, certificate_id) SELECT U.*, %s FROM ({sql}) U",  # noqa: S608
            [certificate.pk, *params],
        )


def purge_run(on: date, *, actor=None, dry_run: bool = False) -> PurgeReport:
    """Anonymise every debtor whose dossiers are all past their purge date (docs/legal.md §9).

    Live tables and history tables get the values of ``anonymised_value`` in the fields of
    ``PERSONAL_FIELDS`` (and the change reasons of every history row of the debtor's objects)
    and nothing else; no row is deleted; amounts and dates stay. Files named by those fields,
    and the copies of the messages sent (file e-mail backend, SMS file) are deleted, their
    SHA-256 kept. ``actor`` is the person who ran it (the certificate's operator); None is the
    beat task. A dry run is the same run rolled back: it announces exactly what the run does.
    """
    report = PurgeReport(on=on, dry_run=dry_run)
    if dry_run:
        report.undated = Dossier.objects.filter(
            closed_on__isnull=False, purge_on__isnull=True
        ).count()
        with transaction.atomic():
            _purge(on, actor, report)
            transaction.set_rollback(True)  # and the files' deletion, on commit, never runs
        report.certificate = None
        return report
    _purge(on, actor, report)
    return report


def _purge(on: date, actor, report: PurgeReport) -> None:
    targets = purge.targets()
    retention.purge_dates_refresh(actor=actor)
    files: set = set()
    with transaction.atomic():
        certificate = PurgeCertificate.objects.create(
            purge_date=on,
            operator=user_or_none(actor),
            operator_label=(actor.get_username() if user_or_none(actor) else SCHEDULED),
        )
        # Lock the candidates' dossiers: no closing, payment or reopening while we purge.
        list(
            Dossier.objects.select_for_update()
            .filter(debtor__in=purgeable_debtors(on))
            .values_list("pk", flat=True)
        )
        _insert_purged(certificate, purgeable_debtors(on))
        ids = DebtorPurge.objects.filter(certificate=certificate).values("debtor_id")
        report.debtors = DebtorPurge.objects.filter(certificate=certificate).count()
        report.dossiers = Dossier.objects.filter(debtor__in=ids).count()
        if report.dry_run:
            preview: dict[int, list[str]] = {}
            rows = Dossier.objects.filter(debtor__in=ids).values_list("debtor_id", "reference")
            for debtor_id, reference in rows.order_by("debtor_id", "reference"):
                preview.setdefault(debtor_id, []).append(reference)
            report.preview = sorted(preview.items())
        for target in targets:
            files |= _file_names(target, ids)
        # Copies of the messages sent, outside the database (read before the addresses go).
        copies = outside_copies.find(targets, ids)
        # History rows go through the journal's door, which records in each dossier's chain
        # which rows and fields this certificate anonymised (journal.guard.erasure).
        cutoff = _transient_cutoff(on)
        transient = purge.transient_targets()
        for target in transient:
            files |= _file_names(target, cutoff)
        bank_cutoff = _cutoff(on, settings.RGPD_BANK_LINE_RETENTION_DAYS)
        with guard.erasure(certificate=f"rgpd.purgecertificate:{certificate.pk}") as erasure:
            for target in targets:
                rows = target.rows(ids)
                if target.history:
                    count = erasure.update(rows, target.values())
                    report.history_rows += count
                else:
                    count = rows.update(**target.values())
                    report.live_rows += count
                report.counts[target.label] = count
            # Working data (imported files, replayable API answers) goes by age, not by debtor;
            # so do the bank lines tied to no dossier, once handled.
            by_age = [(t, cutoff) for t in transient]
            by_age += [(t, bank_cutoff) for t in purge.bank_line_targets()]
            for target, limit in by_age:
                rows = target.rows(limit)
                if target.history:
                    count = erasure.update(rows, target.values())
                    report.history_rows += count
                else:
                    count = rows.update(**target.values())
                    report.live_rows += count
                report.counts[target.label] = count
        # Login records go by age too (SECURITY_LOG_RETENTION_DAYS): deleted, not rewritten.
        for label, rows in _security_logs(on).items():
            report.counts[label] = rows.delete()[0]
            report.live_rows += report.counts[label]
        report.counts["admin.logentry"] = _admin_log_anonymise(targets, ids)
        report.live_rows += report.counts["admin.logentry"]
        files = {(storage, name) for storage, name in files if storage.exists(name)}
        report.counts["fichiers enregistrés"] = len(files)
        report.counts["courriels (fichiers)"] = len(copies.mail_files)
        report.counts["SMS (lignes)"] = copies.sms_lines
        report.files_deleted = len(files) + len(copies.mail_files) + len(copies.sms_files)
        certificate.debtors = report.debtors
        certificate.dossiers = report.dossiers
        certificate.live_rows = report.live_rows
        certificate.history_rows = report.history_rows
        certificate.files_deleted = report.files_deleted
        certificate.counts = report.counts
        certificate.save()
        # Files go once the rows no longer name them; a rollback (or a dry run) keeps them.
        transaction.on_commit(lambda: _delete_files(files))
        transaction.on_commit(copies.delete)
    report.certificate = certificate


def _admin_log_anonymise(targets, debtor_ids) -> int:
    """The admin's log keeps each edited object's ``str()`` (a debtor's name...): blank it for
    the purged rows of every live table of the registry."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField
    from django.db.models.functions import Cast

    count = 0
    for target in targets:
        if target.history:
            continue
        object_ids = (
            target.rows(debtor_ids).annotate(object_pk=Cast("pk", CharField())).values("object_pk")
        )
        count += LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(target.model),
            object_id__in=object_ids,
        ).update(object_repr=ANONYMISED)
    return count


def _delete_files(files) -> None:
    for storage, name in files:
        storage.delete(name)


# --- Data subjects' requests ------------------------------------------------------------------


def request_record(
    *, debtor: Debtor, kind: str, received_on: date, details: str, actor
) -> RightsRequest:
    """Record a request received from a data subject; one month to answer (GDPR art. 12-3)."""
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "La date de réception ne peut pas être future."})
    if kind not in RightsRequest.Kind.values:
        raise ValidationError({"kind": "Nature de demande inconnue."})
    request = RightsRequest(debtor=debtor, kind=kind, received_on=received_on, details=details)
    with transaction.atomic():
        journaled_save(request, actor=actor, reason=f"RGPD : {request.get_kind_display()} reçue")
    return request


def request_decide(
    *, request: RightsRequest, status: str, decision: str, actor, on: date | None = None
) -> RightsRequest:
    """Close a request with the DPO's reasoned decision. An objection (art. 21) is assessed by
    the DPO: accepted, it restricts the processing (no more reminders) until the restriction is
    lifted; a restriction request accepted restricts too."""
    on = on or timezone.localdate()
    decision = require_reason(decision)
    if status not in (RightsRequest.Status.values):
        raise ValidationError({"status": "Décision inconnue."})
    if status == RightsRequest.Status.OPEN:
        raise ValidationError({"status": "Choisissez une décision."})
    with transaction.atomic():
        request = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RightsRequest.Status.OPEN:
            raise ValidationError("Cette demande a déjà été traitée.")
        request.status = status
        request.decision = decision
        request.decided_on = on
        request.decided_by = user_or_none(actor)
        journaled_save(
            request, actor=actor, reason=f"RGPD : décision ({request.get_status_display()})"
        )
        restricts = request.kind in (RightsRequest.Kind.OBJECTION, RightsRequest.Kind.RESTRICTION)
        if restricts and status == RightsRequest.Status.ACCEPTED:
            restriction_set(
                debtor=request.debtor,
                restricted=True,
                actor=actor,
                reason=f"RGPD : {request.get_kind_display()} acceptée",
                on=on,
            )
    return request


def restriction_change(*, debtor: Debtor, restricted: bool, actor, reason: str) -> Debtor:
    """Restrict or lift the processing (art. 18): the cadence pauses or resumes."""
    return restriction_set(
        debtor=debtor, restricted=restricted, actor=actor, reason=require_reason(reason)
    )


def debtor_rectify(*, debtor: Debtor, actor, reason: str, **fields) -> Debtor:
    """Rectification (art. 16): the new values are journaled, the old ones stay in history
    until the purge."""
    from dossiers.services import debtor_update

    return debtor_update(
        debtor=debtor, actor=actor, reason=f"RGPD : {require_reason(reason)}", **fields
    )


def contact_rectify(*, contact, actor, reason: str, **fields):
    reason = require_reason(reason)
    with transaction.atomic():
        contact = type(contact).objects.select_for_update().get(pk=contact.pk)
        for name, value in fields.items():
            setattr(contact, name, value)
        journaled_save(contact, actor=actor, reason=f"RGPD : {reason}")
    return contact
