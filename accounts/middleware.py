"""The second factor: once the password is right, a user with a TOTP device (every user, under
production settings: ``OTP_REQUIRED``) must type a code before reaching any page."""

import time

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django_otp import user_has_device

# The pages an authenticated user reaches before the second factor: the factor's own pages
# and the way out.
EXEMPT_VIEWS = {
    "login",
    "logout",
    "accounts:otp_verify",
    "accounts:otp_enrol",
    "accounts:otp_qr",
    "accounts:otp_invitation",
    "accounts:access_reset",
    "accounts:access_reset_qr",
}


NO_DEVICE = "accounts_no_device"  # session flag: checked once per login, not per request


def otp_needed(request) -> bool:
    if settings.OTP_REQUIRED:
        return True
    if request.session.get(NO_DEVICE):
        return False
    if user_has_device(request.user):
        return True
    request.session[NO_DEVICE] = True
    return False


class OTPRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        if not otp_needed(request):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Validez d'abord votre second facteur d'authentification."},
                status=403,
            )
        target = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_enrol"
        return redirect_to_login(request.get_full_path(), login_url=reverse(target))


class SessionIdleMiddleware:
    """Sessions end after ``SESSION_COOKIE_AGE`` of inactivity: the session's expiry moves on
    at most once every ``SESSION_REFRESH_SECONDS`` (not a write per request)."""

    KEY = "accounts_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)
