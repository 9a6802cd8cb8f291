#!/usr/bin/env bash
# Desktop app benchmarks: cold start to the home screen interactive (median of RUNS under Xvfb),
# Ctrl+Enter to the sighting shown in the list, memory (PSS of the app and its WebKit processes)
# after scrolling a list of ROWS observations, and the size of the release .deb.
# Each figure comes with a baseline measured in the same run: the same release binary opening
# an empty page (start-up, memory) and a bare IPC round trip (save-to-list).
# Usage: scripts/bench-app.sh   (RUNS=5 ROWS=1000000 by default)
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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Start-up: the app prints ready_ms (process start to first screen interactive) and exits.
start_ms() { # data-dir [baseline]
  local env=(DAURIA_EXIT_WHEN_READY=1)
  [ "${2:-}" = baseline ] && env+=(DAURIA_BASELINE=1)
  env "${env[@]}" timeout 120 dbus-run-session -- xvfb-run -a "$APP" --data-dir "$1" 2>/dev/null |
    sed -n 's/^ready_ms=//p'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "Start-up: $RUNS runs each of the app and of the empty window..."
start_ms "$work/start" >/dev/null # first start creates and seeds the store
: >"$work/app.txt"; : >"$work/base.txt"
for _ in $(seq "$RUNS"); do
  start_ms "$work/start" >>"$work/app.txt"
  start_ms "$work/start" baseline >>"$work/base.txt"
done
start_app=$(median <"$work/app.txt")
start_base=$(median <"$work/base.txt")

# Memory of the empty window, measured like the app's: PSS of the process and its children.
pss_tree_mib() {
  local pids=("$1") i=0
  while [ $i -lt ${#pids[@]} ]; do
    for c in $(ps -o pid= --ppid "${pids[$i]}" 2>/dev/null); do pids+=("$c"); done
    i=$((i + 1))
  done
  for p in "${pids[@]}"; do sed -n 's/^Pss: *\([0-9]*\) kB/\1/p' "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '{s+=$1} END {printf "%.1f", s/1024}'
}
echo "Memory of the empty window..."
DAURIA_BASELINE=1 dbus-run-session -- xvfb-run -a "$APP" --data-dir "$work/start" 2>"$work/base.log" &
runner=$!
for _ in $(seq 600); do grep -q "window interactive" "$work/base.log" && break; sleep 0.1; done
pid=$(pgrep -f -- "^$APP --data-dir $work/start$" | head -1)
sleep 2 # let the empty page settle, as the app settles while the benchmark drives it
pss_base=$(pss_tree_mib "$pid")
kill "$pid"; wait "$runner" || true

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

echo "Driving the app on the big store..."
(cd tests/e2e && DAURIA_APP="$APP" DAURIA_BENCH_DATA="$work/big" BENCH_OUT="$work/bench.json" \
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x860x24" npx wdio run bench.conf.mjs >"$work/wdio.log" 2>&1) ||
  { tail -50 "$work/wdio.log"; exit 1; }

deb=$(ls -t target/release/bundle/deb/*.deb | head -1)
deb_mib=$(awk -v b="$(stat -c %s "$deb")" 'BEGIN {printf "%.1f", b/1048576}')

python3 - "$work/bench.json" "$start_app" "$start_base" "$pss_base" "$deb_mib" "$RUNS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
start_app, start_base, pss_base, deb, runs = map(float, sys.argv[2:7])
rows = [
    (f"cold start to home interactive (median of {int(runs)})", f"{start_app:.0f} ms", f"{start_base:.0f} ms empty window", start_app / start_base, "<= 1000 ms", start_app <= 1000),
    ("Ctrl+Enter to sighting in list (median of 5)", f"{r['save_to_list_ms']:.1f} ms", f"{r['ipc_ms']:.2f} ms IPC round trip", r['save_to_list_ms'] / r['ipc_ms'], "<= 50 ms", r['save_to_list_ms'] <= 50),
    (f"PSS after scrolling {r['scroll']['loaded']:,} of {r['total_rows']:,} rows", f"{r['pss_after_scroll_mib']:.0f} MiB", f"{pss_base:.0f} MiB empty window", r['pss_after_scroll_mib'] / pss_base, "<= 250 MB", r['pss_after_scroll_mib'] * 1.048576 <= 250),
    ("release .deb", f"{deb:.1f} MiB", "-", None, "<= 15 MB", deb * 1.048576 <= 15),
]
print()
print(f"{'measure':<52} {'result':>10}  {'baseline (same run)':<28} {'ratio':>6}  {'goal':<10} met")
for what, res, base, ratio, goal, met in rows:
    print(f"{what:<52} {res:>10}  {base:<28} {('%.2fx' % ratio) if ratio else '-':>6}  {goal:<10} {'yes' if met else 'NO'}")
print(f"\nscrolling: {r['scroll']['loaded']:,} rows passed in {r['scroll']['ms']/1000:.1f} s; save-to-list runs: {', '.join('%.1f' % x for x in r['save_to_list_all_ms'])} ms")
PY
