"""Verify the journal's hash chain: ``python manage.py journal_verify [--dossier REF]``."""

from django.core.management.base import BaseCommand, CommandError

from journal import chain, verification


class Command(BaseCommand):
    help = "Scelle les lignes d'historique nouvelles puis vérifie la chaîne d'empreintes."

    def add_arguments(self, parser):
        parser.add_argument("--dossier", help="référence du dossier (sinon : toutes les chaînes)")
        parser.add_argument("--creditor", help="SIREN du créancier, si la référence est ambiguë")
        parser.add_argument(
            "--no-seal", action="store_true", help="ne pas sceller les lignes nouvelles avant"
        )

    def handle(self, *args, dossier=None, creditor=None, no_seal=False, **options):
        target = None
        if dossier:
            found = chain.dossier_model().objects.filter(reference=dossier)
            if creditor:
                found = found.filter(creditor__siren=creditor)
            matches = list(found[:2])
            if not matches:
                raise CommandError(f"Dossier « {dossier} » introuvable.")
            if len(matches) > 1:
                raise CommandError(
                    f"Plusieurs dossiers portent la référence « {dossier} » : précisez --creditor."
                )
            target = matches[0]
        result = verification.verify(target, seal_first=not no_seal)
        if result.sealed_now:
            self.stdout.write(f"{result.sealed_now} ligne(s) d'historique scellée(s).")
        if not result.ok:
            first = result.first_bad
            for problem in result.problems:
                self.stderr.write(f"ÉCHEC : {problem}")
            raise CommandError(f"Journal altéré : première ligne en défaut : {first}", returncode=1)
        if result.foreign_head_files:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.foreign_head_files} fichier(s) de tête d'un autre journal (base "
                    "recréée ?) mis de côté : archivez-les ailleurs s'ils ne servent plus."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Journal intègre : {result.checked} maillon(s) vérifié(s) sur "
                f"{result.chains} chaîne(s), {result.head_files_checked} fichier(s) de tête"
                + (
                    f", dont {result.timestamps_checked} horodaté(s) (RFC 3161)."
                    if result.timestamps_checked
                    else "."
                )
            )
        )
