#!/usr/bin/env bash
# End-to-end tests of the real app: builds the UI and the debug app, then runs WebdriverIO
# against it through tauri-driver and WebKitWebDriver under Xvfb with a D-Bus session.
# The sync spec starts a dauria-server and uses dauria-cli as a second laptop.
# Screenshots go to target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
npm --prefix ui run build
# The whole workspace, as `make rust-test` builds it: building a subset of packages resolves
# dependency features differently and would compile the app's dependencies a second time.
cargo build --workspace --bins
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --version "^2" --locked
fi
if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund)
fi
mkdir -p target/screenshots
cd tests/e2e
# Extra arguments go to wdio (`scripts/e2e.sh --spec specs/sync.e2e.mjs` runs one spec).
exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x860x24" npx wdio run wdio.conf.mjs "$@"
