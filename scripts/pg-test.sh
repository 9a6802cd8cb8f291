#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on a free port in a temp folder, runs the server-store
# conformance suite, the PostgreSQL sync system tests and the adversarial suite (which runs
# each scenario on SQLite and on PostgreSQL) against it, and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PG_BIN" ]; then
  echo "PostgreSQL is not installed; run scripts/setup.sh test" >&2
  exit 1
fi
source scripts/pg-lib.sh
pg_start
trap pg_stop EXIT
export DAURIA_TEST_PG_URL DAURIA_TEST_PG_CA DAURIA_REQUIRE_PG=1
# --workspace with a filter, so the build is the one `make rust-test` made (a package subset
# would resolve features differently and compile everything again).
cargo nextest run --workspace --no-fail-fast -E 'test(postgres) | binary(adversarial)'
