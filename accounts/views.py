"""The account's pages: the second factor (an admin's invitation, enrolment with a QR code of
a TOTP secret, verification) and the user's API tokens (« Jetons d'API »)."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles, tokens
from accounts.access import role_required
from accounts.forms import AccessResetForm, ApiTokenForm, TokenForm, apply_errors
from accounts.middleware import NO_DEVICE
from accounts.models import ApiToken

DEVICE_NAME = "Application d'authentification"
# Session key: the invitation the user opened, consumed when their first device is confirmed.
INVITATION = "accounts_enrolment_invitation"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else "/"


def _pending_device(user) -> TOTPDevice:
    """The user's device being enrolled (not confirmed yet), created on first visit."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@never_cache
@login_required
def otp_verify(request):
    if not user_has_device(request.user):
        return redirect("accounts:otp_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", "Code incorrect ou expiré. Réessayez avec le code suivant.")
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def otp_enrol(request):
    if user_has_device(request.user):
        if request.user.is_verified():
            messages.info(request, "Votre application d'authentification est déjà enregistrée.")
            return redirect("home")
        return redirect("accounts:otp_verify")
    invitation_id = request.session.get(INVITATION)
    if invitation_id is None:
        # The password alone never enrols a device: an admin's invitation link is needed.
        return render(request, "accounts/otp_invitation_needed.html", status=200)
    device = _pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            try:
                tokens.device_confirm(device=device, invitation_id=invitation_id, user=request.user)
            except ValidationError as exc:
                request.session.pop(INVITATION, None)
                messages.error(request, " ".join(exc.messages))
                return redirect("accounts:otp_enrol")
            request.session.pop(INVITATION, None)
            request.session.pop(NO_DEVICE, None)
            otp_login(request, device)
            messages.success(request, "Double authentification activée.")
            return redirect(_next_url(request))
        form.add_error(
            "token", "Code incorrect : vérifiez l'heure de votre téléphone et réessayez."
        )
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
def otp_invitation(request, key: str):
    """An admin's invitation link, opened by the invited user once logged in with their
    password: it lets them enrol their first device (consumed when the device is confirmed)."""
    if user_has_device(request.user):
        return redirect("accounts:otp_enrol")
    try:
        invitation = tokens.invitation_for_key(user=request.user, key=key)
    except ValidationError as exc:
        return render(
            request, "accounts/otp_invitation_needed.html", {"error": exc.messages[0]}, status=404
        )
    request.session[INVITATION] = invitation.pk
    return redirect("accounts:otp_enrol")


@never_cache
@login_required
def otp_qr(request):
    """The enrolment's QR code, as an SVG image (served apart: no inline markup or style)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None or request.session.get(INVITATION) is None:
        raise Http404("Aucun enrôlement en cours.")
    return _qr_response(device)


# --- Reset: a forgotten password, a lost phone -------------------------------------------------


def _qr_response(device: TOTPDevice) -> HttpResponse:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def access_reset(request, key: str):
    """An admin's reset link, opened without logging in (the password is forgotten, or the
    phone lost): the user chooses a new password and enrols a new device in one step; the old
    devices are removed (``tokens.access_reset``). A wrong, used or expired link: 404."""
    try:
        invitation = tokens.reset_for_key(key)
    except ValidationError as exc:
        return render(
            request, "accounts/access_reset_invalid.html", {"error": exc.messages[0]}, status=404
        )
    user = invitation.user
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)  # the link is another account's: nobody stays logged in meanwhile
    device = _pending_device(user)
    form = AccessResetForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_token(form.cleaned_data["token"]):
            form.add_error(
                "token", "Code incorrect : vérifiez l'heure de votre téléphone et réessayez."
            )
        else:
            try:
                tokens.access_reset(
                    key=key, device=device, password=form.cleaned_data["new_password1"]
                )
            except ValidationError as exc:
                return render(
                    request,
                    "accounts/access_reset_invalid.html",
                    {"error": exc.messages[0]},
                    status=404,
                )
            if request.user.is_authenticated:
                logout(request)
            messages.success(
                request,
                "Mot de passe et double authentification réinitialisés : connectez-vous avec "
                "le nouveau mot de passe, puis le code de votre application.",
            )
            return redirect("login")
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/access_reset.html",
        {
            "form": form,
            "account": user,
            "key": key,
            "expires_at": invitation.expires_at,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@never_cache
def access_reset_qr(request, key: str):
    """The reset's QR code (the new device's secret), for the holder of the link only."""
    try:
        invitation = tokens.reset_for_key(key)
    except ValidationError as exc:
        raise Http404("Lien inconnu.") from exc
    device = TOTPDevice.objects.filter(user=invitation.user, confirmed=False).order_by("pk").first()
    if device is None:
        raise Http404("Aucun enrôlement en cours.")
    return _qr_response(device)


# --- « Jetons d'API » -------------------------------------------------------------------------


@never_cache
@role_required(*roles.ALL)
def api_tokens(request):
    """The user's API tokens: list, issue (the key shown once), revoke."""
    needs_code = tokens.second_factor_needed(request.user)
    form = ApiTokenForm(
        request.POST or None,
        needs_code=needs_code,
        max_days=settings.API_TOKEN_MAX_DAYS,
        initial={"days": settings.API_TOKEN_DEFAULT_DAYS},
    )
    issued = None
    refusal = ""
    if needs_code and not tokens.has_confirmed_device(request.user):
        refusal = (
            "Un jeton n'est délivré qu'à un compte dont la double authentification est "
            "activée : demandez un lien d'enrôlement à un administrateur."
        )
    elif request.method == "POST" and form.is_valid():
        try:
            issued = tokens.token_issue(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                otp_code=form.cleaned_data.get("otp_code", ""),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            refusal = str(exc)
        else:
            form = ApiTokenForm(
                needs_code=needs_code,
                max_days=settings.API_TOKEN_MAX_DAYS,
                initial={"days": settings.API_TOKEN_DEFAULT_DAYS},
            )
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "issued": issued,
            "refusal": refusal,
            "tokens": ApiToken.objects.filter(user=request.user).select_related("revoked_by"),
        },
        status=403 if refusal and request.method == "POST" else 200,
    )


@role_required(*roles.ALL)
@require_POST
def api_token_revoke(request, token_pk: int):
    """The owner revokes one of their tokens (another's is not found)."""
    token = get_object_or_404(ApiToken, pk=token_pk, user=request.user)
    tokens.token_revoke(token=token, actor=request.user, reason="révoqué par son titulaire")
    messages.success(request, f"Jeton « {token.name} » révoqué : il est refusé dès maintenant.")
    return redirect("accounts:api_tokens")
