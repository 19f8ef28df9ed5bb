"""Add a reference rate: a half-year of legal interest rate, or a value of the ECB rate.

    python manage.py add_rate legal --half-year 2026-S2 --consumer 6,50 --other 2,40 \\
        --source "arrêté du 16/06/2026, JORF du 24/06/2026"
    python manage.py add_rate ecb --from 2026-07-01 --rate 2,15 \\
        --source "BCE, taux en vigueur au 01/07/2026"
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dossiers import services
from dossiers.models import Verification


class Command(BaseCommand):
    help = (
        "Ajoute un taux de référence : taux de l'intérêt légal d'un semestre (legal) ou taux de "
        "refinancement de la BCE à partir d'une date (ecb)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="legal ou ecb")
        parser.add_argument("--half-year", help="Semestre, par exemple 2026-S2 (legal).")
        parser.add_argument("--consumer", help="Taux créancier particulier en %% (legal).")
        parser.add_argument("--other", help="Taux autres cas en %% (legal).")
        parser.add_argument("--from", dest="effective_from", help="Date AAAA-MM-JJ (ecb).")
        parser.add_argument("--rate", help="Taux des opérations principales en %% (ecb).")
        parser.add_argument("--source", default="", help="Source : arrêté, JORF, BCE…")
        parser.add_argument(
            "--verified",
            default=Verification.OFFICIAL,
            help=f"Vérification de la source : {', '.join(Verification.values)} (official).",
        )
        parser.add_argument("--reason", default="", help="Motif inscrit à l'historique.")

    def handle(self, *args, **options):
        try:
            if options["kind"] not in ("legal", "ecb"):
                raise ValidationError(
                    f"Type de taux « {options['kind']} » inconnu : legal (intérêt légal) ou ecb "
                    "(taux BCE)."
                )
            if options["kind"] == "legal":
                row = self._legal(options)
                self.stdout.write(
                    f"Taux de l'intérêt légal du {row.half_year.label} enregistré : "
                    f"{row.consumer_creditor_percent} % (créancier particulier), "
                    f"{row.other_creditor_percent} % (autres cas)."
                )
            else:
                row = self._ecb(options)
                self.stdout.write(
                    f"Taux BCE de {row.rate_percent} % enregistré à partir du "
                    f"{row.effective_from:%d/%m/%Y}."
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def _require(self, options, *names):
        missing = [f"--{name.replace('_', '-')}" for name in names if not options.get(name)]
        if missing:
            raise ValidationError(f"Option(s) manquante(s) : {', '.join(missing)}.")

    def _legal(self, options):
        self._require(options, "half_year", "consumer", "other", "source")
        return services.legal_rate_add(
            half_year=services.parse_half_year(options["half_year"]),
            consumer_creditor_percent=options["consumer"],
            other_creditor_percent=options["other"],
            source=options["source"],
            verified=options["verified"],
            actor=None,
            reason=options["reason"] or "ajout du taux de l'intérêt légal (add_rate)",
        )

    def _ecb(self, options):
        if not options.get("effective_from"):
            raise ValidationError("Option(s) manquante(s) : --from.")
        self._require(options, "rate", "source")
        try:
            effective_from = date.fromisoformat(options["effective_from"])
        except ValueError:
            raise ValidationError(
                f"Date « {options['effective_from']} » invalide : écrivez AAAA-MM-JJ "
                "(par exemple 2026-07-01)."
            ) from None
        return services.ecb_rate_add(
            effective_from=effective_from,
            rate_percent=options["rate"],
            source=options["source"],
            verified=options["verified"],
            actor=None,
            reason=options["reason"] or "ajout du taux BCE (add_rate)",
        )
