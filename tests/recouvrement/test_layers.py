"""The layers contract (pyproject.toml, ``[tool.importlinter]``): each app imports only the apps
below it. ``make lint`` and ``make test`` run it; these tests show it holds, and that it fails
on a forbidden import."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the venv's own lint-imports, fixed arguments
        [str(LINT), "--no-cache", "--config", str(where / "pyproject.toml")],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_project(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "migrations", "*.pyc")
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    for path in ROOT.iterdir():
        if path.is_dir() and (path / "__init__.py").exists() and path.name != "tests":
            shutil.copytree(path, target / path.name, ignore=ignore)


def test_the_project_keeps_its_layers():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_lower_app_importing_a_higher_one_breaks_the_contract(tmp_path):
    _copy_project(tmp_path)
    legal = tmp_path / "legal" / "interest.py"
    legal.write_text(legal.read_text() + "\nfrom dossiers.models import Claim  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "legal is not allowed to import dossiers" in result.stdout
