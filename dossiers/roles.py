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

# What each role may do on the dossiers app's models (Django model permissions).
# Codenames are "<action>_<model>"; the data migration grants exactly these.
_READ_ALL = [
    f"view_{m}"
    for m in (
        "creditor",
        "debtor",
        "debtorcontact",
        "dossier",
        "claim",
        "payment",
        "paymentallocation",
        "evidence",
    )
]
PERMISSIONS = {
    CONTROLLER: [
        *_READ_ALL,
        "add_debtor",
        "change_debtor",
        "add_debtorcontact",
        "change_debtorcontact",
        "add_claim",
        "add_payment",
        "add_evidence",
    ],
    MANAGER: [*_READ_ALL, "change_dossier", "add_payment"],
    DPO: ["view_creditor", "view_debtor", "view_debtorcontact", "view_dossier", "change_debtor"],
    ADMIN: [
        *_READ_ALL,
        "add_creditor",
        "change_creditor",
        "delete_creditor",
        "add_debtor",
        "change_debtor",
        "add_debtorcontact",
        "change_debtorcontact",
        "delete_debtorcontact",
        "change_dossier",
        "add_claim",
        "add_payment",
        "add_evidence",
    ],
}
ADMIN_EXTRA_PERMISSIONS = [
    ("auth", "add_user"),
    ("auth", "change_user"),
    ("auth", "view_user"),
    ("auth", "view_group"),
    ("authtoken", "add_token"),
    ("authtoken", "view_token"),
    ("authtoken", "delete_token"),
]


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
