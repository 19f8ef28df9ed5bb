"""Role-based access for the API: every endpoint needs a logged-in user holding a role."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts import roles


class RolePermission(BasePermission):
    """Read with any of ``read_roles``, write with any of ``write_roles`` (set on the view)."""

    message = "Votre rôle ne permet pas cette opération."
    default_read_roles = (roles.CONTROLLER, roles.MANAGER, roles.ADMIN)
    default_write_roles = (roles.CONTROLLER, roles.ADMIN)

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", self.default_read_roles)
        else:
            allowed = getattr(view, "write_roles", self.default_write_roles)
        return roles.has_role(user, *allowed)
