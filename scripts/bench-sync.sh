#!/usr/bin/env bash
# Sync benchmarks against SQLite and a throwaway PostgreSQL (release build), with the previous
# release's server measured in the same run as the baseline for push and pull.
# DAURIA_BASELINE_REV picks that release (a git revision); DAURIA_BASELINE_SERVER=path skips
# building it; DAURIA_BASELINE_SERVER= (empty) leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p dauria-server -p dauria-system-tests --bins
if [ -z "${DAURIA_BASELINE_SERVER+set}" ]; then
  rev=${DAURIA_BASELINE_REV:-8d1eef2}
  src=target/baseline/$rev/src
  bin=target/baseline/$rev/target/release/dauria-server
  if [ ! -x "$bin" ]; then
    echo "Building the baseline server ($rev) once; it is kept in target/baseline/"
    rm -rf "$src" && mkdir -p "$src"
    git archive "$rev" | tar -x -C "$src"
    cargo build --release -q --manifest-path "$src/Cargo.toml" -p dauria-server \
      --target-dir "target/baseline/$rev/target"
  fi
  export DAURIA_BASELINE_SERVER=$PWD/$bin
fi
source scripts/pg-lib.sh
pg_start
trap pg_stop EXIT
export DAURIA_TEST_PG_URL
./target/release/sync-bench
