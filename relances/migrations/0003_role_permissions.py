"""Grant the roles their permissions on the cadence models and the dossier's new models."""

from django.db import migrations

from dossiers import roles


def sync(apps, schema_editor):
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("relances", "0002_default_policies"),
        ("dossiers", "0003_cadence_states_and_arrangements"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
