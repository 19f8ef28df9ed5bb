"""Create the application's database role and give it least privilege:
``python manage.py journal_roles --role recouvrement_app [--password-env VAR]``.

Run as the tables' owner (the role ``migrate`` runs as). See ``journal/roles.py``."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from journal import roles, triggers


class Command(BaseCommand):
    help = (
        "Crée le rôle PostgreSQL de l'application (propriétaire d'aucune table) et lui donne "
        "les seuls droits utiles : historiques et journal en ajout seul."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", help="rôle de l'application (défaut : DATABASE_APP_ROLE)")
        parser.add_argument(
            "--password-env", help="variable d'environnement portant son mot de passe"
        )

    def handle(self, *args, role=None, password_env=None, **options):
        from django.conf import settings

        if connection.vendor != "postgresql":
            raise CommandError(
                "Les rôles ne s'appliquent qu'à PostgreSQL "
                "(SQLite : aucun rôle, aucun déclencheur)."
            )
        role = role or settings.DATABASE_APP_ROLE
        if not role:
            raise CommandError("Indiquez --role ou DATABASE_APP_ROLE.")
        password = os.environ.get(password_env) if password_env else None
        roles.create_role(connection, role, password=password)
        triggers.install(connection)
        counts = roles.grant(connection, role)
        owned = roles.owned_tables(connection, role)
        if owned:
            raise CommandError(f"Le rôle {role} possède des tables : {', '.join(owned)}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Rôle {role} : {counts['tables']} table(s), dont {counts['append_only']} en "
                "ajout seul (SELECT, INSERT) ; porte de la purge : journal_anonymise()."
            )
        )
