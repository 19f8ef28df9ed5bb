"""A claim's legal figures through the API (``?on=``) and the admin, and the prescription
warnings, on worked examples computed by hand."""

import datetime
from datetime import date as D
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from dossiers import selectors, services
from dossiers.models import Claim
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(admin_user):
    """An administrator: the factories' dossiers are unassigned, and scoping (dossiers.scoping)
    hides those from controllers; the figures are the same for every reader."""
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def claim_due(due: D, *, amount="1000.00", **kwargs) -> Claim:
    return ClaimFactory(
        issue_date=due - datetime.timedelta(days=30), due_date=due, amount=Decimal(amount), **kwargs
    )


def test_claim_figures_at_a_date(api):
    """C. com. L441-10 II, D441-5; C. com. L110-4 (5 years)."""
    claim = claim_due(D(2026, 1, 31))
    body = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-03").json()
    # 1 000 × 12,15 % × 31/365 = 10,32; + 40 indemnity; total 1 050,32
    assert body["figures_on"] == "2026-03-03"
    assert body["days_overdue"] == 31
    assert body["late_penalties"] == "10.32"
    assert body["recovery_indemnity"] == "40.00"
    assert body["legal_interest"] == "0.00"
    assert body["total_due"] == "1050.32"
    assert body["prescription_date"] == "2031-01-31"
    assert "L110-4" in body["prescription_reason"]
    assert body["late_penalties_detail"] == [
        {
            "du": "2026-02-01",
            "au": "2026-03-03",
            "jours": 31,
            "assiette": "1000.00",
            "taux": "12.15",
            "montant": "10.32",
        }
    ]


def test_bad_date_is_a_french_400(api):
    claim = claim_due(D(2026, 1, 31))
    response = api.get(f"/api/v1/claims/{claim.pk}/?on=03/03/2026")
    assert response.status_code == 400
    assert response.json() == {
        "on": ["Date « 03/03/2026 » invalide : utilisez le format AAAA-MM-JJ (2026-11-23)."]
    }
    assert api.get("/api/v1/claims/?on=2026-02-30").status_code == 400


def test_partial_payment_through_the_api_lowers_penalties_and_restarts_prescription(api):
    """C. com. L441-10 II (base reduced from the payment); C. civ. 2240 (acknowledgment)."""
    claim = claim_due(D(2026, 1, 31))
    paid = api.post(
        "/api/v1/payments/",
        {"dossier": claim.dossier.pk, "amount": "400.00", "received_on": "2026-02-15"},
        format="json",
    )
    assert paid.status_code == 201
    body = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-31").json()
    # 15 days on 1 000 (4,9932) + 44 days on 600 (8,7879) = 13,7811 → 13,78
    # total 600 + 13,78 + 40 = 653,78; prescription 15/02/2026 + 5 years = 15/02/2031
    assert body["late_penalties"] == "13.78"
    assert body["total_due"] == "653.78"
    assert body["prescription_date"] == "2031-02-15"
    assert body["prescription_reason"].startswith("Paiement de 400,00")
    assert [entry["prescription"] for entry in body["prescription_trail"]] == [
        "2031-01-31",
        "2031-02-15",
    ]


def test_consumer_claim_with_a_formal_notice_date(api):
    """C. civ. 1231-6 (legal interest from the notice); C. conso. L218-2 (2 years)."""
    claim = claim_due(D(2026, 1, 31), debtor=ConsumerFactory())
    body = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-12&formal_notice_on=2026-02-10").json()
    # 30 days × 2,62 %: 1 000 × 2,62 % × 30/365 = 2,15; total 1 002,15
    assert body["late_penalties"] == "0.00"
    assert body["recovery_indemnity"] == "0.00"
    assert body["legal_interest"] == "2.15"
    assert body["total_due"] == "1002.15"
    assert body["prescription_date"] == "2028-01-31"
    without_notice = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-12").json()
    assert without_notice["legal_interest"] == "0.00"
    assert without_notice["total_due"] == "1000.00"


def test_a_formal_notice_before_the_due_date_is_flagged_through_the_api(api):
    """C. civ. 1344, 1231-6: a notice dated 20/01/2026 for an invoice due 31/01/2026 starts no
    legal interest: ``formal_notice_premature`` is true, the interest 0,00, a note says why."""
    claim = claim_due(D(2026, 1, 31), debtor=ConsumerFactory())
    body = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-12&formal_notice_on=2026-01-20").json()
    assert body["formal_notice_on"] == "2026-01-20"
    assert body["formal_notice_premature"] is True
    assert body["legal_interest"] == "0.00"
    assert body["total_due"] == "1000.00"
    assert any("antérieure à l'échéance" in note for note in body["figures_notes"])
    later = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-12&formal_notice_on=2026-02-10")
    assert later.json()["formal_notice_premature"] is False


def test_contractual_rate_below_the_floor_through_the_api(api):
    """C. com. L441-10 II: CGV 5 % raised to 3 × 2,62 % = 7,86 %."""
    claim = claim_due(
        D(2026, 1, 31), creditor=CreditorFactory(contractual_penalty_rate=Decimal("5.00"))
    )
    body = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-03").json()
    # 1 000 × 7,86 % × 31/365 = 6,6756 → 6,68
    assert body["late_penalties"] == "6.68"
    assert body["late_penalties_detail"][0]["taux"] == "7.86"


def test_insolvency_stops_penalties_through_the_api(api):
    """C. com. L622-28: judgment of 01/03/2026, penalties to 28/02."""
    claim = claim_due(D(2026, 1, 31), amount="10000.00")
    services.insolvency_open(
        debtor=claim.dossier.debtor, kind="receivership", opened_on=D(2026, 3, 1), actor=None
    )
    body = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-04-30").json()
    # 28 days: 10 000 × 12,15 % × 28/365 = 93,21; total 10 000 + 93,21 + 40 = 10 133,21
    assert body["late_penalties"] == "93.21"
    assert body["total_due"] == "10133.21"


def test_missing_second_half_2026_rate_gives_a_lower_bound_not_a_guess(api):
    """C. com. L441-10 II: no ECB rate recorded for 01/07/2026: penalties are computed to
    30/06/2026 (1 000 × 12,15 % × 15/365 = 4,99) and flagged as a lower bound with the French
    message naming the half-year; the request itself succeeds."""
    claim = claim_due(D(2026, 6, 15))
    response = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-07-15")
    assert response.status_code == 200
    body = response.json()
    assert body["late_penalties"] == "4.99"
    assert body["total_due"] == "1044.99"
    assert body["is_lower_bound"] is True
    assert body["computed_until"] == "2026-06-30"
    assert body["recovery_indemnity"] == "40.00"
    assert body["figures_errors"] == []
    assert body["missing_rates"][0].startswith(
        "Taux BCE de refinancement manquant pour le 2e semestre 2026"
    )


def test_figures_with_known_rates_are_not_a_lower_bound(api):
    """The flag is false and ``computed_until`` null when every rate is known."""
    claim = claim_due(D(2026, 1, 31))
    body = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-03").json()
    assert (body["is_lower_bound"], body["computed_until"], body["missing_rates"]) == (
        False,
        None,
        [],
    )


def test_list_computes_figures_at_the_date_for_every_claim(api):
    creditor = CreditorFactory()
    claim_due(D(2026, 1, 31), creditor=creditor)
    claim_due(D(2026, 2, 28), creditor=creditor, amount="2000.00")
    body = api.get(f"/api/v1/claims/?creditor={creditor.pk}&on=2026-03-03").json()
    # 1 000 × 12,15 % × 31/365 = 10,32; 2 000 × 12,15 % × 3/365 = 1,9973 → 2,00
    assert [(c["late_penalties"], c["total_due"]) for c in body["results"]] == [
        ("10.32", "1050.32"),
        ("2.00", "2042.00"),
    ]


@pytest.mark.parametrize("count", [3, 30])
def test_claim_list_with_figures_uses_a_constant_number_of_queries(
    api, count, django_assert_max_num_queries
):
    creditor = CreditorFactory()
    for n in range(count):
        claim = claim_due(D(2026, 1, 31), creditor=creditor, debtor=DebtorFactory())
        services.payment_record(
            dossier=claim.dossier, amount=Decimal("100.00"), received_on=D(2026, 2, 10), actor=None
        )
        if n % 2:
            services.prescription_event_record(
                dossier=claim.dossier,
                kind="written_acknowledgment",
                occurred_on=D(2026, 3, 1),
                actor=None,
                reason="courrier du débiteur",
            )
    # the user's roles, count, claims, allocations, plans, prescription acts, legal and ECB rates
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/claims/?on=2026-04-01")
    assert response.status_code == 200
    assert len(response.json()["results"]) == count


# --- Acts recorded through the service -------------------------------------------------------


def test_written_acknowledgment_restarts_prescription_with_who_and_why(controller):
    """C. civ. 2240, 2231: consumer claim due 15/01/2025 (→ 15/01/2027), acknowledged in
    writing on 01/10/2026 → 01/10/2028."""
    claim = claim_due(D(2025, 1, 15), debtor=ConsumerFactory())
    event = services.prescription_event_record(
        dossier=claim.dossier,
        kind="written_acknowledgment",
        occurred_on=D(2026, 10, 1),
        actor=controller,
        reason="courriel du débiteur reconnaissant la dette",
    )
    figures = selectors.claim_legal_figures(
        selectors.claims_for_figures().get(pk=claim.pk), on=D(2026, 11, 23)
    )
    assert figures.prescription_date == D(2028, 10, 1)
    assert figures.prescription_reason.startswith("Reconnaissance écrite de la dette le 01/10/2026")
    history = event.history.get()
    assert (history.history_user, history.history_change_reason) == (
        controller,
        "courriel du débiteur reconnaissant la dette",
    )


def test_accepted_payment_plan_restarts_prescription():
    """C. civ. 2240: the plan accepted on 01/06/2026 acknowledges the debt; consumer claim due
    15/01/2025 → 01/06/2026 + 2 years = 01/06/2028."""
    claim = claim_due(D(2025, 1, 15), debtor=ConsumerFactory())
    services.plan_accept(
        dossier=claim.dossier,
        installments=[(D(2026, 7, 1), Decimal("1000.00"))],
        actor=None,
        on=D(2026, 6, 1),
    )
    figures = selectors.claim_legal_figures(claim, on=D(2026, 11, 23))
    assert figures.prescription_date == D(2028, 6, 1)
    assert figures.prescription_reason.startswith("Échéancier accepté le 01/06/2026")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("formal_notice", "Une mise en demeure n'interrompt pas la prescription"),
        ("reminder", "Une relance n'interrompt pas la prescription"),
        ("mediation_end", "Aucune médiation en cours"),
    ],
)
def test_reminders_formal_notices_and_orphan_mediation_ends_are_refused(kind, message):
    """C. civ. 2240-2244: a formal notice or a reminder never interrupts prescription."""
    claim = claim_due(D(2025, 1, 15))
    with pytest.raises(ValidationError) as exc:
        services.prescription_event_record(
            dossier=claim.dossier, kind=kind, occurred_on=D(2026, 3, 1), actor=None, reason="x"
        )
    assert message in str(exc.value)
    assert not claim.dossier.prescription_events.exists()


def test_an_act_needs_a_reason_and_a_past_date():
    claim = claim_due(D(2025, 1, 15))
    with pytest.raises(ValidationError, match="motif"):
        services.prescription_event_record(
            dossier=claim.dossier,
            kind="time_request",
            occurred_on=D(2026, 3, 1),
            actor=None,
            reason=" ",
        )
    with (
        time_machine.travel(datetime.datetime(2026, 11, 23, 10, tzinfo=datetime.UTC)),
        pytest.raises(ValidationError, match="futur"),
    ):
        services.prescription_event_record(
            dossier=claim.dossier,
            kind="time_request",
            occurred_on=D(2026, 12, 1),
            actor=None,
            reason="appel",
        )


# --- Prescription warnings -------------------------------------------------------------------


def test_warnings_flag_and_count_claims_near_prescription():
    """docs/legal.md §3, C. conso. L218-2 (2 years), C. civ. 2229, at 23/11/2026:
    due 28/11/2024 → 28/11/2026, 5 days left (≤ 7); due 13/12/2024 → 13/12/2026, 20 days
    (≤ 30); due 22/01/2025 → 22/01/2027, 7 + 31 + 22 = 60 days (≤ 90); due 03/03/2025 →
    03/03/2027, 100 days (not flagged); due 20/11/2024 → 20/11/2026, already prescribed."""
    creditor, debtor = CreditorFactory(), ConsumerFactory()
    for due in (D(2024, 11, 28), D(2024, 12, 13), D(2025, 1, 22), D(2025, 3, 3), D(2024, 11, 20)):
        claim_due(due, creditor=creditor, debtor=debtor)
    warnings = selectors.prescription_warnings(on=D(2026, 11, 23))
    assert [(f.claim.due_date, f.days_left, f.threshold) for f in warnings.flags] == [
        (D(2024, 11, 28), 5, 7),
        (D(2024, 12, 13), 20, 30),
        (D(2025, 1, 22), 60, 90),
    ]
    assert warnings.counts == {7: 1, 30: 2, 90: 3}
    assert [f.claim.due_date for f in warnings.prescribed] == [D(2024, 11, 20)]


def test_paid_claims_and_mediations_in_progress_are_not_flagged():
    """C. civ. 2238: a mediation in progress suspends prescription; a paid claim is not at
    risk."""
    mediated = claim_due(D(2024, 11, 28), debtor=ConsumerFactory())
    services.prescription_event_record(
        dossier=mediated.dossier,
        kind="mediation_start",
        occurred_on=D(2026, 11, 1),
        actor=None,
        reason="médiation acceptée par écrit",
    )
    paid = claim_due(D(2024, 12, 13), debtor=ConsumerFactory())
    services.payment_record(
        dossier=paid.dossier, amount=Decimal("1000.00"), received_on=D(2026, 1, 5), actor=None
    )
    warnings = selectors.prescription_warnings(on=D(2026, 11, 23))
    assert warnings.flags == [] and warnings.prescribed == []


def test_admin_shows_a_claims_figures_and_a_dossiers_warnings(client, admin_user):
    claim = claim_due(D(2024, 11, 28), debtor=ConsumerFactory())
    client.force_login(admin_user)
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, tzinfo=datetime.UTC)):
        page = client.get(f"/admin/dossiers/claim/{claim.pk}/change/").content.decode()
        assert "Montants exigibles et prescription" in page
        assert "28/11/2026" in page  # 28/11/2024 + 2 years
        listing = client.get("/admin/dossiers/claim/")
        assert listing.status_code == 200
        dossier = client.get(f"/admin/dossiers/dossier/{claim.dossier.pk}/change/")
        assert "dans 5 jours" in dossier.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_admin_claim_list_with_figures_uses_a_constant_number_of_queries(
    client, admin_user, count, django_assert_max_num_queries
):
    creditor = CreditorFactory()
    for _ in range(count):
        claim = claim_due(D(2026, 1, 31), creditor=creditor, debtor=DebtorFactory())
        services.payment_record(
            dossier=claim.dossier, amount=Decimal("100.00"), received_on=D(2026, 2, 10), actor=None
        )
    client.force_login(admin_user)
    with time_machine.travel(datetime.datetime(2026, 4, 1, 10, tzinfo=datetime.UTC)):
        client.get("/admin/dossiers/claim/")  # session, permissions, content types warmed up
        with django_assert_max_num_queries(16):
            response = client.get("/admin/dossiers/claim/")
    assert response.status_code == 200
    # at 01/04/2026: 01/02–10/02 on 1 000: 1 000 × 12,15 % × 10/365 = 3,3288
    # 11/02–01/04 = 18 + 31 + 1 = 50 days on 900: 900 × 12,15 % × 50/365 = 14,9795
    # penalties 18,3083 → 18,31; total 900 + 18,31 + 40 = 958,31
    assert response.content.decode().count("958,31") == count


def test_formal_notice_date_stored_on_the_dossier_feeds_legal_interest(api):
    """C. civ. 1231-6: the day the formal notice went out is stored on the dossier when the
    letters send it (``dossiers.services.formal_notice_sent``); legal interest runs from it."""
    from dossiers import services

    claim = claim_due(D(2026, 1, 31), debtor=ConsumerFactory())
    services.formal_notice_sent(dossier=claim.dossier, on=D(2026, 2, 10), actor=None)
    # A later notice (another cycle) keeps the first date.
    services.formal_notice_sent(dossier=claim.dossier, on=D(2026, 3, 1), actor=None)
    body = api.get(f"/api/v1/claims/{claim.pk}/?on=2026-03-12").json()
    # 1 000 × 2,62 % × 30/365 = 2,1534 → 2,15
    assert body["formal_notice_on"] == "2026-02-10"
    assert body["legal_interest"] == "2.15"
