"""Grant the roles their GDPR permissions (dossiers.roles)."""

from django.db import migrations

from dossiers import roles


def sync(apps, schema_editor):
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("rgpd", "0001_initial"),
        ("dossiers", "0006_rgpd_purge_date"),
        ("relances", "0004_workspace"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
