"""The portal's figures on the dashboard (issue #23, pilotage): « Dossiers réglés par le
débiteur seul » counts the dossiers closed as paid over the period after the debtor promised,
took a plan or opened the means of payment on their page, with no call logged by a
controller (docs/kpi.md, pilotage/queries.py ``_portal_annotations``)."""

import pytest

from dossiers import services as dossier_services
from dossiers.models import Dossier
from pilotage.selectors import dashboard_data
from relances import services as cadence
from relances.models import CallLog
from tests.portail.conftest import R7, D

pytestmark = pytest.mark.django_db
START, END = D(2026, 10, 1), D(2026, 10, 31)


def _portal_rows() -> dict[str, int]:
    table = dashboard_data(start=START, end=END, today=END).tables["portal"]
    return {row[0]: row[1] for row in table.rows}


def _pay_in_full(dossier, on, actor):
    dossier_services.payment_record(
        dossier=dossier, amount=dossier.claims.first().amount, received_on=on, actor=actor
    )
    assert Dossier.objects.get(pk=dossier.pk).state == "paid"


def test_only_a_dossier_paid_after_the_debtors_own_visit_and_no_call_is_self_resolved(
    client, reminded, verified, frozen, controller
):
    # Consumers: paid in full, a dossier closes (a professional would owe its accessories).
    alone, alone_path = reminded(kind="consumer")
    called, called_path = reminded(kind="consumer")
    looked_only, looked_path = reminded(kind="consumer")
    silent, _silent_path = reminded(kind="consumer")
    for dossier, path in ((alone, alone_path), (called, called_path), (looked_only, looked_path)):
        verified(dossier, path)
    with frozen(R7):
        for path in (alone_path, called_path):
            assert client.get(f"{path}payer/").status_code == 200  # the means of payment
        assert client.get(f"{looked_path}dossier/").status_code == 200  # a look, no more
    with frozen(D(2026, 10, 12)):
        cadence.call_log(
            dossier=called, actor=controller, outcome=CallLog.Outcome.REACHED, summary="appel"
        )
    with frozen(D(2026, 10, 15)):
        for dossier in (alone, called, looked_only, silent):
            _pay_in_full(dossier, D(2026, 10, 15), controller)

    rows = _portal_rows()
    assert rows["Dossiers réglés par le débiteur seul"] == 1  # ``alone`` only
    assert rows["Dossiers où le débiteur a agi en ligne"] == 0  # seeing is not acting


def test_a_dossier_resolved_alone_counts_in_the_period_it_closed(
    client, reminded, verified, frozen, controller
):
    dossier, path = reminded(kind="consumer")
    verified(dossier, path)
    with frozen(R7):
        client.post(
            f"{path}promesse/",
            {"amount": "1200,00", "due_on": "20/10/2026", "acknowledge": "on"},
        )
    assert dossier.promises.exists()
    with frozen(D(2026, 11, 3)):
        _pay_in_full(dossier, D(2026, 11, 3), controller)
    assert _portal_rows()["Dossiers réglés par le débiteur seul"] == 0  # closed in November
    table = dashboard_data(start=D(2026, 11, 1), end=D(2026, 11, 30), today=D(2026, 11, 30))
    rows = {row[0]: row[1] for row in table.tables["portal"].rows}
    assert rows["Dossiers réglés par le débiteur seul"] == 1
