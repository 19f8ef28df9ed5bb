"""``journal.journaled.journaled_save``: what a refused save tells the user, and what it leaves."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from journal.journaled import journaled_save
from relances.models import CadencePolicy


@pytest.mark.django_db
def test_a_check_constraint_refused_by_the_database_says_why_in_french_and_changes_nothing():
    """The check constraints are enforced by the database on the save (not one query each
    before it): the refusal is the constraint's French message, the row keeps its value, and
    the caller's transaction goes on."""
    policy = CadencePolicy.objects.filter(is_default=True).first()
    before = policy.formal_notice_deadline_days
    with transaction.atomic():
        policy.formal_notice_deadline_days = 3
        with pytest.raises(ValidationError) as refused:
            journaled_save(policy, actor=None, reason="essai")
        assert refused.value.messages == ["La mise en demeure laisse au moins 8 jours."]
        # The transaction is still usable after the refusal (a savepoint took it).
        assert CadencePolicy.objects.filter(pk=policy.pk).exists()
    assert CadencePolicy.objects.get(pk=policy.pk).formal_notice_deadline_days == before
    assert not CadencePolicy.history.filter(id=policy.pk, history_change_reason="essai").exists()


@pytest.mark.django_db
def test_a_unique_constraint_is_still_checked_before_the_save_with_its_message():
    policy = CadencePolicy.objects.filter(is_default=True).first()
    twin = CadencePolicy.objects.get(pk=policy.pk)
    twin.pk = None
    twin.name = "Copie"
    with pytest.raises(ValidationError, match="Il existe déjà une cadence par défaut"):
        journaled_save(twin, actor=None, reason="essai")
    assert twin.pk is None


@pytest.mark.django_db
def test_a_foreign_key_whose_row_the_caller_holds_is_not_read_again():
    """A key whose object the instance carries (read from the database) is not checked by one
    more query on every save (thousands in the demo's seed); a key set by id to a row that does
    not exist is still refused before the save, in French, on its field."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relances.models import CadenceStep

    step = CadenceStep.objects.select_related("policy").order_by("pk").first()
    step.label = "Premier rappel courtois"
    with CaptureQueriesContext(connection) as queries:
        journaled_save(step, actor=None, reason="essai")
    policy_table = CadencePolicy._meta.db_table
    assert not [q for q in queries if f'FROM "{policy_table}"' in q["sql"]]
    assert CadenceStep.objects.get(pk=step.pk).label == "Premier rappel courtois"

    orphan = CadenceStep.objects.get(pk=step.pk)
    orphan.pk, orphan.code = None, "orphelin"
    orphan.policy_id = 999_999
    with pytest.raises(ValidationError) as refused:
        journaled_save(orphan, actor=None, reason="essai")
    assert "policy" in refused.value.message_dict
    assert refused.value.message_dict["policy"] == [
        "L’instance cadence de relance avec 999999 dans id n'est pas un choix valide."
    ]
    assert orphan.pk is None
