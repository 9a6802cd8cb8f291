# Throwaway PostgreSQL helpers (sourced). Sets DAURIA_TEST_PG_URL and DAURIA_TEST_PG_CA.
# The server accepts TLS (ssl=on) with a certificate from a throwaway CA, and plain TCP.

# Makes a CA and a server certificate for localhost/127.0.0.1 in folder $1.
pg_make_certs() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=Dauria throwaway test CA" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 3 -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null
  chmod 600 "$d/server.key"
}
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
  pg_make_certs "$PG_DIR/tls"
  if [ ${#run[@]} -gt 0 ]; then chown -R postgres "$PG_DIR/tls"; fi
  "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=on -c ssl=on -c ssl_cert_file=$PG_DIR/tls/server.crt -c ssl_key_file=$PG_DIR/tls/server.key" start >/dev/null
  PG_RUN=("${run[@]}")
  DAURIA_TEST_PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  # The root that issued the server's certificate, for sslmode=verify-full tests.
  DAURIA_TEST_PG_CA="$PG_DIR/tls/ca.crt"
  echo "PostgreSQL started on port $PG_PORT ($PG_DIR)"
}

pg_stop() {
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
