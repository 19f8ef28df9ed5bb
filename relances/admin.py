"""Admin screens: cadence policies are data that managers and admins edit."""

from functools import partial

from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from dossiers.admin import ScopedAdminMixin
from dossiers.models import Dossier
from relances import services
from relances.models import (
    CadencePolicy,
    CadenceStep,
    CreditorCadence,
    DebtorCadenceOverride,
    Reminder,
)


class CadenceStepInline(admin.TabularInline):
    model = CadenceStep
    extra = 0
    fields = ["offset_days", "code", "label", "stage", "channel", "template_code", "needs_approval"]


class ReplanningAdmin(SimpleHistoryAdmin):
    """A policy change moves the next action date of the dossiers it governs (on commit)."""

    def affected_dossiers(self, obj):
        return Dossier.objects.active()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        ids = list(self.affected_dossiers(form.instance).values_list("pk", flat=True))
        transaction.on_commit(
            partial(
                services.dossiers_replan,
                dossier_ids=ids,
                actor=request.user,
                reason=f"cadence modifiée : {form.instance}",
            )
        )


@admin.register(CadencePolicy)
class CadencePolicyAdmin(ReplanningAdmin):
    list_display = [
        "name",
        "debtor_kind",
        "is_default",
        "min_spacing_days",
        "formal_notice_deadline_days",
        "tolerance",
    ]
    list_filter = ["debtor_kind", "is_default"]
    inlines = [CadenceStepInline]


@admin.register(CreditorCadence)
class CreditorCadenceAdmin(ReplanningAdmin):
    def affected_dossiers(self, obj):
        return Dossier.objects.active().filter(creditor_id=obj.creditor_id)

    list_display = ["creditor", "debtor_kind", "policy"]
    list_select_related = ["creditor", "policy"]


@admin.register(DebtorCadenceOverride)
class DebtorCadenceOverrideAdmin(ScopedAdminMixin, ReplanningAdmin):
    def affected_dossiers(self, obj):
        return Dossier.objects.active().filter(debtor_id=obj.debtor_id)

    list_display = ["debtor", "policy", "reason"]
    list_select_related = ["debtor", "policy"]
    raw_id_fields = ["debtor"]


@admin.register(Reminder)
class ReminderAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "scheduled_for",
        "dossier",
        "step",
        "channel",
        "status",
        "caught_up",
        "cycle",
    ]
    list_filter = ["status", "channel", "caught_up", "scheduled_for"]
    search_fields = ["dossier__reference", "dossier__debtor__name"]
    list_select_related = ["dossier", "step"]
    date_hierarchy = "scheduled_for"
    readonly_fields = [
        "dossier",
        "step",
        "cycle",
        "channel",
        "status",
        "scheduled_for",
        "caught_up",
        "note",
        "content",
        "sent_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
