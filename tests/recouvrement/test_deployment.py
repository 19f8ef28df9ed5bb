"""Deployment guards: production settings refuse to start without secrets, pass Django's
deployment checklist, and every model change has its migration."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "recouvrement.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-for-the-check-0123456789-abcdefghij",
    "JOURNAL_CHAIN_KEY": "another-long-random-secret-for-the-journal-digests-0123456789",
    "ALLOWED_HOSTS": "recouvrement.example.fr",
    "DATABASE_URL": "sqlite:////tmp/recouvrement-deploy-check.sqlite3",
    "EMAIL_URL": "smtp://mail.example.fr:587",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def _manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DEBUG"}
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "JOURNAL_CHAIN_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "EMAIL_URL"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_every_model_change_has_its_migration():
    result = _manage(
        "makemigrations",
        "--check",
        "--dry-run",
        env={"DATABASE_URL": "sqlite:////tmp/recouvrement-migrations-check.sqlite3"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_roles_migration_names_the_migrations_it_follows():
    """accounts.0001_roles depended on every app's « __latest__ »: any new migration of those
    apps became a dependency of a migration already applied, and every existing database (the
    demo's, production's) refused to migrate (InconsistentMigrationHistory)."""
    roles_migration = importlib.import_module("accounts.migrations.0001_roles")
    for app, name in roles_migration.Migration.dependencies:
        assert name != "__latest__", app


def test_one_list_of_debian_packages_feeds_the_bootstrap_and_the_image():
    """The Dockerfile and scripts/bootstrap.sh each named the packages the product needs (the
    image once lacked the letters' font): both now read scripts/debian-packages.txt."""
    listed = ROOT / "scripts" / "debian-packages.txt"
    packages = [
        line.split("#")[0].strip()
        for line in listed.read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    assert {"libpango-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"} <= set(packages)
    for reader in ("Dockerfile", "scripts/bootstrap.sh"):
        text = (ROOT / reader).read_text()
        assert "debian-packages.txt" in text, reader
        for package in packages:
            assert package not in text, f"{reader} nomme encore {package}"
