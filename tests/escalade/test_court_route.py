"""The court route after Go (docs/legal.md §8): each route opens its deadlines as tasks with
their article, the dossier page shows its progress, the request's data is exported ready to
file. The dossier is in litigation (closed to amicable actions); its court tasks still move."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from dossiers import services as dossier_services
from dossiers.models import Dossier, Task
from escalade import court
from escalade import services as journal_services
from escalade.models import CourtProceeding
from escalade.routes import Route

pytestmark = pytest.mark.django_db
D = datetime.date
Stage = CourtProceeding.Stage


def _at(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def _open_tasks(dossier):
    return list(
        Task.objects.filter(
            dossier=dossier, kind=Task.Kind.COURT_DEADLINE, status=Task.Status.OPEN
        ).values_list("due_on", "note")
    )


def _in_litigation(dossier, route, manager, on):
    with _at(on):
        dossier_services.dossier_decide(
            dossier=dossier, decision="litigation", actor=manager, reason="Go"
        )
        return court.proceeding_open(
            dossier=Dossier.objects.get(pk=dossier.pk), route=route, actor=manager, on=on
        )


def test_small_claims_open_the_invitation_then_the_debtors_month(
    client, manager, to_go_no_go, complete
):
    """CPCE L125-1, R125-1 et s.: decided on 01/12/2026, invitation sent the same day → the
    debtor answers by 01/01/2027, a public holiday → Monday 04/01/2027 (CPC 642)."""
    dossier = complete(to_go_no_go())
    with _at(D(2026, 12, 1)):
        journal_services.decision_record(
            dossier=dossier,
            route=Route.SMALL_CLAIMS,
            reasoning="Créance non contestée de 1 200 €.",
            actor=manager,
            on=D(2026, 12, 1),
        )
    proceeding = CourtProceeding.objects.get(dossier=dossier)
    assert (proceeding.route, proceeding.stage) == (Route.SMALL_CLAIMS, Stage.TO_INVITE)
    ((due, note),) = _open_tasks(dossier)
    assert due == D(2026, 12, 8) and "CPCE L125-1" in note  # house rule: 7 days

    with _at(D(2026, 12, 1)):
        court.court_event_record(
            proceeding=proceeding, event="invited", on=D(2026, 12, 1), actor=manager
        )
    ((due, note),) = _open_tasks(dossier)
    assert due == D(2027, 1, 4)
    assert "au plus tard le 04/01/2027 (CPCE L125-1, R125-1 et s.)" in note

    with _at(D(2026, 12, 20)), pytest.raises(ValidationError, match="ne peut pas suivre"):
        court.court_event_record(
            proceeding=proceeding, event="served", on=D(2026, 12, 20), actor=manager
        )
    with _at(D(2026, 12, 20)):
        court.court_event_record(
            proceeding=proceeding, event="agreed", on=D(2026, 12, 18), actor=manager
        )
    proceeding.refresh_from_db()
    assert proceeding.stage == Stage.TITLE and proceeding.answered_on == D(2026, 12, 18)
    assert _open_tasks(dossier) == []
    assert Dossier.objects.get(pk=dossier.pk).state == "litigation"


def test_injunction_service_opposition_and_enforcement_deadlines(manager, to_go_no_go):
    """Order of 10/12/2026 (after 01/09/2026): served by 10/03/2027 (CPC 1411, décret
    n° 2026-96); served 15/01/2027: opposition until Monday 15/02/2027 (CPC 1416), executory
    formula asked by Monday 15/03/2027 (CPC 1422-1423)."""
    dossier = to_go_no_go()
    proceeding = _in_litigation(dossier, Route.INJUNCTION_COMMERCE, manager, D(2026, 12, 1))
    ((due, note),) = _open_tasks(dossier)
    assert "Cerfa 12946" in note and "CPC 1405" in note
    with _at(D(2026, 12, 10)):
        court.court_event_record(
            proceeding=proceeding, event="ordered", on=D(2026, 12, 10), actor=manager
        )
    ((due, note),) = _open_tasks(dossier)
    assert due == D(2027, 3, 10) and "(CPC 1411 ; décret n° 2026-96)" in note

    with _at(D(2027, 1, 15)):
        court.court_event_record(
            proceeding=proceeding, event="served", on=D(2027, 1, 15), actor=manager
        )
    assert [due for due, _ in _open_tasks(dossier)] == [D(2027, 2, 15), D(2027, 3, 15)]
    notes = " ".join(note for _, note in _open_tasks(dossier))
    assert "(CPC 1416)" in notes and "(CPC 1422-1423)" in notes

    with _at(D(2027, 2, 10)), pytest.raises(ValidationError, match="délai d'opposition"):
        court.court_event_record(
            proceeding=proceeding, event="enforceable", on=D(2027, 2, 10), actor=manager
        )
    with _at(D(2027, 2, 20)):
        court.court_event_record(
            proceeding=proceeding, event="enforceable", on=D(2027, 2, 20), actor=manager
        )
    proceeding.refresh_from_db()
    assert proceeding.stage == Stage.ENFORCEABLE and _open_tasks(dossier) == []


def test_an_order_served_too_late_is_refused_as_void(manager, to_go_no_go):
    """CPC 1411: an order of 31/08/2026 served after 01/03/2027 (six months, rolled) is void."""
    dossier = to_go_no_go()
    proceeding = _in_litigation(dossier, Route.INJUNCTION_COMMERCE, manager, D(2026, 12, 1))
    CourtProceeding.objects.filter(pk=proceeding.pk).update(
        stage=Stage.ORDERED, order_on=D(2026, 8, 31), started_on=D(2026, 8, 1)
    )
    proceeding.refresh_from_db()
    with _at(D(2027, 3, 2)), pytest.raises(ValidationError, match="non avenue"):
        court.court_event_record(
            proceeding=proceeding, event="served", on=D(2027, 3, 2), actor=manager
        )


def test_the_dossier_page_shows_the_route_and_the_request_is_exported(
    client, manager, to_go_no_go, complete
):
    dossier = complete(to_go_no_go())
    proceeding = _in_litigation(dossier, Route.INJUNCTION_COMMERCE, manager, D(2026, 12, 1))
    client.force_login(manager)
    page = client.get(reverse("journee:dossier", args=[dossier.pk])).content.decode()
    assert "Procédure judiciaire" in page and "Requête à déposer" in page
    response = client.post(
        reverse("escalade:court", args=[dossier.pk]),
        {"event": "ordered", "on": "2026-12-01", "note": "TC Bordeaux"},
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.stage == Stage.ORDERED
    refused = client.post(
        reverse("escalade:court", args=[dossier.pk]), {"event": "served", "on": "2099-01-01"}
    )
    assert refused.status_code == 400
    assert "La date ne peut pas être dans le futur." in refused.content.decode()

    csv = client.get(reverse("escalade:court_file", args=[dossier.pk])).content.decode()
    assert csv.startswith("\ufeffRubrique;Champ;Valeur")
    assert "Cerfa;12946 (tribunal de commerce)" in csv
    assert dossier.debtor.name in csv and dossier.creditor.siren in csv
    assert "Pièces (bordereau)" in csv and "SHA-256" in csv
    small = client.get(
        reverse("escalade:court_file", args=[dossier.pk]) + "?route=small_claims"
    ).content.decode()
    assert "CPCE L125-1" in small and "5 000,00 €" in small


def test_a_service_not_made_to_the_person_keeps_the_opposition_open(manager, to_go_no_go):
    """CPC 1416 al. 2: order of 10/12/2026 served at home on 15/01/2027: the executory formula
    may be asked after the first month all the same (CPC 1422, « quelles que soient les
    modalités de la signification ») and by 15/03/2027; the opposition stays open until one
    month after the first enforcement measure — a bank seizure on Friday 05/03/2027 → an
    opposition until Monday 05/04/2027."""
    dossier = to_go_no_go()
    proceeding = _in_litigation(dossier, Route.INJUNCTION_COMMERCE, manager, D(2026, 12, 1))
    with _at(D(2026, 12, 10)):
        court.court_event_record(
            proceeding=proceeding, event="ordered", on=D(2026, 12, 10), actor=manager
        )
    with _at(D(2027, 1, 15)):
        court.court_event_record(
            proceeding=proceeding, event="served_elsewhere", on=D(2027, 1, 15), actor=manager
        )
    proceeding.refresh_from_db()
    assert proceeding.served_in_person is False and proceeding.stage == Stage.SERVED
    tasks = _open_tasks(dossier)
    assert [due for due, _ in tasks] == [D(2027, 2, 15), D(2027, 3, 15)]
    assert "CPC 1416 al. 2" in tasks[0][1] and "opposition recevable" in tasks[0][1]
    assert "quelles que soient les modalités de la signification" in tasks[1][1]

    with _at(D(2027, 2, 20)):
        court.court_event_record(
            proceeding=proceeding, event="enforceable", on=D(2027, 2, 20), actor=manager
        )
    proceeding.refresh_from_db()
    assert proceeding.stage == Stage.ENFORCEABLE and not proceeding.is_over
    assert [e.code for e in court.events_for(proceeding)] == ["personal_act", "opposed"]

    with _at(D(2027, 3, 5)):
        court.court_event_record(
            proceeding=proceeding,
            event="personal_act",
            on=D(2027, 3, 5),
            actor=manager,
            note="saisie-attribution sur le compte bancaire",
        )
    ((due, note),) = _open_tasks(dossier)
    assert due == D(2027, 4, 5) and "(CPC 1416 al. 2)" in note
    with _at(D(2027, 4, 6)), pytest.raises(ValidationError, match="hors délai"):
        court.court_event_record(
            proceeding=proceeding, event="opposed", on=D(2027, 4, 6), actor=manager
        )
    with _at(D(2027, 4, 5)):
        court.court_event_record(
            proceeding=proceeding, event="opposed", on=D(2027, 4, 5), actor=manager
        )
    proceeding.refresh_from_db()
    assert proceeding.stage == Stage.OPPOSED and _open_tasks(dossier) == []


def test_an_opposition_out_of_time_and_a_formula_asked_too_late_are_refused(manager, to_go_no_go):
    """Served to the person on 15/01/2027: an opposition of 16/02/2027 is out of time (CPC 1416
    al. 1: until Monday 15/02/2027); the formula asked on 16/03/2027, after 15/03/2027, leaves
    the order without effect (CPC 1423)."""
    dossier = to_go_no_go()
    proceeding = _in_litigation(dossier, Route.INJUNCTION_COMMERCE, manager, D(2026, 12, 1))
    with _at(D(2027, 1, 15)):
        court.court_event_record(
            proceeding=proceeding, event="ordered", on=D(2026, 12, 10), actor=manager
        )
        court.court_event_record(
            proceeding=proceeding, event="served", on=D(2027, 1, 15), actor=manager
        )
    proceeding.refresh_from_db()
    assert proceeding.served_in_person is True
    assert "personal_act" not in [e.code for e in court.events_for(proceeding)]
    with _at(D(2027, 3, 16)):
        with pytest.raises(ValidationError, match="hors délai"):
            court.court_event_record(
                proceeding=proceeding, event="opposed", on=D(2027, 2, 16), actor=manager
            )
        with pytest.raises(ValidationError, match="ne produit plus aucun effet"):
            court.court_event_record(
                proceeding=proceeding, event="enforceable", on=D(2027, 3, 16), actor=manager
            )
