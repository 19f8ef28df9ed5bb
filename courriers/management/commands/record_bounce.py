"""Record a bounce or a delivery failure reported for an e-mail (by its Message-ID).

python manage.py record_bounce "<...@recouvrement.local>" "550 boîte inconnue"
"""

from django.core.management.base import BaseCommand, CommandError

from courriers import delivery


class Command(BaseCommand):
    help = "Enregistre le rejet d'un e-mail (Message-ID) : la relance passe en échec."

    def add_arguments(self, parser):
        parser.add_argument("message_id")
        parser.add_argument("error")

    def handle(self, *args, message_id: str, error: str, **options):
        sent = delivery.message_bounced(message_id=message_id.strip(), error=error.strip())
        if sent is None:
            raise CommandError(f"Aucun envoi avec le Message-ID {message_id}.")
        self.stdout.write(f"Envoi n° {sent.pk} ({sent.dossier.reference}) : non distribué.")
