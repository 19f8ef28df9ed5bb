"""The load test's team: controllers sharing the demo's dossiers, managers over every creditor.

Run after ``seed_demo`` on the load database only (``make load`` does both).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import roles
from dossiers.models import Creditor, Dossier


class Command(BaseCommand):
    help = "Crée l'équipe du test de charge (chargés et responsables) et lui répartit les dossiers."

    def add_arguments(self, parser):
        parser.add_argument("--controllers", type=int, default=40)
        parser.add_argument("--managers", type=int, default=10)
        parser.add_argument("--password", default="charge-de-test-2026")
        parser.add_argument(
            "--force", action="store_true", help="Accepter de s'exécuter avec DEBUG désactivé."
        )

    def handle(self, *args, controllers, managers, password, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Réservé aux bases de test (ajoutez --force en connaissance).")
        users = get_user_model()
        groups = {g.name: g for g in Group.objects.filter(name__in=roles.ALL)}
        team = {roles.CONTROLLER: [], roles.MANAGER: []}
        with transaction.atomic():
            for role, count, prefix in (
                (roles.CONTROLLER, controllers, "charge"),
                (roles.MANAGER, managers, "responsable"),
            ):
                for n in range(1, count + 1):
                    user, _ = users.objects.get_or_create(
                        username=f"{prefix}{n:02d}", defaults={"is_staff": True}
                    )
                    user.set_password(password)
                    user.save()
                    user.groups.add(groups[role])
                    team[role].append(user)
            for creditor in Creditor.objects.all():
                creditor.managers.add(*team[roles.MANAGER])
            ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))
            people = team[roles.CONTROLLER]
            for index, controller in enumerate(people):
                # Direct update: a load fixture, not a business event to journal.
                Dossier.objects.filter(pk__in=ids[index :: len(people)]).update(
                    assigned_to=controller
                )
        self.stdout.write(
            f"{controllers} chargés (charge01…), {managers} responsables (responsable01…), "
            f"{len(ids)} dossiers répartis ; mot de passe : {password}"
        )
