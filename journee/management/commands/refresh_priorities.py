"""``manage.py refresh_priorities``: re-score every open dossier (« Ma journée »'s order).

The beat does it every day (``journee.refresh_priorities``); run it by hand after a migration
that adds the stored priority, or after a change of the score's tables."""

from django.core.management.base import BaseCommand

from journee import priority


class Command(BaseCommand):
    help = "Recalcule la priorité de chaque dossier actif (ordre de « Ma journée »)."

    def handle(self, *args, **options):
        changed = priority.refresh_all()
        self.stdout.write(f"Priorités recalculées : {changed} dossier(s) modifié(s).")
