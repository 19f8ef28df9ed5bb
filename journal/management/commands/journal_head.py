"""Write today's chain-head file: ``python manage.py journal_head [--date YYYY-MM-DD]``."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from journal.heads import write_head


class Command(BaseCommand):
    help = "Scelle le journal et écrit le fichier daté de la tête de chaîne (hors base)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="date du fichier, AAAA-MM-JJ (défaut : aujourd'hui)")

    def handle(self, *args, date=None, **options):
        on = None
        if date:
            try:
                on = _parse(date)
            except ValueError as exc:
                raise CommandError("Date invalide : attendu AAAA-MM-JJ.") from exc
        path = write_head(on)
        self.stdout.write(self.style.SUCCESS(f"Tête de chaîne écrite : {path}"))


def _parse(text: str):
    return date.fromisoformat(text)
