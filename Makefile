# Dauria Field. `make run` and `make test` install what is missing, then build and run / test.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: run test setup-app setup-test ui check rust-test pg-test e2e bench package server clean

run: setup-app ui
	$(CARGO) build -p dauria
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found: starting the app under a virtual display (xvfb-run)."; \
	  echo "On a desktop, run 'make run' from a graphical session to see the window."; \
	  dbus-run-session -- xvfb-run -a ./target/debug/dauria; \
	else ./target/debug/dauria; fi

setup-app:
	scripts/setup.sh app

setup-test:
	scripts/setup.sh test

ui:
	npm --prefix ui run build

# Everything CI checks, in order of speed.
test: setup-test ui check rust-test pg-test e2e

check:
	$(CARGO) fmt --all --check
	npm --prefix ui run check
	node ui/scripts/check-bundle.mjs
	npm --prefix ui run test
	$(CARGO) clippy --workspace --all-targets -- -D warnings

rust-test:
	$(CARGO) build --workspace --bins
	$(CARGO) nextest run --workspace --no-fail-fast

pg-test:
	scripts/pg-test.sh

e2e:
	scripts/e2e.sh

bench: setup-app ui
	$(CARGO) run --release -p dauria-bench --
	scripts/bench-sync.sh
	scripts/bench-app.sh

package: setup-app ui
	npx --prefix ui tauri build --bundles deb

server:
	$(CARGO) run --release -p dauria-server -- serve

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules
