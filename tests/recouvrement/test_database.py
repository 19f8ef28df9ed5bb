"""The application's PostgreSQL connections run without the JIT compiler."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_application_connections_run_without_jit():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (the demo's SQLite has no JIT)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
