"""The default templates as ``courriers.defaults`` now writes them (issue #18): French grammar
by construction (« au titre des factures », « d'Atlantique »), « Malgré nos relances » only after
reminders, a thank-you that confirms the sums received and the zero balance.

A default an admin never touched (version made by the migrations, ``created_by`` empty) takes
the new text: in place when no message used it yet, else as a new current version (what went
out keeps the version it used). A template an admin wrote is left as it is.
"""

from django.db import migrations


def update_defaults(apps, schema_editor):
    from courriers.defaults import DEFAULT_TEMPLATES

    MessageTemplate = apps.get_model("courriers", "MessageTemplate")
    SentMessage = apps.get_model("courriers", "SentMessage")
    for code, channel, debtor_kind, kind, label, subject, body in DEFAULT_TEMPLATES:
        current = MessageTemplate.objects.filter(
            code=code, channel=channel, is_current=True
        ).first()
        if current is None or current.created_by_id is not None:
            continue
        if (current.subject, current.body) == (subject, body):
            continue
        if not SentMessage.objects.filter(template=current).exists():
            current.subject, current.body = subject, body
            current.save(update_fields=["subject", "body"])
            continue
        current.is_current = False
        current.save(update_fields=["is_current"])
        MessageTemplate.objects.create(
            code=code,
            channel=channel,
            version=current.version + 1,
            debtor_kind=debtor_kind,
            kind=kind,
            label=label,
            subject=subject,
            body=body,
            is_current=True,
        )


class Migration(migrations.Migration):
    dependencies = [("courriers", "0003_delivery_attempts")]
    operations = [migrations.RunPython(update_defaults, migrations.RunPython.noop)]
