"""Admins edit templates in the admin: a forbidden phrase is refused with its reason, a used
template gets a new version instead of being changed."""

import pytest
from django.urls import reverse

from courriers.models import MessageTemplate, SentMessage
from tests.courriers.letters_helpers import STEP_DAYS, make_claim, walk_to


def _form(template, **changes):
    data = {
        "code": template.code,
        "channel": template.channel,
        "debtor_kind": template.debtor_kind,
        "kind": template.kind,
        "label": template.label,
        "subject": template.subject,
        "body": template.body,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_admin_refuses_a_forbidden_phrase_with_the_reason(client, admin_user):
    template = MessageTemplate.objects.get(code="relance-amiable-conso", is_current=True)
    client.force_login(admin_user)
    url = reverse("admin:courriers_messagetemplate_change", args=[template.pk])
    response = client.post(url, _form(template, body="Des frais de recouvrement s'ajoutent."))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Formulation interdite" in page and "CPCE L111-8" in page
    template.refresh_from_db()
    assert "frais de recouvrement" not in template.body


@pytest.mark.django_db
def test_the_admin_saves_a_used_template_as_a_new_version(frozen, walk, client, admin_user):
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    used = SentMessage.objects.get(dossier=claim.dossier).template
    client.force_login(admin_user)
    url = reverse("admin:courriers_messagetemplate_change", args=[used.pk])
    response = client.post(url, _form(used, body=used.body + "\n\nCordialement."))
    assert response.status_code == 302
    versions = MessageTemplate.objects.filter(code=used.code, channel=used.channel)
    assert list(versions.order_by("version").values_list("version", "is_current")) == [
        (1, False),
        (2, True),
    ]
    used.refresh_from_db()
    assert not used.body.endswith("Cordialement.")
    # The old version can no longer be changed.
    assert client.post(url, _form(used, body="x")).status_code == 403
