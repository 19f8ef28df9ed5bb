"""The journal in the admin: read-only; the chain's links are never edited. Purge events are
read through the purge certificates (RGPD) and ``journal_verify``, not listed here."""

from django.contrib import admin

from journal.models import ChainLink


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChainLink)
class ChainLinkAdmin(ReadOnlyAdmin):
    list_display = ["chain", "seq", "model", "history_id", "history_date", "hash", "sealed_at"]
    list_filter = ["model"]
    search_fields = ["chain", "hash"]
