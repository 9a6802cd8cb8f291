#!/usr/bin/env bash
# Sync benchmarks against SQLite and a throwaway PostgreSQL (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p dauria-server -p dauria-system-tests --bins
source scripts/pg-lib.sh
pg_start
trap pg_stop EXIT
export DAURIA_TEST_PG_URL
./target/release/sync-bench
