"""Admin screens for letters: templates (versioned, checked), creditors' sending settings,
and what went out (read only: evidence is never edited)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from accounts import roles
from courriers import versions
from courriers.models import CreditorMessaging, LetterBatch, MessageTemplate, SentMessage
from dossiers.admin import ScopedAdminMixin


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["code", "channel", "debtor_kind", "kind", "label", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "cols": 100})}

    def clean(self):
        data = super().clean()
        errors = versions.template_check(
            subject=data.get("subject", ""),
            body=data.get("body", ""),
            debtor_kind=data.get("debtor_kind", ""),
            channel=data.get("channel", ""),
            kind=data.get("kind", ""),
        )
        if errors:
            raise ValidationError(errors)
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SimpleHistoryAdmin):
    form = MessageTemplateForm
    list_display = ["label", "code", "channel", "debtor_kind", "version", "is_current"]
    list_filter = ["is_current", "channel", "kind", "debtor_kind"]
    search_fields = ["code", "label", "subject"]
    readonly_fields = ["version", "is_current", "created_by", "created_at", "variables"]

    @admin.display(description="variables disponibles")
    def variables(self, obj=None):
        return " · ".join(f"{{{{ {k} }}}} : {v}" for k, v in versions.ALLOWED_VARIABLES.items())

    def has_change_permission(self, request, obj=None):
        # Only the current version is edited (and a used one makes a new version on save).
        if obj is not None and not obj.is_current:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        saved = versions.template_save(
            actor=request.user,
            template=obj if change else None,
            reason="modèle modifié dans l'administration" if change else "nouveau modèle",
            **{k: form.cleaned_data[k] for k in MessageTemplateForm.Meta.fields},
        )
        if change and saved.pk != obj.pk:
            messages.info(
                request, f"Ce modèle a déjà servi : la version {saved.version} le remplace."
            )
        obj.pk = saved.pk
        obj.version = saved.version


@admin.register(CreditorMessaging)
class CreditorMessagingAdmin(SimpleHistoryAdmin):
    list_display = ["creditor", "test_mode", "test_email", "thank_you_enabled"]
    list_filter = ["test_mode", "thank_you_enabled"]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SentMessage)
class SentMessageAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """What went out to a debtor: seen with its dossier."""

    list_display = ["sent_at", "kind", "channel", "dossier", "status", "is_test"]
    list_filter = ["channel", "kind", "status", "is_test"]
    list_select_related = ["dossier"]
    search_fields = ["dossier__reference", "message_id", "registered_number"]


@admin.register(LetterBatch)
class LetterBatchAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """The day's letters of every creditor: for those who prepare and print them, as the
    « lot du jour » page (managers and admins)."""

    admin_roles = (roles.MANAGER, roles.ADMIN)
    list_display = ["day", "letters_count", "pdf_sha256"]
