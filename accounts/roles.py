"""The four roles of the product, as Django groups, with their French labels and landing pages.

The group names are stable codes; people only ever see the labels.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

CONTROLLER = "controller"
MANAGER = "manager"
DPO = "dpo"
ADMIN = "admin"

LABELS = {
    CONTROLLER: "Chargé(e) de recouvrement",
    MANAGER: "Responsable recouvrement",
    DPO: "Délégué(e) à la protection des données",
    ADMIN: "Administrateur",
}
ALL = tuple(LABELS)
# For « Cet espace est réservé aux … » (the access decorator's refusal page).
PLURAL_LABELS = {
    CONTROLLER: "chargé(e)s de recouvrement",
    MANAGER: "responsables recouvrement",
    DPO: "délégué(e)s à la protection des données",
    ADMIN: "administrateurs",
}
# The workspace (« Ma journée », letters, Go/No-Go): who acts, and who may also read.
WORKSPACE = (CONTROLLER, MANAGER)
READERS = (*WORKSPACE, DPO)


# What each role may do, as "app_label.codename" model permissions. The data migrations call
# ``sync_group_permissions`` so that the groups hold exactly these.
def _perms(app_label: str, actions: str, models: str) -> list[str]:
    return [f"{app_label}.{a}_{m}" for a in actions.split() for m in models.split()]


_DOSSIER_MODELS = (
    "creditor debtor debtorcontact dossier claim payment paymentallocation evidence "
    "promise paymentplan installment dispute task prescriptionevent"
)
_RATE_MODELS = "legalinterestrate ecbrate"
_POLICY_MODELS = "cadencepolicy cadencestep creditorcadence debtorcadenceoverride"
_CADENCE_MODELS = f"{_POLICY_MODELS} reminder calllog dossierhold"
# The journal is read-only in the admin (decisions are made on the Go/No-Go page).
_GO_NO_GO_MODELS = "escalationdecision solvencyanalysis amicableresolutionattempt"
_READ_ALL = (
    _perms("dossiers", "view", _DOSSIER_MODELS)
    + _perms("dossiers", "view", _RATE_MODELS)
    + _perms("relances", "view", _CADENCE_MODELS)
)
PERMISSIONS = {
    CONTROLLER: [
        *_READ_ALL,
        *_perms("dossiers", "add change", "debtor debtorcontact"),
        *_perms("dossiers", "add", "claim payment evidence prescriptionevent"),
    ],
    MANAGER: [
        *_READ_ALL,
        *_perms("dossiers", "change", "dossier"),
        *_perms("dossiers", "add", "payment"),
        *_perms("relances", "add change", "cadencepolicy cadencestep creditorcadence"),
        *_perms("relances", "add change delete", "debtorcadenceoverride"),
        *_perms("pilotage", "view change", "costsettings"),
        *_perms("rgpd", "view", "rightsrequest purgecertificate"),
        *_perms("journal", "view", "chainlink"),
        *_perms("escalade", "view", _GO_NO_GO_MODELS),
    ],
    DPO: [
        *_perms("dossiers", "view", "creditor debtor debtorcontact dossier"),
        *_perms("dossiers", "change", "debtor"),
        # GDPR: the DPO reads every dossier (never changes claims) and handles the requests.
        *_perms("dossiers", "view", _DOSSIER_MODELS),
        *_perms("dossiers", "change", "debtorcontact"),
        *_perms("rgpd", "view add change", "rightsrequest"),
        *_perms("rgpd", "view", "purgecertificate"),
    ],
    ADMIN: [
        *_READ_ALL,
        *_perms("dossiers", "add change delete", "creditor debtorcontact"),
        *_perms("dossiers", "add change", "debtor"),
        *_perms("dossiers", "change", "dossier"),
        *_perms("dossiers", "add", "claim payment evidence prescriptionevent"),
        *_perms("dossiers", "add change", _RATE_MODELS),
        *_perms("relances", "add change delete", _POLICY_MODELS),
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "auth.view_group",
        # API tokens: list and revoke anyone's (never issue one: the owner does, with their
        # second factor); invite a user to enrol their first device.
        *_perms("accounts", "view change", "apitoken"),
        *_perms("accounts", "view add", "enrolmentinvitation"),
        *_perms("journal", "view", "chainlink"),
        *_perms("escalade", "view", _GO_NO_GO_MODELS),
        # Accounts: reset a lost second factor, read the login records, unlock.
        *_perms("otp_totp", "view delete", "totpdevice"),
        *_perms("axes", "view delete", "accessattempt"),
        *_perms("axes", "view", "accesslog accessfailurelog"),
    ],
}
# Letters and messages: everyone in the workspace reads what went out; admins edit templates
# and the creditors' sending settings (a used template is never edited: a new version is made).
_LETTER_MODELS = "messagetemplate creditormessaging sentmessage letterbatch"
for _role in (CONTROLLER, MANAGER, ADMIN):
    PERMISSIONS[_role] += _perms("courriers", "view", _LETTER_MODELS)
PERMISSIONS[ADMIN] += _perms("courriers", "add change", "messagetemplate creditormessaging")


def sync_group_permissions(apps, *, using: str = "default") -> None:
    """Create the role groups and give each exactly its permissions. ``apps``: a migration's
    historical registry (its permissions are created first), or the live one after a
    ``migrate`` (``accounts.apps``: Django has created every permission by then)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    if apps is not global_apps:
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, verbosity=0, using=using)
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for code, wanted in PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=code)
        perms = []
        for item in wanted:
            app_label, codename = item.split(".")
            perms += Permission.objects.using(using).filter(
                content_type__app_label=app_label, codename=codename
            )
        group.permissions.set(perms)


def roles_of(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """The role codes a user holds (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_codes", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ALL).values_list("name", flat=True))
        if user.is_superuser:
            cached.add(ADMIN)
        user._role_codes = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def primary_role(user) -> str | None:
    """The role whose landing page a user gets: the most powerful one they hold."""
    held = roles_of(user)
    for role in (ADMIN, MANAGER, DPO, CONTROLLER):
        if role in held:
            return role
    return None


def user_or_none(actor):
    """The user to record as the author of a row (``created_by``, history user...): a saved user,
    else None (the daily run, a task or an anonymous visitor leave the column empty)."""
    return actor if getattr(actor, "pk", None) else None
