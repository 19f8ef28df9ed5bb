"""``manage.py score_dossiers [--train] [--date AAAA-MM-JJ]``: what the beat tasks do, by hand."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from scoring import services
from scoring.models import ScoreModel


class Command(BaseCommand):
    help = "Calcule la probabilité de paiement des dossiers ouverts (--train : réentraîne d'abord)."

    def add_arguments(self, parser):
        parser.add_argument("--train", action="store_true", help="réentraîner le modèle d'abord")
        parser.add_argument("--date", help="jour de référence AAAA-MM-JJ (par défaut aujourd'hui)")

    def handle(self, *args, **options):
        day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        if options["train"]:
            model = services.train(as_of=day, trigger=ScoreModel.Trigger.COMMAND)
            self.stdout.write(
                f"Modèle v{model.version} : {model.training_size} exemples, "
                f"{model.seconds} s. {model.verdict}"
            )
        count = services.score(on=day)
        self.stdout.write(f"{count} dossiers notés le {day:%d/%m/%Y}.")
