"""schemathesis against ``/api/schema/``, in-process through the WSGI application: whatever the
generated request, the API never answers with a server error (bounded number of examples)."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts import tokens
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_token(admin_user):
    ClaimFactory()  # something to read, so that ids and filters meet real rows
    return tokens.token_issue(user=admin_user, name="schemathesis", days=1).key


@pytest.fixture
def api_schema(client, api_token):
    """The schema as served, and the WSGI application answering in the test's transaction
    (as Django's test client does, the handler must not close the connection after a request)."""
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {api_token}")
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = get_wsgi_application()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schema
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_never_answers_with_a_server_error(case, api_token):
    response = case.call(headers={"Authorization": f"Token {api_token}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
