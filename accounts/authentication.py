"""The REST API's token authentication (``Authorization: Token <clé>``), replacing DRF's
``TokenAuthentication``: keys stored hashed, expiring, revocable, and the second factor
honoured — under ``OTP_REQUIRED`` a token of a user with no confirmed device is refused."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts import tokens

KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "En-tête Authorization invalide : « Token <clé> », sans espace dans la clé."
            )
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Jeton invalide.") from None
        token = tokens.token_for_key(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Jeton invalide, expiré ou révoqué.")
        if settings.OTP_REQUIRED and not tokens.has_confirmed_device(token.user):
            raise exceptions.AuthenticationFailed(
                "Ce compte n'a pas de second facteur confirmé : ses jetons sont refusés."
            )
        tokens.token_touch(token)
        return token.user, token

    def authenticate_header(self, request):
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema (``/api/schema/``, Swagger UI's « Authorize »)."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "jetonApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "« Token <clé> » : un jeton créé sur la page « Jetons d'API ».",
        }
