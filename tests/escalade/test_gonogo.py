"""The Go/No-Go page: exactly the missing pieces, a decision only with a reasoning, the route
suggested by amount, debtor kind and dispute state."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dossiers.models import Dossier
from escalade.models import EscalationDecision
from escalade.routes import Route, suggest_route
from legal.formatting import euros
from tests.fixtures.gonogo import add_evidence

pytestmark = pytest.mark.django_db


def _missing_codes(response) -> set[str]:
    html = response.content.decode()
    return {part.split('"', 1)[0] for part in html.split('class="check-missing" data-code="')[1:]}


def test_incomplete_dossier_lists_exactly_its_missing_pieces(client, manager, to_go_no_go):
    dossier = to_go_no_go()
    add_evidence(dossier, "invoice", actor=manager)
    client.force_login(manager)
    response = client.get(reverse("escalade:go_no_go", args=[dossier.pk]))
    assert response.status_code == 200
    # Reminders and the formal notice went out by the cadence; the invoice was deposited.
    assert _missing_codes(response) == {"contract", "delivery", "receipt", "plan", "solvency"}
    assert "Procédure simplifiée de recouvrement des petites créances" in response.content.decode()


def test_complete_dossier_has_nothing_missing(client, manager, to_go_no_go, complete):
    dossier = complete(to_go_no_go())
    client.force_login(manager)
    response = client.get(reverse("escalade:go_no_go", args=[dossier.pk]))
    assert _missing_codes(response) == set()
    assert "Dossier complet pour cette voie." in response.content.decode()


def test_decision_needs_a_reasoning(client, manager, to_go_no_go, complete):
    dossier = complete(to_go_no_go())
    client.force_login(manager)
    url = reverse("escalade:go_no_go", args=[dossier.pk])
    response = client.post(url, {"route": Route.SMALL_CLAIMS, "reasoning": "   "})
    assert response.status_code == 400
    assert "La motivation de la décision est obligatoire." in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).state == "go_no_go"
    assert not EscalationDecision.objects.exists()

    response = client.post(
        url, {"route": Route.SMALL_CLAIMS, "reasoning": "Créance non contestée, dossier complet."}
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "litigation"
    decision = EscalationDecision.objects.get()
    assert (decision.route, decision.decided_by) == (Route.SMALL_CLAIMS, manager)
    assert decision.suggested_route == Route.SMALL_CLAIMS
    row = decision.history.get()
    assert row.history_user == manager and "décision Go/No-Go" in row.history_change_reason
    # The state change is journaled with the manager and the reasoning (the GDPR purge date
    # set on closure follows it in its own row).
    moved = dossier.history.filter(state="litigation").order_by("history_id").first()
    assert moved.history_user == manager and "Créance non contestée" in moved.history_change_reason


def test_court_route_refused_while_pieces_are_missing(client, manager, to_go_no_go):
    dossier = to_go_no_go()
    client.force_login(manager)
    url = reverse("escalade:go_no_go", args=[dossier.pk])
    response = client.post(url, {"route": Route.INJUNCTION_COMMERCE, "reasoning": "Allons-y."})
    assert response.status_code == 400
    assert "Pièces manquantes pour cette voie" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).state == "go_no_go"
    # Writing off needs no complete file, only a reasoning.
    response = client.post(url, {"route": Route.WRITE_OFF, "reasoning": "Coût disproportionné."})
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == "written_off"


def test_controller_sees_the_checklist_but_cannot_decide(client, controller, to_go_no_go):
    dossier = to_go_no_go()
    Dossier.objects.filter(pk=dossier.pk).update(assigned_to=controller)
    client.force_login(controller)
    url = reverse("escalade:go_no_go", args=[dossier.pk])
    assert "La décision revient au responsable" in client.get(url).content.decode()
    response = client.post(url, {"route": Route.WRITE_OFF, "reasoning": "x"})
    assert response.status_code == 403
    assert client.get(reverse("escalade:decisions")).status_code == 403


def test_decisions_list_shows_ready_dossiers(
    client, manager, to_go_no_go, complete, django_assert_max_num_queries
):
    incomplete = to_go_no_go()
    full = complete(to_go_no_go())
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("escalade:decisions"))
    html = response.content.decode()
    assert incomplete.reference in html and full.reference in html
    assert html.count(euros(Decimal("1200.00"))) == 2  # each one's balance
    assert html.count('<span class="ok">Complet</span>') == 1


@pytest.mark.parametrize(
    ("balance", "kind", "disputed", "route"),
    [
        ("100.00", "professional", False, Route.WRITE_OFF),
        ("1200.00", "professional", False, Route.SMALL_CLAIMS),
        ("5000.00", "consumer", False, Route.SMALL_CLAIMS),
        ("5000.01", "professional", False, Route.INJUNCTION_COMMERCE),
        ("8000.00", "consumer", False, Route.INJUNCTION_JUDICIAIRE),
        ("8000.00", "professional", True, Route.ASSIGNATION),
    ],
)
def test_suggested_route(balance, kind, disputed, route):
    suggestion = suggest_route(balance=Decimal(balance), debtor_kind=kind, disputed=disputed)
    assert suggestion.route == route
    assert suggestion.why


def test_another_managers_dossier_is_neither_listed_nor_opened(client, manager, to_go_no_go):
    mine = to_go_no_go()
    theirs = to_go_no_go()
    theirs.creditor.managers.remove(manager)  # another manager's creditor
    client.force_login(manager)
    html = client.get(reverse("escalade:decisions")).content.decode()
    assert reverse("escalade:go_no_go", args=[mine.pk]) in html
    assert reverse("escalade:go_no_go", args=[theirs.pk]) not in html
    assert client.get(reverse("escalade:go_no_go", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("escalade:go_no_go", args=[theirs.pk]),
        {"route": Route.WRITE_OFF, "reasoning": "Pas le mien."},
    )
    assert response.status_code == 404
    assert Dossier.objects.get(pk=theirs.pk).state == "go_no_go"


def test_a_closed_dossier_takes_no_more_analysis(client, manager, to_go_no_go):
    from escalade.models import SolvencyAnalysis

    dossier = to_go_no_go()
    client.force_login(manager)
    url = reverse("escalade:go_no_go", args=[dossier.pk])
    client.post(url, {"route": Route.WRITE_OFF, "reasoning": "Coût disproportionné."})
    assert Dossier.objects.get(pk=dossier.pk).is_closed
    response = client.post(
        reverse("escalade:solvency", args=[dossier.pk]),
        {"analysed_on": "2026-11-30", "sources": ["bodacc"], "conclusion": "solvent"},
    )
    assert response.status_code == 403
    assert not SolvencyAnalysis.objects.filter(dossier=dossier).exists()
    assert client.get(url).status_code == 200  # still read by the manager
