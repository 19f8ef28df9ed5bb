"""Gather the letters not yet printed into today's batch (PDF + CSV manifest).

python manage.py letters_batch [--date YYYY-MM-DD]
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from courriers import delivery


class Command(BaseCommand):
    help = "Prépare le lot des courriers à imprimer (PDF unique et bordereau CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None)

    def handle(self, *args, date=None, **options):
        try:
            batch = delivery.letter_batch_create(actor=None, day=date)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{batch} : {batch.pdf.path}\nBordereau : {batch.manifest.path}")
