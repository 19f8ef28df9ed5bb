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
