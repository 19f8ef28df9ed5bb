"""``python manage.py seed_demo``: fill an empty database with the French demo data and one
login per role; each domain then adds its part of the demo, in an explicit order."""

import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts import roles
from demo import (
    accessories,
    accounts,
    courriers,
    escalade,
    experiences,
    imports,
    outbox,
    pilotage,
    portail,
    relances,
    rgpd,
    scoring,
    statements,
)
from demo.clock import DemoClock
from demo.seeder import DEMO_PASSWORD, DEMO_USERS, DemoSeeder, Tally, plural
from journee import priority

DEMO_PARTS = (
    # Before the walk: the experiments start on their day of the agenda (issue #26).
    experiences.plan_experiments,
    relances.walk_the_cadence,
    courriers.letters_demo,
    escalade.go_no_go_files,
    accessories.accessories_demo,
    rgpd.seed_gdpr,
    pilotage.seed_dashboards,
    imports.import_from_accounting,
    statements.bank_statements,
    accounts.portfolios,
    accounts.api_access,
    portail.portal_links,
    experiences.end_finished,
    scoring.payment_scores,
)


def sqlite_for_a_seed() -> None:
    """The demo's SQLite file (``make demo``): a write-ahead log (the server then reads while a
    write is under way) and no wait for the disk at each commit but at checkpoints — a demo
    database made again by one command, not a ledger (PostgreSQL keeps its own settings)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages, not 2


class Command(BaseCommand):
    help = "Crée des données de démonstration (créanciers, débiteurs, dossiers, utilisateurs)."
    # The system checks (~1 s of CPU) ran with the ``migrate`` that precedes the seed.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, default=40, help="Nombre de dossiers.")
        parser.add_argument("--seed", type=int, default=2026, help="Graine du tirage aléatoire.")
        parser.add_argument(
            "--force", action="store_true", help="Accepter de s'exécuter avec DEBUG désactivé."
        )

    extra_lines: list[str]

    def handle(self, *args, dossiers: int, seed: int, force: bool, **options):
        self.extra_lines = []
        if not settings.DEBUG and not force:
            raise CommandError(
                "Commande réservée à la démonstration : DEBUG est désactivé. "
                "Ajoutez --force si cette base est bien une base de démonstration."
            )
        if dossiers < 1:
            raise CommandError("Indiquez au moins un dossier (--dossiers).")
        user_model = get_user_model()
        if user_model.objects.filter(username=DEMO_USERS[0][0]).exists():
            self.stdout.write(
                self.style.WARNING("Données de démonstration déjà présentes : rien n'a été créé.")
            )
            self.logins()
            return
        groups = {group.name: group for group in Group.objects.filter(name__in=roles.ALL)}
        if len(groups) < len(roles.ALL):
            raise CommandError("Groupes de rôles absents : lancez d'abord « manage.py migrate ».")

        sqlite_for_a_seed()
        # No log of the SQL queries (``DEBUG``'s ``connection.queries``): nothing reads it, and
        # on SQLite each logged query costs a second one to quote its parameters — about
        # 18,000 of the default seed's 44,000 queries.
        with override_settings(DEBUG=False):
            self.seed_all(dossiers=dossiers, seed=seed, groups=groups)
        self.report(self.tally)

    def seed_all(self, *, dossiers: int, seed: int, groups: dict) -> None:
        # The history is played under the demo's moving clock (demo.clock): every row is dated
        # the day it stands for; the real time is back before the commit. « Ma journée »'s
        # stored priority is written once at the end (nothing reads it before).
        clock = DemoClock()
        with clock.running(), transaction.atomic():
            with priority.deferred():
                self.seed(clock, dossiers=dossiers, seed=seed, groups=groups)
            clock.real()
        # After the commit (and the deliveries it queued): a channel down, relative to the
        # real time, so that the alert and the next attempt hold when a visitor logs in.
        with clock.running():
            self.extra_lines += outbox.outage_demo(seeder=self.seeder)

    def seed(self, clock: DemoClock, *, dossiers: int, seed: int, groups: dict) -> None:
        """The users, the seeder's records and agenda, then each domain's part."""
        user_model = get_user_model()
        today = timezone.localdate()
        users = {}
        # One hash for the four users: PBKDF2 costs most of a second each time.
        password_hash = make_password(DEMO_PASSWORD)
        for username, role, first_name, last_name in DEMO_USERS:
            user = user_model.objects.create_user(
                username=username,
                email=f"{username}@example.fr",
                first_name=first_name,
                last_name=last_name,
                is_staff=True,
            )
            user.password = password_hash
            user.save(update_fields=["password"])
            user.groups.add(groups[role])
            users[role] = user
        seeder = DemoSeeder(
            rng=random.Random(seed),
            today=today,
            actor=users[roles.ADMIN],
            controller=users[roles.CONTROLLER],
            clock=clock,
        )
        self.seeder, self.tally = seeder, seeder.run(dossiers)
        # Each domain adds its part, in this order: each part builds on the ones before it
        # (letters need the reminders of the cadence's walk, Go/No-Go their notices...).
        for part in DEMO_PARTS:
            clock.at(today, 10)
            self.extra_lines += part(seeder=seeder) or []
        clock.at(today, 10)

    def report(self, tally: Tally) -> None:
        who = DEMO_USERS[0][0]
        rows = [
            ("Créanciers", str(tally.creditors)),
            ("Débiteurs", str(tally.debtors)),
            ("Dossiers", f"{tally.dossiers} (dont {plural(tally.assigned, 'affecté')} à {who})"),
            ("Factures", f"{tally.claims} (dont {plural(tally.cancelled, 'annulée')})"),
            ("Paiements", f"{tally.payments} (dont {plural(tally.credit_notes, 'avoir')})"),
            ("Pièces", str(tally.evidence)),
        ]
        self.stdout.write(self.style.SUCCESS("Données de démonstration créées :"))
        for label, value in rows:
            self.stdout.write(f"  {label:<12} {value}")
        for line in self.extra_lines:
            self.stdout.write(f"  {line}")
        self.stdout.write("")
        self.logins()

    def logins(self) -> None:
        self.stdout.write("Identifiants de connexion :")
        width = max(len(label) for label in roles.LABELS.values())
        self.stdout.write(f"  {'Identifiant':<13} {'Rôle':<{width}}  Mot de passe")
        for username, role, _, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<13} {roles.LABELS[role]:<{width}}  {DEMO_PASSWORD}")
