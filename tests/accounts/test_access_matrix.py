"""Every URL of the site, for every role and an anonymous visitor.

The resolver is walked, so a page added tomorrow is checked too: an anonymous visitor is sent to
the login page (the API answers 401), a user without a role gets 403, and each role gets 200 where
``ALLOWED`` lets it in and 403 elsewhere. Pages naming a dossier (or an object of a dossier) are
opened with the ids of a dossier in the user's scope, then with those of a dossier out of it:
that gives 404, whatever the role. The API's roles are read from each viewset
(``read_roles``), its objects from ``API_OBJECTS``.

A new page falls under its namespace's line of ``ALLOWED``; a new namespace, or a URL parameter
this file does not know, fails the test with a message saying what to add.
"""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from api.permissions import RolePermission

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "no_role", "controller", "manager", "dpo", "admin")
WORKSPACE = {"controller", "manager"}
READERS = WORKSPACE | {"dpo"}  # the DPO reads dossiers, never acts on them

# Who may open each page (a url name, else its namespace); everybody else gets 403.
ALLOWED: dict[str, set[str]] = {
    "journee": WORKSPACE,
    "courriers": WORKSPACE,
    "journee:dossier": READERS,
    "journee:debtor": READERS,
    "journee:plan_print": READERS,
    "journee:evidence_file": READERS,
    "journee:assign": {"manager"},
    "journee:accessories_waive": {"manager"},
    "journee:portfolio": {"manager"},
    # The day's letter batch holds every creditor's letters: managers prepare and print it.
    "courriers:batch_create": {"manager"},
    "courriers:batch_file": {"manager"},
    "imports": {"controller", "manager", "admin"},
    # Bank statements are imports; the « Rapprochement » queue is the workspace's.
    "releves": {"controller", "manager", "admin"},
    "rapprochement": WORKSPACE,
    # A statement covers the whole account: managers and administrators upload it.
    "releves:upload": {"manager", "admin"},
    # Go/No-Go: the list is the managers'; a dossier's page and its forms are the workspace's
    # (the decision itself, a POST, is refused to a controller: tests/escalade); the journal's
    # exports and the files it links to are for whoever reads the dossier.
    "escalade": {"manager"},
    "escalade:go_no_go": WORKSPACE,
    "escalade:solvency": WORKSPACE,
    "escalade:amicable_attempt": WORKSPACE,
    "escalade:court": WORKSPACE,
    "escalade:court_file": WORKSPACE,
    "escalade:timeline_csv": READERS,
    "escalade:bundle": READERS,
    "escalade:evidence": READERS,
    "escalade:message": READERS,
    "pilotage": {"manager"},
    # The runs of the daily cadence and the dry run of a coming day (issue #18): managers.
    "pilotage:cadence_runs": {"manager"},
    "pilotage:cadence_run": {"manager"},
    # The add_rate form, one click from the missing-rate banner (issue #22).
    "pilotage:rate_add": {"manager", "admin"},
    # Cadence experiments (issue #26): managers, on the creditors in their charge.
    "experiences": {"manager"},
    # The payment-probability score's page and the choice of counting it in the priority
    # (issue #26): managers.
    "pilotage:payment_model": {"manager"},
    "pilotage:payment_priority": {"manager"},
    # Managers read the GDPR space; the data subjects' rights are the DPO's alone.
    "rgpd": {"dpo", "manager"},
    # « Jetons d'API »: every role has its own tokens (a role's API rights, no more).
    "accounts:api_tokens": {"controller", "manager", "dpo", "admin"},
    "accounts:api_token_revoke": {"controller", "manager", "dpo", "admin"},
    **{
        name: {"dpo"}
        for name in [
            "rgpd:request_new",
            "rgpd:request_decide",
            "rgpd:restriction",
            "rgpd:rectify",
            "rgpd:rectify_contact",
            "rgpd:export_json",
            "rgpd:export_pdf",
        ]
    },
}
# Namespaces mounted for other issues, whose pages may not exist yet.
PLANNED_NAMESPACES = {"imports", "escalade", "pilotage", "rgpd"}
# Pages whose every answer is written out: role -> status (a str: redirected there).
SPECIAL: dict[str, dict[str, object]] = {
    "home": {"anonymous": "/connexion/", "no_role": 403, **dict.fromkeys(ROLES[2:], 302)},
    "login": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)},
    "logout": dict.fromkeys(ROLES, 405),  # POST only
    # The second factor's pages: a user with no device is sent to enrol (OTP optional here).
    "accounts:otp_verify": {"anonymous": "/connexion/", **dict.fromkeys(ROLES[1:], 302)},
    "accounts:otp_enrol": {"anonymous": "/connexion/", **dict.fromkeys(ROLES[1:], 200)},
    "accounts:otp_qr": {"anonymous": "/connexion/", **dict.fromkeys(ROLES[1:], 404)},
    # An admin's enrolment invitation: for the invited account only (here a wrong key: 404).
    "accounts:otp_invitation": {"anonymous": "/connexion/", **dict.fromkeys(ROLES[1:], 404)},
    # An admin's reset link (forgotten password, lost phone), opened without logging in: an
    # unknown key is not found, whoever asks (tests/accounts/test_access_reset.py).
    "accounts:access_reset": dict.fromkeys(ROLES, 404),
    "accounts:access_reset_qr": dict.fromkeys(ROLES, 404),
    "schema": {"anonymous": 401, **dict.fromkeys(ROLES[1:], 200)},
    "api-docs": {"anonymous": 401, **dict.fromkeys(ROLES[1:], 200)},
    "favicon": dict.fromkeys(ROLES, "/static/favicon"),  # the browsers' /favicon.ico
}
# The debtor's space (issue #23) answers to its personal link, not to a role: with an unknown
# link every one of its pages is the same neutral « not found », whoever asks.
PORTAL_NAMESPACE = "portail_web:"
PORTAL_UNKNOWN_LINK = dict.fromkeys(ROLES, 404)
POST_ONLY = {
    "accounts:api_token_revoke",
    "journee:portal_check",
    "courriers:approval_start",
    "courriers:batch_create",
    "courriers:sent_action",
    "experiences:end",
    "imports:upload",
    "imports:columns",
    "imports:confirm",
    "imports:facturx",
    "releves:upload",
    "rapprochement:confirm",
    "rapprochement:assign",
    "rapprochement:split",
    "rapprochement:ignore",
    "pilotage:payment_priority",
}
# What an allowed role gets on GET when it is not 200: a POST-only page answers 405 (after the
# role check, so a forbidden role still gets 403); a form living on another page, or an action
# that does not apply to the dossier's situation, sends there (302).
ALLOWED_STATUS: dict[str, object] = {
    **dict.fromkeys(POST_ONLY, 405),
    "escalade:solvency": "/journal/dossiers/",
    "escalade:amicable_attempt": "/journal/dossiers/",
    "rgpd:request_new": "/rgpd/debiteurs/",
    "rgpd:restriction": "/rgpd/debiteurs/",
}
# Query strings a page needs to answer (an export says what it exports).
QUERY = {"imports:export": "?what=creances&format=csv"}
# URL parameters naming an object of the dossier (values from the test world).
DOSSIER_PARAMS = {
    "pk",
    "plan_pk",
    "dispute_pk",
    "reminder_pk",
    "task_pk",
    "evidence_pk",
    "sent_pk",
    "contact_pk",
}
# URL parameters that are words, not ids.
WORDS = {
    "what": "pdf",
    "action": "ar",
    "key": "aging",
    "fmt": "csv",
    # A token of one's own, revoked by POST only; another's is a 404
    # (tests/accounts/test_api_tokens.py).
    "token_pk": 1,
    "token": "AAAAAAAAAAAAAAAAAAAAAA",  # a debtor's link (portail) that opens nothing
}
# Pages whose ``pk`` is not a dossier: url name -> the world's object key.
PK_IS = {
    "journee:debtor": "debtor",
    **dict.fromkeys(
        [
            "rgpd:debtor",
            "rgpd:request_new",
            "rgpd:restriction",
            "rgpd:rectify",
            "rgpd:rectify_contact",
            "rgpd:export_json",
            "rgpd:export_pdf",
        ],
        "debtor",
    ),
    "rgpd:certificate": "certificate",
    "rgpd:request_decide": "rights_request",
    **dict.fromkeys(
        ["imports:batch", "imports:progress", "imports:columns", "imports:confirm"],
        "import_batch:{user}",  # a batch is seen by the one who made it (and its managers)
    ),
    "releves:detail": "bank_statement:{user}",  # likewise a bank statement
}
# Other parameters naming something else than their usual object: (url name, parameter) -> key
# ("{user}": the object the requesting user made).
PARAM_IS = {
    ("escalade:message", "reminder_pk"): "sent_reminder",  # a message that went out
    ("courriers:batch_file", "batch_pk"): "letter_batch",
    ("courriers:approval_progress", "batch_pk"): "approval_batch:{user}",
    ("pilotage:cadence_run", "run_pk"): "cadence_run",  # a run of the cadence (every creditor)
    # An experiment on a creditor's cadence: in scope through its creditor.
    ("experiences:detail", "experiment_pk"): "experiment",
    ("experiences:end", "experiment_pk"): "experiment",
}
# Objects that belong to a dossier's scope (a debtor: through their dossiers).
SCOPED_OBJECTS = DOSSIER_PARAMS | {"debtor", "sent_reminder", "experiment"}
# API detail routes: basename -> the world's object key.
API_OBJECTS = {
    "creditor": "creditor",
    "debtor": "debtor",
    "dossier": "pk",
    "claim": "claim",
    "payment": "payment",
    "invoicestatusevent": "invoicestatusevent",
}


def site_patterns():
    """(full url name, route, parameter names) for every named pattern of the site."""

    def walk(patterns, route, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
                yield from walk(pattern.url_patterns, route + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                params = set(pattern.pattern.regex.groupindex)
                yield name, route + str(pattern.pattern), params

    seen = set()
    for name, route, params in walk(get_resolver().url_patterns, "", None):
        if "format" in params or name in seen:  # DRF's ".json" twins: same view
            continue
        seen.add(name)
        yield name, route, params


def _client(user, *, api: bool):
    client = APIClient() if api else __import__("django.test").test.Client()
    if user is not None:
        client.force_login(user)
    return client


def _rule(name: str) -> set[str]:
    if name in ALLOWED:
        return ALLOWED[name]
    namespace = name.rpartition(":")[0]
    assert namespace in ALLOWED, (
        f"« {name} » : ajoutez son espace de noms ou son nom à ALLOWED (qui peut l'ouvrir ?)"
    )
    return ALLOWED[namespace]


def _keys(name, params, user=None) -> dict:
    """Each URL parameter -> the world's object key naming it (or a word, for ``WORDS``)."""
    keys = {}
    for param in params:
        if param == "pk" and name in PK_IS:
            keys[param] = PK_IS[name].format(user=getattr(user, "username", ""))
        elif (name, param) in PARAM_IS:
            keys[param] = PARAM_IS[name, param].format(user=getattr(user, "username", ""))
        elif param in WORDS:
            keys[param] = None
        else:
            assert param in DOSSIER_PARAMS, (
                f"« {name} » : paramètre « {param} » inconnu, ajoutez-le à "
                "DOSSIER_PARAMS/PK_IS/PARAM_IS/WORDS"
            )
            keys[param] = param
    return keys


def _kwargs(name, params, objects, user=None) -> dict:
    return {
        param: WORDS[param] if key is None else objects[key]
        for param, key in _keys(name, params, user).items()
    }


def _names_a_dossier(name, params) -> bool:
    return any(key in SCOPED_OBJECTS for key in _keys(name, params).values())


def _check(response, expected, label):
    if isinstance(expected, str):
        assert response.status_code == 302, label
        assert response["Location"].startswith(expected), label
    elif isinstance(expected, set):
        assert response.status_code in expected, label
    else:
        assert response.status_code == expected, label


PAGES = [p for p in site_patterns() if not p[1].startswith(("admin/", "api/"))]
API = [p for p in site_patterns() if p[1].startswith("api/v1/")]
ADMIN = [p for p in site_patterns() if p[1].startswith("admin/")]


@pytest.mark.parametrize(("name", "route", "params"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_for_every_role(world, name, route, params):
    users = world.users
    for role in ROLES:
        client = _client(users[role], api=False)
        kwargs = _kwargs(name, params, world.mine.objects, users[role])
        url = reverse(name, kwargs=kwargs)
        response = client.get(url + QUERY.get(name, ""))
        label = f"{name} ({url}) pour {role} : {response.status_code}"
        if name.startswith(PORTAL_NAMESPACE):
            _check(response, PORTAL_UNKNOWN_LINK[role], label)
            if name != f"{PORTAL_NAMESPACE}entry":
                assert client.post(url).status_code == 404, label
        elif name in SPECIAL:
            _check(response, SPECIAL[name][role], label)
        elif role == "anonymous":
            _check(response, "/connexion/", label)
        elif role in _rule(name):
            _check(response, ALLOWED_STATUS.get(name, 200), label)
            if _names_a_dossier(name, params) and role not in ("dpo", "admin"):
                # The same page for a dossier out of scope (another controller's, another
                # manager's creditor): not found, the id guessed or not (a POST-only page:
                # posted to, and nothing done).
                other = reverse(
                    name, kwargs=_kwargs(name, params, world.theirs.objects, users[role])
                )
                send = client.post if name in POST_ONLY else client.get
                assert send(other).status_code == 404, f"{name} ({other}) pour {role}"
        else:
            _check(response, 403, label)


@pytest.mark.parametrize(("name", "route", "params"), API, ids=[p[0] for p in API])
def test_every_api_endpoint_for_every_role(world, name, route, params):
    from django.urls import resolve

    basename = name.rsplit("-", 1)[0]
    kwargs = {}
    if "pk" in params:
        kwargs["pk"] = world.mine.objects[API_OBJECTS[basename]]
    url = reverse(name, kwargs=kwargs)
    view = resolve(url).func
    read_roles = set(getattr(view.cls, "read_roles", RolePermission.default_read_roles))
    # A POST-only endpoint (bulk, Factur-X upload) answers GET with 405, after the role check.
    actions = getattr(view, "actions", None)
    readable = "get" in actions if actions is not None else hasattr(view.cls, "get")
    for role in ROLES:
        client = _client(world.users[role], api=True)
        response = client.get(url)
        label = f"{name} ({url}) pour {role} : {response.status_code}"
        if role == "anonymous":
            assert response.status_code == 401, label
        elif role in read_roles:
            assert response.status_code == (200 if readable else 405), label
            if kwargs and role in ("controller", "manager"):
                other = world.theirs.objects[API_OBJECTS[basename]]
                status = client.get(reverse(name, kwargs={"pk": other})).status_code
                # Creditors are companies: a controller may read any; a manager only theirs.
                expected = 200 if (basename, role) == ("creditor", "controller") else 404
                assert status == expected, f"{label}, hors périmètre : {status}"
        else:
            assert response.status_code == 403, label


def test_admin_screens_send_anonymous_and_roleless_users_to_log_in(world):
    roleless = _client(world.users["no_role"], api=False)
    anonymous = _client(None, api=False)
    checked = 0
    for name, _route, params in ADMIN:
        if name in ("admin:login", "admin:logout"):
            continue
        kwargs = {p: ("dossiers" if p == "app_label" else "1") for p in params}
        try:
            url = reverse(name, kwargs=kwargs)
        except NoReverseMatch:  # simple-history's screens take positional ids
            url = reverse(name, args=["1", "1"])
        for client in (anonymous, roleless):
            response = client.get(url)
            assert response.status_code == 302, f"{name} ({url}) : {response.status_code}"
            assert response["Location"].startswith("/admin/login/"), name
        checked += 1
    assert checked > 50  # every model's screens were walked


def test_the_table_names_only_pages_that_exist():
    names = {name for name, _route, _params in site_patterns()}
    namespaces = {name.rpartition(":")[0] for name in names}
    for key in [
        *ALLOWED,
        *SPECIAL,
        *ALLOWED_STATUS,
        *PK_IS,
        *QUERY,
        *POST_ONLY,
        *(n for n, _ in PARAM_IS),
    ]:
        assert key in names or key in namespaces or key in PLANNED_NAMESPACES, key
