"""The set-based import writes exactly what the row-by-row import wrote (#20, item 5).

The same file is imported twice from the same database state: once by ``batch_import`` (a few
statements per table per chunk of rows), once row by row as the import did before it was made
set-based — ``debtor_create`` for each new debtor, ``dossier_open_or_join`` and a journaled
save for each invoice, a reference added to a known invoice, then ``dossier_refresh`` of each
dossier touched. Both end states are compared by natural keys (ids differ between the two
runs): debtors and their contacts, dossiers (reference, state, planning, « Ma journée »'s
priority), invoices, every history row (who, why, what), the dossiers announced as opened
(``dossiers_opened``, which experiences listen to), and the reminders the next daily run plans.
The import takes the rows its preview read (``CheckedRows``) or, for a batch checked without
them, reads the file again: both give the same rows.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import transaction

from dossiers import scheduling, services
from dossiers.models import Claim, Debtor, DebtorContact, Dossier
from imports import services as imports_services
from imports.models import CheckedRows, ImportBatch
from imports.validation import CREATE, UPDATE, debtor_key
from relances.models import Reminder
from relances.services import run_cadence
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory
from tests.imports.conftest import TODAY, check

pytestmark = pytest.mark.django_db

HEADER = (
    "Numéro de facture;Date d'émission;Date d'échéance;Montant TTC;Débiteur;SIREN;Adresse;"
    "Code postal;Ville;E-mail;Contrat\n"
)


def _file(known_siren: str, joined_siren: str) -> str:
    lines = [
        # a new professional with two invoices, his e-mail kept as a billing contact
        "FA-101;01/08/2026;31/08/2026;1 200,00;Boulangerie Lune SARL;552100554;3 rue Neuve;"
        "69001;Lyon;compta@lune.example.fr;",
        "FA-102;15/08/2026;14/09/2026;380,50;Boulangerie Lune SARL;552100554;3 rue Neuve;"
        "69001;Lyon;compta@lune.example.fr;CT-1",
        # a known debtor, no dossier with this creditor yet: a new dossier for him
        f"FA-103;01/09/2026;01/10/2026;75,00;Garage Soleil;{known_siren};;;;;",
        # a new consumer, no SIREN, found again by name and postal code on the next line
        "FA-104;10/09/2026;10/10/2026;49,90;Lucie Fontaine;;4 rue des Lilas;31000;Toulouse;;",
        "FA-105;20/09/2026;20/10/2026;19,90;Lucie  Fontaine;;4 rue des Lilas;31000;Toulouse;;",
        # a debtor whose open dossier with this creditor exists: the invoice joins it
        f"FA-106;01/10/2026;31/10/2026;640,00;Cave Étoile;{joined_siren};;;;;",
        # a known debtor without a SIREN, his name written in capitals: found by name and
        # postal code whatever the case, a new dossier for him
        "FA-107;02/10/2026;01/11/2026;33,00;EPICERIE MARTIN;;1 rue Oberkampf;75011;Paris;;",
        # the invoice already recorded, its contract reference given now: completed
        f"FA-001;01/07/2026;31/07/2026;500,00;Cave Étoile;{joined_siren};;;;;CT-9",
        # the invoice already recorded, the same facts: unchanged
        f"FA-002;05/07/2026;04/08/2026;250,00;Cave Étoile;{joined_siren};;;;;",
    ]
    return HEADER + "\n".join(lines) + "\n"


@pytest.fixture
def state(admin_user):
    """One creditor; a known debtor without a dossier; another with an open dossier holding
    FA-001 and FA-002."""
    creditor = CreditorFactory(code="EQ")
    known = DebtorFactory(name="Garage Soleil")
    joined = DebtorFactory(name="Cave Étoile")
    DebtorFactory(name="Epicerie Martin", siren="", kind="consumer", postal_code="75011")
    for number, issued, amount in (("FA-001", 1, "500.00"), ("FA-002", 5, "250.00")):
        issue = datetime.date(2026, 7, issued)
        ClaimFactory(
            creditor=creditor,
            debtor=joined,
            invoice_number=number,
            issue_date=issue,
            due_date=issue + datetime.timedelta(days=30),
            amount=Decimal(amount),
        )
    return creditor, _file(known.siren, joined.siren)


def _row_by_row(batch: ImportBatch, rows, *, actor, reason: str) -> None:
    """The import's writes one row at a time through the dossier services (the writer before
    the set-based one)."""
    debtors: dict[object, Debtor] = {}
    dossiers: dict[int, Dossier] = {}
    touched: set[int] = set()
    for row in rows:
        v = row.values
        if row.action == UPDATE:
            claim = imports_services.claim_add_references(
                claim_id=row.target_pk, values=v, actor=actor, reason=reason
            )
            touched.add(claim.dossier_id)
            continue
        if row.action != CREATE:
            continue
        key = v["debtor_siren"] or debtor_key(v["debtor_name"], v["postal_code"])
        if key not in debtors:
            found = (
                Debtor.objects.filter(siren=v["debtor_siren"]).first()
                if v["debtor_siren"]
                else next(
                    (
                        d
                        for d in Debtor.objects.filter(siren="").order_by("pk")
                        if debtor_key(d.name, d.postal_code) == key
                    ),
                    None,
                )
            )
            debtors[key] = found or services.debtor_create(
                actor=actor,
                reason=reason,
                contacts=[{"role": "billing", "email": v["email"], "phone": v["phone"]}]
                if v["email"] or v["phone"]
                else [],
                kind=v["debtor_kind"],
                name=v["debtor_name"],
                siren=v["debtor_siren"],
                address_line1=v["address"],
                postal_code=v["postal_code"],
                city=v["city"],
            )
        debtor = debtors[key]
        if debtor.pk not in dossiers:
            dossiers[debtor.pk] = services.dossier_open_or_join(
                creditor=batch.creditor, debtor=debtor, actor=actor
            )[0]
        claim = Claim(
            dossier=dossiers[debtor.pk],
            creditor=batch.creditor,
            outstanding=v["amount"],
            **{
                k: v[k]
                for k in (
                    "invoice_number",
                    "issue_date",
                    "due_date",
                    "amount",
                    "contract_ref",
                    "purchase_order_ref",
                    "delivery_note_ref",
                )
            },
        )
        claim._history_user, claim._change_reason = actor, reason
        claim.save()
        touched.add(claim.dossier_id)
    for pk in sorted(touched):
        services.dossier_refresh(
            dossier=services.lock_dossier(pk), actor=actor, reason="factures importées"
        )


SKIPPED = {"id", "created_at", "debtor", "dossier", "creditor", "run"}  # ids of each run


def _values(obj) -> tuple:
    """(field, value) of what an object (or a history row) records, ids and times aside."""
    return tuple(
        (f.name, getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.name not in SKIPPED and not f.name.startswith("history_")
    )


def _batch(reason: str | None) -> str | None:
    """The reason without the batch's number (each run has its own batch)."""
    return re.sub(r"\(n° \d+\)", "(n° …)", reason) if reason else reason


def _snapshot(creditor) -> dict:
    """The state by natural keys: a debtor by SIREN (or name), a dossier by its debtor, an
    invoice by its number; each with its history rows in order."""
    debtor_name = dict(Debtor.objects.values_list("pk", "name"))
    dossier_of = {d.pk: debtor_name[d.debtor_id] for d in Dossier.objects.filter(creditor=creditor)}

    def history(model, key) -> dict:
        rows: dict = {}
        for h in model.history.order_by("history_date", "history_id"):
            rows.setdefault(key(h), []).append(
                (h.history_type, _batch(h.history_change_reason), h.history_user_id, *_values(h))
            )
        return rows

    return {
        "debtors": {d.name: _values(d) for d in Debtor.objects.all()},
        "contacts": sorted(
            (debtor_name[c.debtor_id], _values(c)) for c in DebtorContact.objects.all()
        ),
        "dossiers": {
            dossier_of[d.pk]: _values(d) for d in Dossier.objects.filter(creditor=creditor)
        },
        "claims": {
            c.invoice_number: (dossier_of[c.dossier_id], _values(c))
            for c in Claim.objects.filter(creditor=creditor)
        },
        "debtor_history": history(Debtor, lambda h: h.name),
        "contact_history": history(DebtorContact, lambda h: (debtor_name[h.debtor_id], h.email)),
        "dossier_history": history(Dossier, lambda h: debtor_name[h.debtor_id]),
        "claim_history": history(Claim, lambda h: h.invoice_number),
        "reminders": sorted(
            (dossier_of[r.dossier_id], _values(r))
            for r in Reminder.objects.filter(dossier__creditor=creditor)
        ),
    }


def _opened_names(received: list) -> list:
    names = dict(Dossier.objects.values_list("pk", "debtor__name"))
    return sorted(names[pk] for pk in received)


def _run(creditor, content: str, *, admin_user, set_based: bool, kept: bool = True) -> dict:
    """Check the file, write it one way, plan the next day's reminders; the snapshot, then
    everything rolled back (the other way starts from the same state). ``kept``: the import
    takes the rows its preview read (``CheckedRows``); otherwise it reads the file again (a
    batch checked before they were kept)."""
    opened: list = []

    def listen(sender, dossier_ids, **kwargs):
        opened.extend(dossier_ids)

    scheduling.dossiers_opened.connect(listen, dispatch_uid="test-opened")
    try:
        with transaction.atomic():
            batch = check("claims", creditor, content, user=admin_user, name="export.csv")
            assert batch.status == ImportBatch.Status.READY, batch.errors
            imports_services.batch_confirm(batch=batch, actor=admin_user)
            reason = f"import du fichier « export.csv » (n° {batch.pk})"
            if set_based:
                assert CheckedRows.objects.filter(batch_id=batch.pk).exists()
                if not kept:
                    CheckedRows.objects.filter(batch_id=batch.pk).delete()
                batch = imports_services.batch_import(batch_id=batch.pk, actor=admin_user)
                assert batch.status == ImportBatch.Status.DONE, batch.errors
                assert not CheckedRows.objects.filter(batch_id=batch.pk).exists()  # used, gone
            else:
                rows, errors = imports_services._check_rows(batch, user=admin_user)
                assert not errors
                _row_by_row(batch, rows, actor=admin_user, reason=reason)
            run_cadence(on=TODAY + datetime.timedelta(days=1))
            snapshot = _snapshot(creditor)
            snapshot["opened"] = _opened_names(opened)
            transaction.set_rollback(True)
    finally:
        scheduling.dossiers_opened.disconnect(dispatch_uid="test-opened")
    return snapshot


@pytest.mark.parametrize("kept", [True, False], ids=["rows-kept-from-preview", "file-read-again"])
def test_the_set_based_import_writes_what_the_row_by_row_import_wrote(state, admin_user, kept):
    creditor, content = state
    set_based = _run(creditor, content, admin_user=admin_user, set_based=True, kept=kept)
    row_by_row = _run(creditor, content, admin_user=admin_user, set_based=False)
    # What is compared is there: 4 new dossiers announced, 9 invoices, their history.
    assert set_based["opened"] == [
        "Boulangerie Lune SARL",
        "Epicerie Martin",
        "Garage Soleil",
        "Lucie Fontaine",
    ]
    assert len(set_based["claims"]) == 9 and len(set_based["debtors"]) == 5
    assert set_based["claims"]["FA-105"][0] == "Lucie Fontaine"  # found again by name
    assert len(set_based["claim_history"]["FA-001"]) == 2  # created, then completed
    for part in row_by_row:
        assert set_based[part] == row_by_row[part], part
