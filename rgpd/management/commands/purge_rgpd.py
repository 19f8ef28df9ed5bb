"""``python manage.py purge_rgpd --operateur IDENTIFIANT [--date AAAA-MM-JJ] [--dry-run]``: the
GDPR purge by hand. The certificate names the operator (a DPO or an administrator); only the
beat task runs as « tâche planifiée »."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.roles import ADMIN, DPO, has_role
from rgpd.services import purge_run


class Command(BaseCommand):
    help = "Anonymise les débiteurs dont tous les dossiers ont passé leur date de purge (RGPD)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="date de référence AAAA-MM-JJ (défaut : aujourd'hui)")
        parser.add_argument("--dry-run", action="store_true", help="liste sans rien modifier")
        parser.add_argument(
            "--operateur",
            help="identifiant du ou de la DPO (ou d'un administrateur) qui lance la purge, "
            "nommé(e) sur le certificat ; obligatoire hors simulation",
        )

    def handle(self, *args, **options):
        try:
            on = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("Date invalide : attendu AAAA-MM-JJ.") from exc
        operator = self._operator(options["operateur"], required=not options["dry_run"])
        report = purge_run(on, actor=operator, dry_run=options["dry_run"])
        if report.dry_run:
            self.stdout.write(f"Simulation au {on:%d/%m/%Y} : rien n'est modifié.")
            if report.undated:
                self.stdout.write(
                    f"  {report.undated} dossier(s) clos sans date de purge : elle sera calculée "
                    "au lancement réel, qui peut donc en purger davantage."
                )
            for debtor_id, references in report.preview:
                self.stdout.write(f"  débiteur n° {debtor_id} : {', '.join(references)}")
        else:
            self.stdout.write(f"Purge au {on:%d/%m/%Y} : certificat n° {report.certificate.pk}.")
        for label, count in report.counts.items():
            if count:
                self.stdout.write(f"  {label} : {count} ligne(s)")
        verb = "seraient" if report.dry_run else "ont été"
        self.stdout.write(
            f"{report.debtors} débiteur(s), {report.dossiers} dossier(s) ; "
            f"{report.live_rows} ligne(s) courantes et {report.history_rows} ligne(s) "
            f"d'historique {verb} anonymisées ; {report.files_deleted} fichier(s) supprimé(s)."
        )

    def _operator(self, username: str | None, *, required: bool):
        if not username:
            if required:
                raise CommandError(
                    "Indiquez qui lance la purge : --operateur <identifiant> (un ou une DPO, "
                    "ou un administrateur) ; le certificat le nomme."
                )
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not has_role(user, DPO, ADMIN):
            raise CommandError(
                f"« {username} » n'est pas un compte actif de DPO ou d'administrateur."
            )
        return user
