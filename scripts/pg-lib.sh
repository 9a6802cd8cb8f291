# Throwaway PostgreSQL helpers (sourced). Sets DAURIA_TEST_PG_URL.
pg_start() {
  PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
  PG_DIR=$(mktemp -d /tmp/dauria-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
  "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
  PG_RUN=("${run[@]}")
  DAURIA_TEST_PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "PostgreSQL started on port $PG_PORT ($PG_DIR)"
}

pg_stop() {
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
