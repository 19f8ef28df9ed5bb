"""The admin goes through the services: a controller cannot set a collective procedure or a GDPR
restriction on a debtor from the admin (each has its service and its page), nor delete a
contact; the fields are shown read-only with the way to change them."""

import pytest
from django.urls import reverse

from dossiers.models import DebtorContact
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def _post_data(response) -> dict:
    """The change form as the browser would send it back (inline formsets included)."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value not in (None, False):
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if hasattr(value, "pk"):
                    value = value.pk
                if value not in (None, False):
                    data[form.add_prefix(name)] = value
    return data


def test_a_controller_cannot_set_insolvency_or_restriction_nor_delete_a_contact(client, controller):
    claim = ClaimFactory()
    dossier = claim.dossier
    from dossiers.services import work

    work.dossier_assign(dossier=dossier, assignee=controller, actor=None, reason="affectation")
    debtor = dossier.debtor
    contacts = DebtorContact.objects.filter(debtor=debtor).count()
    assert contacts
    client.force_login(controller)
    url = reverse("admin:dossiers_debtor_change", args=[debtor.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert not {"insolvency_status", "insolvency_opened_on", "processing_restricted"} & set(
        form.fields
    )
    html = page.content.decode()
    assert "Jugements BODACC" in html and "fiche RGPD du débiteur" in html
    assert "-DELETE" not in html  # no delete box on the contacts
    data = _post_data(page)
    data.update(
        {
            "processing_restricted": "on",
            "insolvency_status": "liquidation",
            "insolvency_opened_on": "01/11/2026",
            "contacts-0-DELETE": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    debtor.refresh_from_db()
    assert not debtor.processing_restricted
    assert debtor.insolvency_status == ""
    assert DebtorContact.objects.filter(debtor=debtor).count() == contacts


def test_assigning_a_dossier_in_the_admin_goes_through_the_service(client, admin_user, controller):
    from dossiers import services
    from dossiers.models import Dossier

    dossier = ClaimFactory().dossier
    task = services.task_create(dossier=dossier, kind="call", due_on=dossier.opened_on, actor=None)
    client.force_login(admin_user)
    url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    data = _post_data(client.get(url))
    data["assigned_to"] = controller.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Dossier.objects.get(pk=dossier.pk).assigned_to == controller
    task.refresh_from_db()
    assert task.assigned_to == controller  # the service hands the open tasks over too
    latest = Dossier.history.filter(id=dossier.pk).order_by("-history_id").first()
    assert latest.history_user == admin_user
    assert "réattribution" in latest.history_change_reason
