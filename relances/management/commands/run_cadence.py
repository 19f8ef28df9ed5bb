"""python manage.py run_cadence [--date YYYY-MM-DD] [--dry-run]"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from relances import services
from relances.models import CadenceRun

ACTIONS = {
    "fire": "étapes déclenchées",
    "wait": "en attente (espacement ou étape à venir)",
    "go_no_go": "passés en Go/No-Go",
    "promise": "promesses vérifiées",
    "plan": "échéanciers vérifiés",
    "none": "sans action",
    "already_done": "déjà traités par une autre exécution",
    "error": "en erreur",
}


class Command(BaseCommand):
    help = (
        "Exécute la cadence de relance du jour (idempotent : une seconde exécution ne crée rien)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="Date de la cadence (AAAA-MM-JJ), aujourd'hui par défaut."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche ce qui serait fait sans rien écrire."
        )

    def handle(self, *args, **options):
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    f"Date invalide « {options['date']} » : format attendu AAAA-MM-JJ."
                ) from exc
        report = services.run_cadence(
            on=day, dry_run=options["dry_run"], trigger=CadenceRun.Trigger.COMMAND
        )
        verb = "serait créée(s)" if report.dry_run else "créée(s)"
        title = "Simulation de la cadence" if report.dry_run else "Cadence"
        self.stdout.write(f"{title} du {report.on:%d/%m/%Y}")
        for line in report.lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Dossiers examinés : {report.examined}")
        for action, count in sorted(report.counts.items()):
            self.stdout.write(f"  {ACTIONS.get(action, action)} : {count}")
        self.stdout.write(f"Nouvelles relances {verb} : {report.reminders}")
        self.stdout.write(f"Dont rattrapages : {report.caught_up}")
