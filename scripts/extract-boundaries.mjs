// Writes data/boundaries.geojson: the land borders of China, Mongolia, Russia and Kazakhstan,
// clipped to a box around the Daur region and its Kazakh partners, for the core's
// point-in-polygon look-up of a position's country (crates/core/src/places.rs).
//
// Source: Natural Earth 1:10m admin-0 countries (public domain), as TopoJSON in the npm package
// world-atlas 2.x (countries-10m.json), read with topojson-client. Both are ui/ dependencies, so
// `npm --prefix ui ci && node scripts/extract-boundaries.mjs` reproduces the committed file.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'ui', 'package.json'));
const topojson = require('topojson-client');
const world = require('world-atlas/countries-10m.json');
const atlasVersion = require('world-atlas/package.json').version;

// ISO 3166-1 numeric ids used by world-atlas → the app's alpha-2 codes.
const COUNTRIES = { '156': 'CN', '496': 'MN', '643': 'RU', '398': 'KZ' };
// Generous box around the region: Kazakhstan's partner reserves in the west to the Amur in the east.
const BOX = { west: 45, east: 135, south: 35, north: 60 };

// Sutherland–Hodgman against one edge of the box; a rectangle is convex, so clipping a ring edge
// by edge keeps every point inside the box inside the result (rings may gain edges along the box,
// which do not change which points they contain).
function clipEdge(ring, inside, cut) {
  const out = [];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % ring.length];
    const ina = inside(a);
    const inb = inside(b);
    if (ina) out.push(a);
    if (ina !== inb) out.push(cut(a, b));
  }
  return out;
}

const atLon = (x) => (a, b) => [x, a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0])];
const atLat = (y) => (a, b) => [a[0] + ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]), y];

function clipRing(ring) {
  let r = ring.slice(0, -1); // GeoJSON rings repeat their first point
  r = clipEdge(r, (p) => p[0] >= BOX.west, atLon(BOX.west));
  r = clipEdge(r, (p) => p[0] <= BOX.east, atLon(BOX.east));
  r = clipEdge(r, (p) => p[1] >= BOX.south, atLat(BOX.south));
  r = clipEdge(r, (p) => p[1] <= BOX.north, atLat(BOX.north));
  if (r.length < 3) return null;
  const round = (v) => Math.round(v * 1e4) / 1e4;
  const pts = r.map(([x, y]) => [round(x), round(y)]);
  const dedup = pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0] || p[1] !== pts[i - 1][1]);
  if (dedup.length < 3) return null;
  dedup.push(dedup[0]);
  return dedup;
}

const features = [];
for (const geom of world.objects.countries.geometries) {
  const code = COUNTRIES[geom.id];
  if (!code) continue;
  const f = topojson.feature(world, geom);
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const clipped = [];
  for (const poly of polys) {
    const outer = clipRing(poly[0]);
    if (!outer) continue;
    const holes = poly.slice(1).map(clipRing).filter(Boolean);
    clipped.push([outer, ...holes]);
  }
  if (clipped.length === 0) continue;
  features.push({
    type: 'Feature',
    properties: { code, name: geom.properties.name },
    geometry: { type: 'MultiPolygon', coordinates: clipped },
  });
}
features.sort((a, b) => a.properties.code.localeCompare(b.properties.code));

const out = {
  type: 'FeatureCollection',
  source: `Natural Earth 1:10m admin-0 countries (public domain), via world-atlas ${atlasVersion} countries-10m.json; clipped to lon ${BOX.west}..${BOX.east}, lat ${BOX.south}..${BOX.north} by scripts/extract-boundaries.mjs`,
  features,
};
const path = join(root, 'data', 'boundaries.geojson');
writeFileSync(path, JSON.stringify(out) + '\n');
console.log(`wrote ${path}: ${features.map((f) => f.properties.code).join(', ')}`);
