"""``python manage.py import_statements [folder]``: the drop folder of bank statements.

Every file in the folder (``settings.STATEMENT_DROP_DIR`` by default) is imported and matched
as from the browser, by no person (the journal says « dépôt automatique »); a file imported
goes to ``traites/``, a refused one to ``erreurs/`` beside a ``.txt`` holding its French errors.
Safe to run again: a file already imported creates nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from imports.statements.parsers.common import MAX_BYTES
from imports.statements.services import statement_import


class Command(BaseCommand):
    help = "Importe les relevés bancaires déposés dans un dossier (camt, CFONB 120, MT940)."

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", nargs="?", default=getattr(settings, "STATEMENT_DROP_DIR", "")
        )

    def handle(self, *args, folder: str, **options):
        if not folder:
            raise CommandError("Indiquez le dossier de dépôt (ou STATEMENT_DROP_DIR).")
        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"Dossier de dépôt introuvable : {root}")
        done, failed = root / "traites", root / "erreurs"
        for path in sorted(p for p in root.iterdir() if p.is_file()):
            if path.stat().st_size > MAX_BYTES:
                self._refuse(path, failed, ["Fichier trop volumineux."])
                continue
            try:
                result = statement_import(
                    content=path.read_bytes(), name=path.name, actor=None, source="drop"
                )
            except ValidationError as exc:
                self._refuse(path, failed, exc.messages)
                continue
            done.mkdir(exist_ok=True)
            path.replace(done / path.name)
            summary = result.statement.summary if result.created else {}
            self.stdout.write(
                f"{path.name} : "
                + (
                    f"{summary.get('posted', 0)} enregistré(s), "
                    f"{summary.get('proposed', 0)} proposé(s), "
                    f"{summary.get('unmatched', 0)} non rapproché(s)"
                    if result.created
                    else "déjà importé, rien de nouveau"
                )
            )

    def _refuse(self, path: Path, failed: Path, messages: list[str]) -> None:
        failed.mkdir(exist_ok=True)
        path.replace(failed / path.name)
        (failed / f"{path.name}.txt").write_text("\n".join(messages) + "\n", encoding="utf-8")
        self.stderr.write(f"{path.name} refusé : {messages[0]}")
