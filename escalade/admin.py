"""The Go/No-Go file in the admin: read-only. Decisions and analyses are made on the Go/No-Go
page (services record who and why)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dossiers.admin import ScopedAdminMixin
from escalade.models import AmicableResolutionAttempt, EscalationDecision, SolvencyAnalysis
from journal.admin import ReadOnlyAdmin


@admin.register(EscalationDecision)
class EscalationDecisionAdmin(ScopedAdminMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["dossier", "route", "suggested_route", "decided_by", "decided_at"]
    list_filter = ["route"]
    list_select_related = ["dossier", "decided_by"]


@admin.register(SolvencyAnalysis)
class SolvencyAnalysisAdmin(ScopedAdminMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["dossier", "analysed_on", "conclusion", "recorded_by"]
    list_select_related = ["dossier", "recorded_by"]


@admin.register(AmicableResolutionAttempt)
class AmicableResolutionAttemptAdmin(ScopedAdminMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["dossier", "method", "attempted_on", "recorded_by"]
    list_select_related = ["dossier", "recorded_by"]
