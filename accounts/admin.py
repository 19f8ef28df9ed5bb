"""The admin's side of API tokens (list anyone's, revoke) and of enrolment invitations (issue
one, the link shown once). Nothing here issues a token: its owner does, with their second
factor, on « Jetons d'API »."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts import tokens
from accounts.models import ApiToken, EnrolmentInvitation


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = ["revoked_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    fields = readonly_fields
    actions = ["revoke"]

    @admin.display(description="état")
    def state(self, token):
        return token.state_label

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the history says who used what

    @admin.action(description="Révoquer les jetons sélectionnés", permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.token_revoke(
                token=token, actor=request.user, reason="révoqué par un administrateur"
            )
        messages.success(request, "Jetons révoqués : ils sont refusés dès maintenant.")


@admin.register(EnrolmentInvitation)
class EnrolmentInvitationAdmin(SimpleHistoryAdmin):
    list_display = [
        "user",
        "purpose",
        "created_at",
        "created_by",
        "expires_at",
        "used_at",
        "state",
    ]
    list_select_related = ["user", "created_by"]
    search_fields = ["user__username"]
    readonly_fields = ["purpose", "prefix", "created_at", "created_by", "expires_at", "used_at"]

    @admin.display(description="état")
    def state(self, invitation):
        return invitation.state_label

    def get_fields(self, request, obj=None):
        return ["user", "purpose"] if obj is None else ["user", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", *self.readonly_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Issue through the service and show the link once (it is not stored)."""
        if request.method != "POST":
            return super().add_view(request, form_url, extra_context)
        form_class = self.get_form(request, None, fields=["user", "purpose"])
        data = request.POST.copy()
        data.setdefault("purpose", EnrolmentInvitation.Purpose.ENROLMENT)
        form = form_class(data)
        if not form.is_valid():
            return super().add_view(request, form_url, extra_context)  # shows the errors
        try:
            issued = tokens.invitation_issue(
                user=form.cleaned_data["user"],
                actor=request.user,
                purpose=form.cleaned_data["purpose"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
        reset = issued.invitation.purpose == EnrolmentInvitation.Purpose.RESET
        view = "accounts:access_reset" if reset else "accounts:otp_invitation"
        link = request.build_absolute_uri(reverse(view, args=[issued.key]))
        return render(
            request,
            "admin/accounts/invitation_issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Lien d'enrôlement créé",
                "invitation": issued.invitation,
                "reset": reset,
                "link": link,
            },
        )
