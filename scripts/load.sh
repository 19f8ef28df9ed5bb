#!/usr/bin/env bash
# make load: 50 users on loopback against gunicorn and PostgreSQL (database rec_load, seeded).
# Prints locust's table, then « PAGES DE TRAVAIL : … p50 … p95 … erreurs ».
set -euo pipefail
BIN=${BIN:-.venv/bin}
export DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/rec_load}
# gunicorn keeps its database connections, as production does (CONN_MAX_AGE=60).
SERVE_DATABASE_URL="$DATABASE_URL?conn_max_age=60"
export DEBUG=false CELERY_BROKER_URL= CELERY_TASK_ALWAYS_EAGER=true
export DJANGO_SETTINGS_MODULE=recouvrement.settings.local
PORT=${LOAD_PORT:-8765}
USERS=${LOAD_USERS:-50}
DURATION=${LOAD_DURATION:-170s}
DOSSIERS=${LOAD_DOSSIERS:-400}
WORKERS=${LOAD_WORKERS:-4}
db=${DATABASE_URL##*/}
server=${DATABASE_URL%/*}/postgres

if [ "${LOAD_RESEED:-0}" = 1 ] || ! "$BIN/python" manage.py shell -c \
    "from dossiers.models import Dossier; import sys; sys.exit(0 if Dossier.objects.exists() else 1)" \
    >/dev/null 2>&1; then
  echo "== base $db : création et données (seed_demo --dossiers $DOSSIERS, seed_load)"
  "$BIN/python" - "$server" "$db" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}"')
    conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
  "$BIN/python" manage.py migrate -v0
  "$BIN/python" manage.py seed_demo --dossiers "$DOSSIERS" --force >/dev/null
fi
"$BIN/python" manage.py seed_load --force
# Planner statistics for the freshly written rows, as autovacuum keeps them in production
# (without them PostgreSQL picks nested loops over thousands of rows: 0,6 s dashboards).
"$BIN/python" - "$DATABASE_URL" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute("VACUUM ANALYZE")
PY

"$BIN/gunicorn" recouvrement.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --env DJANGO_SETTINGS_MODULE=recouvrement.settings.local --env "DATABASE_URL=$SERVE_DATABASE_URL" \
  --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/connexion/" >/dev/null && break; sleep 0.2; done

echo "== charge de la machine avant le test : $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cœurs)"
status=0
"$BIN/locust" -f loadtest/locustfile.py --headless --only-summary -u "$USERS" -r 1 \
  -t "$DURATION" --host "http://127.0.0.1:$PORT" --stop-timeout 5 || status=$?
echo "== charge de la machine après le test : $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU time the application itself used (gunicorn's workers), whatever else runs on the machine.
echo "== temps CPU des workers gunicorn : $(ps --ppid "$GUNICORN" -o times= | awk '{s+=$1} END {print s}') s"
exit $status
