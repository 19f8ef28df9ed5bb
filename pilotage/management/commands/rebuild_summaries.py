"""``manage.py rebuild_summaries``: compute the dashboard's summary tables again from the
claims (``pilotage.summaries``). The triggers keep them in every write's transaction; this
is for a restore, a repair, or a check (``--check``: say whether they differ, change nothing)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pilotage import summaries


class Command(BaseCommand):
    help = "Recalcule les tables de synthèse du tableau de bord à partir des factures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Vérifie seulement que les tables tenues à jour égalent un recalcul.",
        )

    def handle(self, *args, check=False, **options):
        if check:
            with transaction.atomic():
                kept = summaries.rows()
                summaries.rebuild()
                same = kept == summaries.rows()
                transaction.set_rollback(True)
            if not same:
                raise CommandError("Les tables de synthèse diffèrent d'un recalcul.")
            self.stdout.write("Tables de synthèse conformes à un recalcul.")
            return
        count = summaries.rebuild()
        self.stdout.write(f"Tables de synthèse recalculées : {count} ligne(s).")
