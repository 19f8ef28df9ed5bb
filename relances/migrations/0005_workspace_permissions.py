"""Let the roles that read dossiers read their call logs and holds too."""

from django.db import migrations

from dossiers import roles


def sync(apps, schema_editor):
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("relances", "0004_workspace")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
