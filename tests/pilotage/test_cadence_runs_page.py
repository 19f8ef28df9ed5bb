"""« Exécutions de la cadence » (issue #18, item 7): each run with its numbers, each number
opening its reminders or dossiers, a dry run of tomorrow, managers only, a few queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Creditor
from relances import services
from relances.models import CadenceRun, Reminder
from tests.factories import ClaimFactory, DebtorFactory, UserFactory

pytestmark = pytest.mark.django_db
D = datetime.date
R7_DAY = D(2026, 10, 8)
URL = reverse("pilotage:cadence_runs")


def _dossier(due, name):
    return ClaimFactory(
        debtor=DebtorFactory(name=name), issue_date=due - datetime.timedelta(days=30), due_date=due
    ).dossier


@pytest.fixture
def day(frozen):
    """Two dossiers due for R+7 on 08/10, one imported late (R+45 fires, four steps skipped),
    one on hold; and a manager in charge of their creditors."""
    with frozen(D(2026, 9, 1)):
        on_time = [_dossier(D(2026, 10, 1), "Alpha SARL"), _dossier(D(2026, 10, 1), "Bravo SAS")]
        late = _dossier(D(2026, 8, 3), "Charlie SA")
        held = _dossier(D(2026, 10, 1), "Delta EURL")
    with frozen(D(2026, 10, 5)):
        services.hold_set(dossier=held, until=D(2026, 10, 20), reason="appel", actor=None)
    manager = UserFactory(username="responsable", role="manager")
    for creditor in Creditor.objects.all():
        creditor.managers.add(manager)
    return on_time, late, held, manager


def test_the_manager_sees_each_run_and_its_numbers_open_its_reminders(client, day, frozen):
    _on_time, _late, held, manager = day
    with frozen(R7_DAY):
        services.run_cadence(on=R7_DAY, trigger=CadenceRun.Trigger.BEAT)
        services.run_cadence(on=R7_DAY, actor=manager)  # nothing left to do: hidden
    run = CadenceRun.objects.order_by("pk").first()
    client.force_login(manager)

    page = client.get(URL).content.decode()
    assert "Exécutions de la cadence" in page
    day_cell = re.compile(r">08/10/2026</a></td>")
    assert len(day_cell.findall(page)) == 1  # the empty second run is hidden
    assert "Planificateur (beat)" in page
    detail = reverse("pilotage:cadence_run", args=[run.pk])
    assert re.search(rf'href="{detail}\?niveau=reminder_1"[^>]*>2</a>', page)
    assert re.search(rf'href="{detail}\?niveau=formal_notice"[^>]*>1</a>', page)
    assert f'href="{detail}?rattrapage=1">4</a>' in page
    assert f'href="{detail}#attente">1</a>' in page
    every = client.get(URL, {"toutes": "1"}).content.decode()
    assert len(day_cell.findall(every)) == 2
    assert (manager.get_full_name() or manager.username) in every

    level_1 = client.get(detail, {"niveau": "reminder_1"}).content.decode()
    # (references repeat across creditors: the debtors' names tell the dossiers apart)
    assert "Alpha SARL" in level_1 and "Bravo SAS" in level_1
    assert "Charlie SA" not in level_1
    skipped = client.get(detail, {"rattrapage": "1"}).content.decode()
    assert skipped.count("Étape dépassée, non émise") == 4 and "Charlie SA" in skipped
    assert "Alpha SARL" not in skipped
    holds = client.get(detail).content.decode()
    assert f'href="{reverse("journee:dossier", args=[held.pk])}"' in holds


def test_a_dry_run_of_tomorrow_from_the_page_writes_nothing(client, day, frozen):
    _on_time, _late, _held, manager = day
    client.force_login(manager)
    with frozen(R7_DAY - datetime.timedelta(days=1)):
        page = client.get(URL).content.decode()
        assert 'value="2026-10-08"' in page  # tomorrow, by default
        response = client.post(URL, {"jour": "2026-10-08"})
        assert client.post(URL, {"jour": "2026-10-06"}).status_code == 400  # in the past
    page = response.content.decode()
    assert response.status_code == 200
    assert "Simulation de la cadence du 08/10/2026" in page
    assert "Dossiers examinés : <strong>3</strong>" in page
    assert "Relance 1 : 2" in page and "Mise en demeure : 1" in page
    assert "étapes sautées par rattrapage : 4" in page
    for name in ("Alpha SARL", "Bravo SAS", "Charlie SA"):
        assert name in page
    assert "Delta EURL" not in page  # on hold
    assert not Reminder.objects.exists() and not CadenceRun.objects.exists()


def test_controllers_are_refused(client, day, frozen):
    with frozen(R7_DAY):
        services.run_cadence(on=R7_DAY)
    client.force_login(UserFactory(username="controleur", role="controller"))
    run = CadenceRun.objects.get()
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"jour": "2026-10-09"}).status_code == 403
    assert client.get(reverse("pilotage:cadence_run", args=[run.pk])).status_code == 403


def test_the_pages_read_runs_in_a_few_queries(client, day, django_assert_max_num_queries):
    *_, manager = day
    now = timezone.now()
    CadenceRun.objects.bulk_create(
        CadenceRun(
            on=D(2026, 1, 1) + datetime.timedelta(days=i),
            started_at=now,
            finished_at=now,
            trigger=CadenceRun.Trigger.USER,
            started_by=manager,
            status=CadenceRun.Status.DONE,
            examined=10 + i,
            reminders=i,
            fired={"reminder_1": i},
            details={"hold": [1, 2]},
            holds=2,
        )
        for i in range(80)
    )
    client.force_login(manager)
    # session, user, 2FA device, roles, the runs (one query), the session's save (3)
    with django_assert_max_num_queries(8):
        page = client.get(URL).content.decode()
    assert page.count("<tr>") == 51  # the head and 50 runs
    assert "Exécutions plus anciennes" in page
    run = CadenceRun.objects.order_by("pk").last()
    with django_assert_max_num_queries(10):
        assert client.get(reverse("pilotage:cadence_run", args=[run.pk])).status_code == 200


def test_a_spread_run_shows_its_shards_and_their_sum(
    client, day, frozen, django_capture_on_commit_callbacks
):
    *_, manager = day
    with frozen(R7_DAY), django_capture_on_commit_callbacks(execute=True):
        run = services.run_cadence_spread(on=R7_DAY, shard_size=2)
    client.force_login(manager)
    page = client.get(reverse("pilotage:cadence_run", args=[run.pk])).content.decode()
    assert "Lots répartis entre les workers (2)" in page
    assert page.count("Terminé</td>") == 2
    assert "3 dossier(s) examiné(s), 3 étape(s) déclenchée(s), 4 étape(s) sautée(s)" in page
    assert "Alpha SARL" in page and "Charlie SA" in page
