"""Managers and administrators may read the journal's records in the admin."""

from django.db import migrations

from dossiers import roles


def sync(apps, schema_editor):
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0001_initial"),
        ("relances", "0004_workspace"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
