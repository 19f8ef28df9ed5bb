"""Every text field a person may type into about a debtor is either purged (PERSONAL_FIELDS) or
kept with a reason (KEPT): a new field cannot escape the purge unnoticed (issue #19)."""

from django.apps import apps
from django.db import models

from journal.personal_data import KEPT, PERSONAL_FIELDS
from rgpd.purge import debtor_lookup

TEXT = (models.CharField, models.TextField, models.JSONField, models.FileField)


def _text_fields(model) -> set[str]:
    return {
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, TEXT) and not f.choices and not f.primary_key
    }


def test_every_text_field_reaching_a_debtor_is_purged_or_kept_with_a_reason():
    unlisted = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model.__name__.startswith("Historical") or debtor_lookup(model) is None:
            continue
        listed = set(PERSONAL_FIELDS.get(label, ())) | set(KEPT.get(label, {}))
        missing = _text_fields(model) - listed
        if missing:
            unlisted[label] = sorted(missing)
    assert unlisted == {}


def test_the_lists_name_real_fields_and_give_reasons():
    for label, fields in KEPT.items():
        model = apps.get_model(label)
        for name, reason in fields.items():
            model._meta.get_field(name)
            assert reason.strip(), (label, name)
            assert name not in PERSONAL_FIELDS.get(label, ()), (label, name)
