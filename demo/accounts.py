"""The security part of the demo: the manager's portfolio and one creditor's open pool."""

from django.contrib.auth import get_user_model

from accounts import roles
from dossiers.models import Creditor


def portfolios(*, seeder) -> list[str]:
    managers = list(get_user_model().objects.filter(groups__name=roles.MANAGER))
    creditors = list(Creditor.objects.order_by("pk"))
    for creditor in creditors:
        creditor.managers.add(*managers)
    if creditors:
        pool = creditors[0]
        pool.unassigned_pool_open = True
        pool._change_reason = "démonstration : dossiers non attribués ouverts aux chargés"
        pool.save(update_fields=["unassigned_pool_open"])
    return [
        f"Portefeuilles : {len(managers)} responsable(s) sur {len(creditors)} créancier(s) ; "
        f"dossiers non attribués ouverts aux chargés pour {creditors[0] if creditors else '—'}."
    ]


def api_access(*, seeder) -> list[str]:
    """An API token of ``controleur`` (the key printed once, as the « Jetons d'API » page shows
    it), an enrolment invitation for ``responsable`` and a reset link for ``dpo`` (forgotten
    password or lost phone): the links an admin would hand over."""
    from django.urls import reverse

    from accounts import tokens
    from accounts.models import EnrolmentInvitation

    users = get_user_model().objects
    controller = users.filter(username="controleur").first()
    manager = users.filter(username="responsable").first()
    admin = users.filter(username="admin").first()
    dpo = users.filter(username="dpo").first()
    lines = []
    if controller is not None:
        issued = tokens.token_issue(user=controller, name="ERP de démonstration", days=90)
        lines.append(
            f"Jeton d'API de controleur (« ERP de démonstration », 90 jours ; page « Jetons "
            f"d'API ») : {issued.key}"
        )
    if manager is not None:
        invitation = tokens.invitation_issue(user=manager, actor=admin)
        link = reverse("accounts:otp_invitation", args=[invitation.key])
        lines.append(f"Lien d'enrôlement du second facteur de responsable (72 h) : {link}")
    if dpo is not None:
        reset = tokens.invitation_issue(
            user=dpo, actor=admin, purpose=EnrolmentInvitation.Purpose.RESET
        )
        link = reverse("accounts:access_reset", args=[reset.key])
        lines.append(
            "Lien de réinitialisation de dpo (mot de passe oublié ou téléphone perdu, 72 h, "
            f"sans connexion ; change son mot de passe) : {link}"
        )
    return lines
