import pytest

from tests.factories import UserFactory
from tests.fixtures.app_role import act_as_the_application

# Fixtures shared by several apps' tests (the cadence walk, a Go/No-Go file, the browser).
pytest_plugins = [
    "tests.fixtures.cadence",
    "tests.fixtures.gonogo",
    "tests.fixtures.browser",
    "tests.fixtures.statements",
    "tests.fixtures.pki",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The owner creates and migrates the test database; the tests then run as the
    application's role when ``DATABASE_APP_ROLE`` is set (tests/fixtures/app_role.py)."""
    yield from act_as_the_application(django_db_blocker)


@pytest.fixture
def controller(db):
    return UserFactory(username="controleur", role="controller")


@pytest.fixture
def manager(db):
    return UserFactory(username="responsable", role="manager")


@pytest.fixture
def dpo(db):
    return UserFactory(username="dpo", role="dpo")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="administrateur", role="admin")


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    return (
        f"base de données : {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or db['NAME']}; "
        f"broker Celery : {settings.CELERY_BROKER_URL}"
    )


@pytest.fixture(autouse=True)
def _journal_head_dir(settings, tmp_path_factory):
    """Chain-head files of a test go to a temporary directory, never to the project's."""
    settings.JOURNAL_HEAD_DIR = tmp_path_factory.mktemp("journal-heads")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory):
    """Stored documents (evidence, sent letters, batches) go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
