"""The role groups hold exactly the permissions of ``accounts.roles`` once migrated."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", roles.ALL)
def test_each_group_holds_exactly_its_permissions(role):
    group = Group.objects.get(name=role)
    held = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }
    assert held == set(roles.PERMISSIONS[role])


def test_controllers_and_managers_read_call_logs_and_holds_the_dpo_does_not():
    for role in (roles.CONTROLLER, roles.MANAGER):
        perms = set(roles.PERMISSIONS[role])
        assert {"relances.view_calllog", "relances.view_dossierhold"} <= perms
    assert "relances.view_calllog" not in roles.PERMISSIONS[roles.DPO]
