#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on loopback for the test suite (start them if they are
# stopped, install them from Debian if they are missing) and that Debian's Chromium is there for
# the browser tests. Idempotent and quiet when all is well.
set -euo pipefail
PY=${1:-.venv/bin/python}
PG_URL=${PG_URL:-postgresql://postgres:postgres@127.0.0.1:5432/postgres}
REDIS_HOST=127.0.0.1
REDIS_PORT=6379

apt_install() {
    if [ -z "${APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        export APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

pg_answers() {
    "$PY" - "$PG_URL" <<'PYEOF' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PYEOF
}

pg_listening() {
    "$PY" -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 2).close()' 2>/dev/null
}

wait_for() {  # wait_for <seconds> <command...>
    local limit=$1; shift
    for _ in $(seq "$limit"); do "$@" && return 0; sleep 1; done
    return 1
}

# --- PostgreSQL ---
if ! pg_listening; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        echo "PostgreSQL absent : installation depuis Debian…"
        apt_install postgresql
    fi
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "Démarrage de PostgreSQL $version…"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for 30 pg_listening || { echo "PostgreSQL ne répond pas sur 127.0.0.1:5432" >&2; exit 1; }
fi
if ! pg_answers; then
    # Debian's default asks for a password over TCP: give the postgres role the test one.
    runuser -u postgres -- psql -q -c "ALTER USER postgres PASSWORD 'postgres'"
    wait_for 10 pg_answers || { echo "Connexion à PostgreSQL impossible ($PG_URL)" >&2; exit 1; }
fi

# --- The application's role (journal/roles.py): owns no table, appends only to the evidence.
# Created once per cluster; each test database grants it its rights after migrate
# (DATABASE_APP_ROLE), and tests/journal/test_roles.py runs the attempts as it.
APP_ROLE=${DATABASE_APP_ROLE:-recouvrement_app}
"$PY" - "$PG_URL" "$APP_ROLE" <<'PYEOF'
import sys, psycopg
from psycopg import sql
url, role = sys.argv[1], sys.argv[2]
with psycopg.connect(url, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
        try:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
                    sql.Identifier(role)
                )
            )
        except psycopg.errors.DuplicateObject:
            pass  # created meanwhile by another run
PYEOF

# --- Redis ---
redis_answers() {
    "$PY" -c "import redis; redis.Redis(host='$REDIS_HOST', port=$REDIS_PORT, socket_timeout=2).ping()" 2>/dev/null
}
if ! redis_answers; then
    if ! command -v redis-server >/dev/null 2>&1; then
        echo "Redis absent : installation depuis Debian…"
        apt_install redis-server
    fi
    echo "Démarrage de Redis…"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/recouvrement-test.log
    wait_for 15 redis_answers || { echo "Redis ne répond pas sur 127.0.0.1:6379" >&2; exit 1; }
fi
# --- Chromium, for the browser tests (Playwright drives Debian's build, never its own) ---
if [ ! -x /usr/bin/chromium ]; then
    echo "Chromium absent : installation depuis Debian…"
    apt_install chromium
fi
echo "PostgreSQL, Redis et Chromium prêts."
