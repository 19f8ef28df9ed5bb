"""The journal in the admin: read-only. Decisions and analyses are made on the Go/No-Go page
(services record who and why); the chain's links are never edited."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AmicableResolutionAttempt, ChainLink, EscalationDecision, SolvencyAnalysis


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


@admin.register(EscalationDecision)
class EscalationDecisionAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["dossier", "route", "suggested_route", "decided_by", "decided_at"]
    list_filter = ["route"]
    list_select_related = ["dossier", "decided_by"]


@admin.register(SolvencyAnalysis)
class SolvencyAnalysisAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["dossier", "analysed_on", "conclusion", "recorded_by"]
    list_select_related = ["dossier", "recorded_by"]


@admin.register(AmicableResolutionAttempt)
class AmicableResolutionAttemptAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["dossier", "method", "attempted_on", "recorded_by"]
    list_select_related = ["dossier", "recorded_by"]
