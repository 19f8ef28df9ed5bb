"""python manage.py state_graph [--write]: the dossier state machine as a Mermaid diagram."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from dossiers import state_graph

TARGET = Path(settings.BASE_DIR) / "docs" / "state-machine.md"


class Command(BaseCommand):
    help = "Dessine le cycle de vie d'un dossier à partir du code (diagramme Mermaid)."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"Écrit {TARGET}.")

    def handle(self, *args, **options):
        text = state_graph.document()
        if options["write"]:
            TARGET.write_text(text, encoding="utf-8")
            self.stdout.write(f"Écrit : {TARGET}")
        else:
            self.stdout.write(text)
