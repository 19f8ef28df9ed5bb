"""Check an evidence bundle: ``python manage.py bundle_verify FILE``."""

from django.core.management.base import BaseCommand, CommandError

from escalade.bundle import verify_bundle


class Command(BaseCommand):
    help = "Vérifie un dossier de preuves (ZIP) : empreintes, manifeste et tête de chaîne."

    def add_arguments(self, parser):
        parser.add_argument("file", help="chemin de l'archive ZIP")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as handle:
                check = verify_bundle(handle)
        except OSError as exc:
            raise CommandError(f"Impossible de lire {file} : {exc}") from exc
        for note in check.notes:
            self.stdout.write(note)
        if not check.ok:
            for error in check.errors:
                self.stderr.write(f"ÉCHEC : {error}")
            raise CommandError(
                f"Dossier de preuves non conforme ({len(check.errors)} anomalie(s)).",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Dossier de preuves conforme : {check.files} fichier(s) vérifié(s)."
            )
        )
