from accounts import roles as role_codes


def roles(request):
    """Expose the user's role and its French label to every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_codes.primary_role(user)
    return {"user_role": role, "user_role_label": role_codes.LABELS.get(role, "")}
