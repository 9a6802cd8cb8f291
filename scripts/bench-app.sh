#!/usr/bin/env bash
# Desktop app benchmarks on a store of ROWS observations: cold start to the home screen
# interactive (median of RUNS under Xvfb), Ctrl+Enter to the sighting shown in the list (every
# run), memory (PSS of the app and its WebKit processes) after scrolling the whole list, memory
# of a fresh run with the map showing every sighting clustered, and the size of the release .deb.
# Each figure comes with a baseline measured in the same run: the same release binary opening
# the same store and then an empty page (start-up, memory), and a bare IPC round trip
# (save-to-list).
# Usage: scripts/bench-app.sh   (RUNS=5 ROWS=1000000 by default)
# BENCH_STORE=DIR keeps the generated store in DIR and copies it from there on the next run
# (it must hold ROWS observations); BENCH_KEEP=FILE keeps the driver's raw figures (JSON).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
ROWS=${ROWS:-1000000}
APP=$PWD/target/release/dauria

# BENCH_SKIP_BUILD=1 measures the binaries already in target/release.
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  npm --prefix ui run build
  npx --prefix ui tauri build --bundles deb
  cargo build --release -p dauria-cli
fi
if ! command -v tauri-driver >/dev/null 2>&1; then cargo install tauri-driver --version "^2" --locked; fi
if [ ! -d tests/e2e/node_modules ]; then (cd tests/e2e && npm ci --no-audit --no-fund); fi

# WebKitGTK composites with OpenGL; on a machine without a GPU that is Mesa's software
# rasteriser, where every frame of a scrolled list costs well over 100 ms and the web process
# holds the layers' textures, so the figures would measure the rasteriser. The app and the empty
# window are both measured painting without compositing, unless the variable is already set
# (WEBKIT_DISABLE_COMPOSITING_MODE=0 measures with it).
export WEBKIT_DISABLE_COMPOSITING_MODE=${WEBKIT_DISABLE_COMPOSITING_MODE:-1}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

if [ -n "${BENCH_STORE:-}" ] && [ -f "$BENCH_STORE/dauria.sqlite3" ]; then
  echo "Copying the store of $ROWS observations from $BENCH_STORE..."
  cp -a "$BENCH_STORE" "$work/big"
else
echo "Making a store of $ROWS observations..."
python3 - "$work/big.csv" "$ROWS" <<'PY'
import csv, random, sys
from datetime import datetime, timedelta, timezone
random.seed(7)
names = [r["scientific_name"] for r in csv.DictReader(open("data/dauria_checklist.csv"))]
t0 = datetime(2024, 5, 1, tzinfo=timezone(timedelta(hours=8)))
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["taxon", "count", "lat", "lon", "observed_at", "observers", "notes"])
    for i in range(int(sys.argv[2])):
        w.writerow([names[i % len(names)], 1 + i % 9, round(48.5 + random.random() * 2, 5),
                    round(115 + random.random() * 3, 5),
                    (t0 + timedelta(minutes=i)).isoformat(), "bench", ""])
PY
target/release/dauria-cli --data-dir "$work/big" init >/dev/null
target/release/dauria-cli --data-dir "$work/big" import observations "$work/big.csv" >/dev/null
rm -f "$work/big.csv"
if [ -n "${BENCH_STORE:-}" ]; then rm -rf "$BENCH_STORE"; cp -a "$work/big" "$BENCH_STORE"; fi
fi

# Start-up on the big store: the app prints ready_ms (process start to first screen
# interactive) and exits. The empty window opens the same store, then an empty page.
start_ms() { # [baseline]
  local env=(DAURIA_EXIT_WHEN_READY=1)
  [ "${1:-}" = baseline ] && env+=(DAURIA_BASELINE=1)
  env "${env[@]}" timeout 120 dbus-run-session -- xvfb-run -a "$APP" --data-dir "$work/big" 2>/dev/null |
    sed -n 's/^ready_ms=//p'
}

echo "Start-up: $RUNS runs each of the app and of the empty window, alternately..."
start_ms >/dev/null # the first run of a store read from the import: the page cache warms
start_ms baseline >/dev/null
: >"$work/app.txt"; : >"$work/base.txt"
for _ in $(seq "$RUNS"); do
  start_ms >>"$work/app.txt"
  start_ms baseline >>"$work/base.txt"
done
start_app=$(median <"$work/app.txt")
start_base=$(median <"$work/base.txt")

# Memory of the empty window, measured like the app's: PSS of the process and its children,
# the same pause after the page is interactive as after each step of the app's drive.
pss_tree_mib() {
  local pids=("$1") i=0
  while [ $i -lt ${#pids[@]} ]; do
    for c in $(ps -o pid= --ppid "${pids[$i]}" 2>/dev/null); do pids+=("$c"); done
    i=$((i + 1))
  done
  for p in "${pids[@]}"; do sed -n 's/^Pss: *\([0-9]*\) kB/\1/p' "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '{s+=$1} END {printf "%.1f", s/1024}'
}
echo "Memory of the empty window (3 runs)..."
: >"$work/pss_base.txt"
for _ in 1 2 3; do
  : >"$work/base.log"
  DAURIA_BASELINE=1 dbus-run-session -- xvfb-run -a -s "-screen 0 1280x860x24" "$APP" --data-dir "$work/big" 2>"$work/base.log" &
  runner=$!
  for _ in $(seq 600); do grep -q "window interactive" "$work/base.log" && break; sleep 0.1; done
  pid=$(pgrep -f -- "^$APP --data-dir $work/big$" | head -1)
  sleep 2
  pss_tree_mib "$pid" >>"$work/pss_base.txt"; echo >>"$work/pss_base.txt"
  kill "$pid"; wait "$runner" || true
done
pss_base=$(grep . "$work/pss_base.txt" | median)

echo "Driving the app on the big store (save, the whole list, the map)..."
# tauri-driver listens on the end-to-end tests' port: one of them at a time (scripts/e2e.sh).
(cd tests/e2e && DAURIA_APP="$APP" DAURIA_BENCH_DATA="$work/big" BENCH_OUT="$work/bench.json" BENCH_ROWS="$ROWS" \
  flock /tmp/dauria-e2e.lock dbus-run-session -- xvfb-run -a -s "-screen 0 1280x860x24" npx wdio run bench.conf.mjs >"$work/wdio.log" 2>&1) ||
  { tail -50 "$work/wdio.log"; exit 1; }
[ -n "${BENCH_KEEP:-}" ] && cp "$work/bench.json" "$BENCH_KEEP"

deb=$(ls -t target/release/bundle/deb/*.deb | head -1)
deb_mib=$(awk -v b="$(stat -c %s "$deb")" 'BEGIN {printf "%.1f", b/1048576}')

python3 - "$work/bench.json" "$start_app" "$start_base" "$pss_base" "$deb_mib" "$RUNS" "$work/app.txt" "$work/base.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
start_app, start_base, pss_base, deb, runs = map(float, sys.argv[2:7])
starts_app = [float(x) for x in open(sys.argv[7]).read().split()]
starts_base = [float(x) for x in open(sys.argv[8]).read().split()]
saves = r["save_to_list_all_ms"]
slowest = max(saves)
scroll_over = r["pss_after_scroll_mib"] - pss_base
map_over = r["pss_map_mib"] - pss_base
n = r["total_rows"]
rows = [
    (f"cold start to home interactive (median of {int(runs)})", f"{start_app:.0f} ms", f"{start_base:.0f} ms empty window", f"{start_app / start_base:.2f}x", "<= 1.15x", start_app / start_base <= 1.15),
    ("Ctrl+Enter to sighting in list (median of 5)", f"{r['save_to_list_ms']:.1f} ms", f"{r['ipc_ms']:.2f} ms IPC round trip", f"{r['save_to_list_ms'] / r['ipc_ms']:.0f}x", "-", None),
    ("Ctrl+Enter to sighting in list (slowest of 5)", f"{slowest:.1f} ms", f"{r['ipc_ms']:.2f} ms IPC round trip", f"{slowest / r['ipc_ms']:.0f}x", "<= 20 ms", slowest <= 20),
    (f"PSS after scrolling {r['scroll']['loaded']:,} of {n:,} rows", f"{r['pss_after_scroll_mib']:.0f} MiB", f"{pss_base:.0f} MiB empty window", f"{scroll_over:+.0f} MiB", "<= +64 MiB", scroll_over <= 64 and r['scroll']['loaded'] >= n),
    (f"PSS with the map on all {r['map']['sightings']:,} sightings", f"{r['pss_map_mib']:.0f} MiB", f"{pss_base:.0f} MiB empty window", f"{map_over:+.0f} MiB", "<= +128 MiB", map_over <= 128),
    ("release .deb", f"{deb:.1f} MiB", "-", "-", "<= 15 MB", deb * 1.048576 <= 15),
]
print()
print(f"{'measure':<52} {'result':>10}  {'baseline (same run)':<26} {'vs base':>8}  {'goal':<11} met")
for what, res, base, rel, goal, met in rows:
    print(f"{what:<52} {res:>10}  {base:<26} {rel:>8}  {goal:<11} {'-' if met is None else 'yes' if met else 'NO'}")
print(f"\nstart-up runs: app {', '.join('%.0f' % x for x in starts_app)} ms; empty window {', '.join('%.0f' % x for x in starts_base)} ms")
print(f"save-to-list runs: {', '.join('%.1f' % x for x in saves)} ms")
s = r["scroll"]
print(f"scrolling: {s['loaded']:,} rows loaded in {s['ms']/1000:.1f} s ({s['jumps']:,} jumps to the end; {s['loaded_after']:,} rows known once back up), {s['rows_in_dom']} rows in the DOM at the end")
print(f"map: ready {r['map_ready_ms']/1000:.1f} s after it was opened, {r['map']['clusters']} markers in view; a fresh run on the home screen {r['pss_home_mib']:.0f} MiB")
each = lambda ps: ", ".join(f"{n} {m}" for n, m in ps)
print(f"PSS by process (MiB): after scrolling {each(r['pss_processes'])}; fresh run on home {each(r['pss_home_processes'])}; map {each(r['pss_map_processes'])}")
PY
