"""Create the four role groups and grant each its permissions (dossiers.roles)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from dossiers import roles


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for code in roles.ALL:
        group, _ = Group.objects.get_or_create(name=code)
        perms = list(
            Permission.objects.filter(
                content_type__app_label="dossiers", codename__in=roles.PERMISSIONS[code]
            )
        )
        if code == roles.ADMIN:
            for app_label, codename in roles.ADMIN_EXTRA_PERMISSIONS:
                perms += list(
                    Permission.objects.filter(content_type__app_label=app_label, codename=codename)
                )
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=roles.ALL).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
