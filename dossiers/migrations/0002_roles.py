"""Create the four role groups and grant each its permissions (dossiers.roles)."""

from django.db import migrations

from dossiers import roles


def create_roles(apps, schema_editor):
    roles.sync_group_permissions(apps)


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
