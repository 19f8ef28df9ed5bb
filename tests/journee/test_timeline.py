"""The timeline: one merged history of the dossier's objects, on the dossier page and in CSV."""

import csv
import io

import pytest
from django.urls import reverse

from dossiers.models import Dossier
from tests.fixtures.gonogo import add_evidence

pytestmark = pytest.mark.django_db


def test_dossier_page_shows_who_what_how_result_with_evidence_links(
    client, manager, to_go_no_go, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    dossier = to_go_no_go()
    evidence = add_evidence(dossier, "invoice", actor=manager)
    client.force_login(manager)
    html = client.get(reverse("journee:dossier", args=[dossier.pk])).content.decode()
    assert "Journal probatoire" in html
    assert "Lettre recommandée avec AR" in html  # how: the formal notice's channel
    assert "Envoyée" in html  # result
    link = reverse("escalade:evidence", args=[dossier.pk, evidence.pk])
    assert link in html
    assert client.get(link).status_code == 200
    assert reverse("escalade:go_no_go", args=[dossier.pk]) in html


def test_timeline_csv_export(client, manager, to_go_no_go):
    dossier = to_go_no_go()
    client.force_login(manager)
    response = client.get(reverse("escalade:timeline_csv", args=[dossier.pk]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Qui", "Quoi", "Comment", "Résultat", "Motif", "Preuve"]
    hows = {row[3] for row in rows[1:]}
    assert {"E-mail", "Courrier simple", "Lettre recommandée avec AR"} <= hows
    assert any(row[1] == manager.username or row[1] == manager.get_full_name() for row in rows)
    assert any(row[6].endswith("/") and "/messages/" in row[6] for row in rows)


def test_other_controllers_dossier_is_not_visible(client, to_go_no_go, django_user_model):
    from tests.factories import UserFactory

    dossier = to_go_no_go()
    other = UserFactory(username="autre", role="controller")
    client.force_login(other)
    assert client.get(reverse("escalade:timeline_csv", args=[dossier.pk])).status_code == 404


def test_a_payment_plan_and_its_installments_appear(client, controller):
    import datetime
    from decimal import Decimal

    from dossiers import services as dossier_services
    from tests.factories import ClaimFactory

    dossier = ClaimFactory(actor=controller, amount=Decimal("900.00")).dossier
    Dossier.objects.filter(pk=dossier.pk).update(assigned_to=controller)
    today = datetime.date.today()
    dossier_services.plan_accept(
        dossier=dossier,
        installments=[
            (today + datetime.timedelta(days=10), Decimal("450.00")),
            (today + datetime.timedelta(days=40), Decimal("450.00")),
        ],
        actor=controller,
        reason="échéancier accepté au téléphone",
    )
    client.force_login(controller)
    html = client.get(reverse("journee:dossier", args=[dossier.pk])).content.decode()
    assert html.count("Échéance de 450,00 €") == 2
    assert "échéancier accepté au téléphone" in html


def test_the_chain_is_read_only_in_the_admin(client, admin_user, to_go_no_go):
    from journal import chain

    dossier = to_go_no_go()
    chain.seal(dossier)
    client.force_login(admin_user)
    listing = client.get(reverse("admin:journal_chainlink_changelist"))
    assert listing.status_code == 200
    assert chain.chain_of(dossier.pk) in listing.content.decode()
    assert client.get(reverse("admin:journal_chainlink_add")).status_code == 403


def test_csv_cells_never_run_as_formulas(client, manager, to_go_no_go):
    import datetime

    from dossiers import services as dossier_services

    dossier = to_go_no_go()
    dossier_services.task_create(
        dossier=dossier,
        kind="call",
        due_on=datetime.date(2026, 12, 1),
        actor=manager,
        note="rappeler",
        reason='=HYPERLINK("http://example.com")',
    )
    client.force_login(manager)
    text = client.get(reverse("escalade:timeline_csv", args=[dossier.pk])).content.decode()
    assert "'=HYPERLINK" in text
    assert ";=HYPERLINK" not in text and ';"=HYPERLINK' not in text
