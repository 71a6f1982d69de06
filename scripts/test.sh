#!/usr/bin/env bash
# Run the suite on SQLite, then the database-dependent tests again on a throw-away PostgreSQL
# database (CAREHUB_TEST_PG, default postgresql://postgres@127.0.0.1:5432/test as the admin DB).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_ADMIN_URL=${CAREHUB_TEST_PG:-postgresql://postgres@127.0.0.1:5432/test}

echo "== lint"
$BIN/ruff check .
$BIN/ruff format --check .

echo "== tests on SQLite (two processes: each has its own throw-away database file)"
$BIN/pytest -q -p no:cacheprovider -n "${CAREHUB_TEST_PROCESSES:-2}" "$@"

echo "== tests on PostgreSQL"
if ! $BIN/python scripts/pgdb.py ping "$PG_ADMIN_URL"; then
  if [ "${CI:-}" = "true" ] && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    sleep 2
  fi
fi
DB_URL=$($BIN/python scripts/pgdb.py create "$PG_ADMIN_URL")
trap '$BIN/python scripts/pgdb.py drop "$PG_ADMIN_URL" "$DB_URL" || true' EXIT
# two processes again, each on its own copy of the database (tests/conftest.py: database_url)
CAREHUB_TEST_DATABASE_URL="$DB_URL" $BIN/pytest -q -p no:cacheprovider -m "not e2e" \
  -n "${CAREHUB_TEST_PROCESSES:-2}" --ignore=tests/scheduler "$@"
