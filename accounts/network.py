"""The client's address as our own reverse proxy saw it.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address for everybody, so locking out
"username + address" would lock the user out for the whole company. The proxy appends the
address it received the connection from to ``X-Forwarded-For``; everything to the left of it was
written by the client and may be forged. With ``TRUSTED_PROXY_COUNT`` proxies in front of us,
the client is the entry that many places from the right: an attacker can add entries to the
left, never change that one.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR") or None
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        # Not through the proxy (a health check on loopback, a misrouted request).
        return remote
    return forwarded[-proxies]
