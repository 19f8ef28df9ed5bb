"""Every admin screen of every registered model, for two controllers, a manager with creditors,
a manager in charge of none, the DPO and an admin.

The models are read from ``admin.site._registry``, and each model's way to a dossier is found
from its foreign keys (to a dossier, a debtor, or one hop further), so a model registered
tomorrow is walked without editing this file. For one object of each portfolio the test opens
the list (and its raw-id popup), the change, delete, history and history-detail pages, and fails
on any 200 it did not expect: an object of a dossier is opened only by who has that dossier in
scope (``dossiers.scoping``) — an admin, the DPO (reading), the controller it is assigned to,
the manager of its creditor. A model with no way to a dossier must be named in ``UNSCOPED`` with
the roles that may open it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db.models import ForeignKey, OneToOneField
from django.test import Client
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from dossiers import scoping
from dossiers.admin import ScopedAdminMixin
from dossiers.models import Debtor, DebtorContact, Dossier, PrescriptionEvent, Promise
from escalade.models import AmicableResolutionAttempt, EscalationDecision, SolvencyAnalysis
from journal import chain
from relances.models import CadencePolicy, DebtorCadenceOverride
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)
USERS = ("controller", "other_controller", "manager", "idle_manager", "dpo", "admin")
EVERYONE = set(USERS)
MANAGERS_AND_ADMINS = {"manager", "idle_manager", "admin"}
# Models with no way to a dossier or a debtor: who may open their screens at all (a 200).
UNSCOPED: dict[str, set[str]] = {
    # Accounts: administrators only.
    "auth.Group": {"admin"},
    "auth.User": {"admin"},
    "accounts.ApiToken": {"admin"},  # anyone's tokens: listed and revoked by admins
    "accounts.EnrolmentInvitation": {"admin"},
    "otp_totp.TOTPDevice": {"admin"},
    "axes.AccessAttempt": {"admin"},
    "axes.AccessLog": {"admin"},
    "axes.AccessFailureLog": {"admin"},
    # Companies and reference data: no personal data.
    "dossiers.Creditor": EVERYONE - {"idle_manager"},  # a manager sees their creditors
    "dossiers.LegalInterestRate": EVERYONE - {"dpo"},
    "dossiers.EcbRate": EVERYONE - {"dpo"},
    "relances.CadencePolicy": EVERYONE - {"dpo"},
    "relances.CreditorCadence": EVERYONE - {"dpo"},
    "courriers.MessageTemplate": EVERYONE - {"dpo"},
    "courriers.CreditorMessaging": EVERYONE - {"dpo"},
    "portail.PortalSettings": EVERYONE - {"dpo"},  # what a creditor lets its debtors do
    # The day's letters of every creditor: those who prepare and print them (as the page).
    "courriers.LetterBatch": MANAGERS_AND_ADMINS,
    # Counts only, no name.
    "rgpd.PurgeCertificate": MANAGERS_AND_ADMINS | {"dpo"},
}


def path_to_dossier(model, *, hops: int = 2) -> tuple[str, type] | None:
    """(lookup, Dossier or Debtor) reaching the model's dossier or debtor, found from its keys
    (directly or through one other model)."""
    if model in (Dossier, Debtor):
        return "pk", model
    if hops == 0:
        return None
    keys = [
        f
        for f in model._meta.get_fields()
        if isinstance(f, (ForeignKey, OneToOneField)) and f.concrete
    ]
    for target in (Dossier, Debtor):
        for field in keys:
            if field.related_model is target:
                return field.name, target
    for field in keys:
        inner = path_to_dossier(field.related_model, hops=hops - 1)
        if inner is not None:
            return f"{field.name}__{inner[0]}", inner[1]
    return None


def object_of(model, dossier: Dossier):
    found = path_to_dossier(model)
    lookup, target = found
    value = dossier.pk if target is Dossier else dossier.debtor_id
    return model._default_manager.filter(**{lookup: value}).order_by("pk").first()


@pytest.fixture
def admin_world(world):
    """The access world plus one object of every dossier-bound model the admin shows."""
    users = {
        "controller": world.users["controller"],
        "other_controller": world.theirs.dossier.assigned_to,
        "manager": world.users["manager"],
        "idle_manager": UserFactory(username="responsable-sans-portefeuille", role="manager"),
        "dpo": world.users["dpo"],
        "admin": world.users["admin"],
    }
    policy = CadencePolicy.objects.order_by("pk").first()
    for portfolio in (world.mine, world.theirs):
        dossier = portfolio.dossier
        Promise.objects.create(dossier=dossier, amount=Decimal(5), made_on=TODAY, due_on=TODAY)
        PrescriptionEvent.objects.create(
            dossier=dossier,
            claim=portfolio.claim,
            kind=PrescriptionEvent.Kind.WRITTEN_ACKNOWLEDGMENT,
            occurred_on=TODAY,
        )
        EscalationDecision.objects.create(
            dossier=dossier, route="amicable", reasoning="motivation", decided_by=users["admin"]
        )
        SolvencyAnalysis.objects.create(
            dossier=dossier,
            analysed_on=TODAY,
            conclusion=SolvencyAnalysis.Conclusion.choices[0][0],
            recorded_by=users["admin"],
        )
        AmicableResolutionAttempt.objects.create(
            dossier=dossier,
            method=AmicableResolutionAttempt.Method.choices[0][0],
            attempted_on=TODAY,
            recorded_by=users["admin"],
        )
        DebtorCadenceOverride.objects.create(
            debtor=dossier.debtor, policy=policy, reason="Demande de M. Moreau"
        )
        chain.seal(dossier)  # the dossier's links in the proof journal
    world.admin_users = users
    return world


# Who has each portfolio's dossier in scope (besides the DPO, reading, and admins).
OWNERS = {"mine": {"controller", "manager"}, "theirs": {"other_controller"}}
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _urls(model, obj) -> dict[str, str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = {
        "change": reverse(f"{info}_change", args=[obj.pk]),
        "delete": reverse(f"{info}_delete", args=[obj.pk]),
        "history": reverse(f"{info}_history", args=[obj.pk]),
    }
    history = getattr(model, "history", None)
    rows = history.filter(**{model._meta.pk.attname: obj.pk}) if history is not None else None
    record = rows.order_by("history_id").first() if rows is not None else None
    if record is not None and isinstance(admin.site._registry[model], SimpleHistoryAdmin):
        urls["history_form"] = reverse(f"{info}_simple_history", args=[obj.pk, record.pk])
    return urls


def test_every_admin_screen_opens_only_what_the_user_may_see(admin_world):
    """One world for the whole registry (built once); every unexpected answer is listed."""
    clients = {}
    for role, user in admin_world.admin_users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    problems: list[str] = []
    for model, _model_admin in REGISTRY:
        problems += _walk(admin_world, clients, model)
    assert not problems, "\n".join(problems)


def _walk(admin_world, clients, model) -> list[str]:
    problems = []
    label = model._meta.label
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    changelist = reverse(f"{info}_changelist")
    scoped = path_to_dossier(model) is not None or model is DebtorContact
    if not (scoped or label in UNSCOPED):
        return [
            f"« {label} » : aucun chemin vers un dossier ni un débiteur ; ajoutez-le à UNSCOPED "
            "avec les rôles qui peuvent l'ouvrir, ou rattachez-le à dossiers.scoping"
        ]
    if scoped:
        objects = {
            name: object_of(model, getattr(admin_world, name).dossier)
            for name in ("mine", "theirs")
        }
        missing = [name for name, obj in objects.items() if obj is None]
        if missing:
            return [f"« {label} » : ajoutez au monde un objet du portefeuille {missing}"]
    else:
        obj = model._default_manager.order_by("pk").first()
        objects = {"any": obj} if obj is not None else {}
    for role, user in admin_world.admin_users.items():
        client = clients[role]
        can_view = user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        can_view = can_view or user.has_perm(
            f"{model._meta.app_label}.change_{model._meta.model_name}"
        )
        listing = client.get(changelist)
        popup = client.get(changelist, {"_to_field": "id", "_popup": "1"})
        for name, obj in objects.items():
            if scoped:
                expected = can_view and (role in ("dpo", "admin") or role in OWNERS[name])
            else:
                expected = can_view and role in UNSCOPED[label]
            for page in (listing, popup):
                if page.status_code != 200:
                    continue
                content = page.content.decode()
                listed = f'href="{reverse(f"{info}_change", args=[obj.pk])}' in content or (
                    f'data-popup-opener="{obj.pk}"' in content
                )
                if listed and not expected:
                    problems.append(f"{label} : la liste montre à {role} l'objet {name}")
            for what, url in _urls(model, obj).items():
                status = client.get(url).status_code
                where = f"{label} {what} ({url}) pour {role}, objet {name} : {status}"
                if not expected and status == 200:
                    problems.append(f"inattendu : {where}")
                elif expected and status != 200 and what != "delete":
                    problems.append(f"refusé à tort : {where}")
    if scoped and not isinstance(admin.site._registry[model], ScopedAdminMixin):
        problems.append(
            f"« {label} » nomme une personne ou un dossier : son admin doit hériter de "
            "dossiers.admin.ScopedAdminMixin"
        )
    return problems


def test_the_history_detail_is_read_only_and_a_typed_id_names_nothing(client, world):
    """A POST to a history row (simple-history's revert) is refused; a raw-id box given the id
    of another portfolio's dossier shows no label, and the payment is refused."""
    from dossiers.models import Payment

    admin_user = world.users["admin"]
    client.force_login(admin_user)
    debtor = world.mine.dossier.debtor
    row = debtor.history.order_by("history_id").first()
    url = reverse("admin:dossiers_debtor_simple_history", args=[debtor.pk, row.history_id])
    assert client.post(url, {"name": "Autre nom"}).status_code == 405
    debtor.refresh_from_db()
    assert debtor.name != "Autre nom"

    client.force_login(world.users["controller"])
    theirs = world.theirs.dossier
    before = Payment.objects.count()
    response = client.post(
        reverse("admin:dossiers_payment_add"),
        {"dossier": theirs.pk, "kind": "payment", "amount": "5.00", "received_on": "23/11/2026"},
    )
    assert response.status_code == 200  # the form again, with its error
    assert theirs.reference not in response.content.decode()
    assert Payment.objects.count() == before


def test_a_controller_cannot_add_an_invoice_to_another_portfolios_dossier(client, world):
    """The admin's new invoice joins the pair's open dossier: refused when it is out of scope,
    and the debtor list names only debtors in scope (or with no dossier yet)."""
    from dossiers.models import Claim

    client.force_login(world.users["controller"])
    theirs = world.theirs.dossier
    form = client.get(reverse("admin:dossiers_claim_add")).content.decode()
    assert world.mine.dossier.debtor.name in form
    assert theirs.debtor.name not in form
    before = Claim.objects.count()
    response = client.post(
        reverse("admin:dossiers_claim_add"),
        {
            "creditor": theirs.creditor_id,
            "debtor": theirs.debtor_id,
            "invoice_number": "FA-INTRUS",
            "issue_date": "01/10/2026",
            "due_date": "31/10/2026",
            "amount": "100.00",
        },
    )
    assert response.status_code == 200
    assert Claim.objects.count() == before
    # The scoping rule itself: the pair's open dossier must be one the user may act on.
    assert not scoping.may_record_claim(
        world.users["controller"], creditor=theirs.creditor, debtor=theirs.debtor
    )
    mine = world.mine.dossier
    assert scoping.may_record_claim(
        world.users["controller"], creditor=mine.creditor, debtor=mine.debtor
    )


def test_a_manager_without_creditors_reads_no_rights_request_nor_chain_link(client, world):
    from journal.models import ChainLink
    from rgpd.models import RightsRequest

    idle = UserFactory(username="responsable-sans-portefeuille", role="manager")
    chain.seal(world.mine.dossier)
    client.force_login(idle)
    for model in (RightsRequest, ChainLink):
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        listing = client.get(reverse(f"{info}_changelist"))
        assert listing.status_code == 200
        for obj in model.objects.all():
            for screen in ("change", "history"):
                url = reverse(f"{info}_{screen}", args=[obj.pk])
                assert client.get(url).status_code in (302, 404), url  # not found
