from django.contrib import admin

from dossiers.admin import ScopedAdminMixin
from rgpd.models import PurgeCertificate, RightsRequest


@admin.register(PurgeCertificate)
class PurgeCertificateAdmin(admin.ModelAdmin):
    """Read-only: certificates are written by the purge only."""

    list_display = ("pk", "ran_at", "purge_date", "operator_label", "debtors", "history_rows")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RightsRequest)
class RightsRequestAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A person's request: seen with their dossiers (a manager: their portfolio's)."""

    list_display = ("kind", "debtor", "received_on", "status", "decided_on")
    list_filter = ("kind", "status")
    list_select_related = ("debtor",)
    readonly_fields = ("status", "decision", "decided_on", "decided_by")
