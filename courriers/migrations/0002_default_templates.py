"""The default message and letter templates (version 1 of each, current)."""

from django.db import migrations


def create_templates(apps, schema_editor):
    from courriers.defaults import DEFAULT_TEMPLATES

    MessageTemplate = apps.get_model("courriers", "MessageTemplate")
    for code, channel, debtor_kind, kind, label, subject, body in DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code,
            channel=channel,
            version=1,
            defaults={
                "debtor_kind": debtor_kind,
                "kind": kind,
                "label": label,
                "subject": subject,
                "body": body,
                "is_current": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("courriers", "0001_initial")]
    operations = [migrations.RunPython(create_templates, migrations.RunPython.noop)]
