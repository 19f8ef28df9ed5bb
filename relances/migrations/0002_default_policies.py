"""The two default cadences of the seeds: one for professionals, one for consumers.

R+7 courteous email, R+15 firm email and a phone task, R+30 firm letter announcing the formal
notice, R+45 formal notice by registered letter with an 8-day deadline; Go/No-Go the first
working day after that deadline (computed, not a step).
"""

from django.db import migrations

STEPS = [
    # code, label, offset, stage, channel, template, needs approval
    ("r7-email", "Relance amiable", 7, "reminder_1", "email", "relance-amiable", False),
    ("r15-email", "Relance ferme", 15, "reminder_2", "email", "relance-ferme", False),
    ("r15-appel", "Appel de relance", 15, "reminder_2", "phone", "script-appel", False),
    (
        "r30-courrier",
        "Dernière relance avant mise en demeure",
        30,
        "reminder_3",
        "letter",
        "relance-avant-mise-en-demeure",
        False,
    ),
    (
        "r45-mise-en-demeure",
        "Mise en demeure",
        45,
        "formal_notice",
        "registered_letter",
        "mise-en-demeure",
        True,
    ),
]
POLICIES = [
    ("Cadence standard — professionnels", "professional"),
    ("Cadence standard — consommateurs", "consumer"),
]


def create_policies(apps, schema_editor):
    CadencePolicy = apps.get_model("relances", "CadencePolicy")
    CadenceStep = apps.get_model("relances", "CadenceStep")
    for name, kind in POLICIES:
        policy, created = CadencePolicy.objects.get_or_create(
            name=name,
            defaults={
                "debtor_kind": kind,
                "is_default": True,
                "min_spacing_days": 7,
                "formal_notice_deadline_days": 8,
                "tolerance": "5.00",
                "grace_days": 3,
            },
        )
        if not created:
            continue
        for code, label, offset, stage, channel, template, approval in STEPS:
            CadenceStep.objects.create(
                policy=policy,
                code=code,
                label=label,
                offset_days=offset,
                stage=stage,
                channel=channel,
                template_code=f"{template}-{'pro' if kind == 'professional' else 'conso'}",
                needs_approval=approval,
            )


def remove_policies(apps, schema_editor):
    apps.get_model("relances", "CadencePolicy").objects.filter(
        name__in=[name for name, _ in POLICIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("relances", "0001_initial")]
    operations = [migrations.RunPython(create_policies, remove_policies)]
