"""A creditor's settings of the debtor's space: on or off, which actions, their limits."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portail.models import PortalSettings


@admin.register(PortalSettings)
class PortalSettingsAdmin(SimpleHistoryAdmin):
    list_display = [
        "creditor",
        "enabled",
        "allow_promise",
        "allow_plan",
        "allow_dispute",
        "promise_max_days",
        "plan_max_installments",
        "plan_min_installment",
    ]
    list_filter = ["enabled"]
    fieldsets = [
        (None, {"fields": ["creditor", "enabled", "link_days"]}),
        (
            "Actions permises au débiteur",
            {
                "fields": [
                    "allow_promise",
                    "allow_plan",
                    "allow_dispute",
                    "allow_already_paid",
                    "allow_contact_update",
                    "allow_rights",
                ]
            },
        ),
        (
            "Limites",
            {"fields": ["promise_max_days", "plan_max_installments", "plan_min_installment"]},
        ),
    ]
