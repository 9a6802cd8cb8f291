// Clusters every sighting's position for the main map. The positions come as one Float32Array
// (lat, lon, lat, lon, …), each projected once to Web Mercator; a KDBush index over them finds
// those in view, and those are gathered into square cells of the screen at the map's zoom, each
// drawn as one marker with its count at the mean position of its points. Memory stays at the
// arrays and the index (about 28 bytes a sighting), whatever the count.
import KDBush from 'kdbush';

export interface Cluster {
  lat: number;
  lon: number;
  count: number;
  /** The cell's bounds (south, west, north, east) of its points, for zooming to it. */
  bounds: [number, number, number, number];
}

/** A position's place in the Web Mercator world square, 0–1 on each axis (y down). */
function unit(lat: number, lon: number): [number, number] {
  const s = Math.sin((Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180);
  return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
}

/** Web Mercator pixel position (256-pixel tiles) of a position at zoom `z`. */
export function project(lat: number, lon: number, z: number): [number, number] {
  const [x, y] = unit(lat, lon);
  return [x * 256 * 2 ** z, y * 256 * 2 ** z];
}

/** Zooms whose clusters of every point are kept (a region's view: few, large clusters). */
export const CACHED_ZOOM = 9;
const MAX_CACHED_CLUSTERS = 20_000;

export class PointClusters {
  readonly size: number;
  private index: KDBush | null;
  // Each point projected once, so a move of the map costs no trigonometry per point.
  private xy: Float32Array;

  constructor(private points: Float32Array) {
    this.size = Math.floor(points.length / 2);
    this.xy = new Float32Array(2 * this.size);
    if (!this.size) {
      this.index = null;
      return;
    }
    this.index = new KDBush(this.size, 64, Float32Array);
    for (let i = 0; i < this.size; i++) {
      const [x, y] = unit(points[2 * i], points[2 * i + 1]);
      this.xy[2 * i] = x;
      this.xy[2 * i + 1] = y;
      this.index.add(x, y);
    }
    this.index.finish();
  }

  /**
   * Clusters of the points within (south, west, north, east) at zoom `z`, gathered into cells of
   * `cell` pixels. A cell holding one point is a cluster of one at that point. Up to zoom
   * `CACHED_ZOOM` the clusters of all points at that zoom are kept, so moving the map at the same
   * zoom only picks the clusters in view.
   */
  clusters(south: number, west: number, north: number, east: number, z: number, cell = 56): Cluster[] {
    if (!this.index) return [];
    const zz = Math.max(0, Math.round(z));
    const inView = (c: Cluster) => c.lat >= south && c.lat <= north && c.lon >= west && c.lon <= east;
    if (zz <= CACHED_ZOOM) {
      const key = `${zz}:${cell}`;
      let all = this.levels.get(key);
      if (!all) {
        all = this.gather(null, zz, cell);
        // Kept only while small: a zoom where most points stand alone is gathered per view.
        if (all.length <= MAX_CACHED_CLUSTERS) this.levels.set(key, all);
      }
      return all.filter(inView);
    }
    const [x0, y0] = unit(north, west);
    const [x1, y1] = unit(south, east);
    return this.gather(this.index.range(x0, y0, x1, y1), zz, cell);
  }

  private levels = new Map<string, Cluster[]>();

  /** Gathers the points `ids` (all of them when null) into cells of `cell` pixels at zoom `z`. */
  private gather(ids: number[] | null, z: number, cell: number): Cluster[] {
    const cells = new Map<number, { lat: number; lon: number; n: number; s: number; w: number; no: number; e: number }>();
    const per = (256 * 2 ** z) / cell; // cells across the world
    const cols = Math.ceil(per) + 1;
    const { points, xy } = this;
    const count = ids ? ids.length : this.size;
    for (let k = 0; k < count; k++) {
      const i = ids ? ids[k] : k;
      const lat = points[2 * i];
      const lon = points[2 * i + 1];
      const key = Math.floor(xy[2 * i + 1] * per) * cols + Math.floor(xy[2 * i] * per);
      const c = cells.get(key);
      if (c) {
        c.lat += lat;
        c.lon += lon;
        c.n += 1;
        if (lat < c.s) c.s = lat;
        if (lat > c.no) c.no = lat;
        if (lon < c.w) c.w = lon;
        if (lon > c.e) c.e = lon;
      } else cells.set(key, { lat, lon, n: 1, s: lat, w: lon, no: lat, e: lon });
    }
    return [...cells.values()].map((c) => ({ lat: c.lat / c.n, lon: c.lon / c.n, count: c.n, bounds: [c.s, c.w, c.no, c.e] }));
  }
}

/** The radius in pixels of a cluster marker: grows with the count's order of magnitude. */
export function clusterRadius(count: number): number {
  return count <= 1 ? 5 : Math.min(30, 10 + 4 * Math.log10(count));
}

/** A cluster's count as a short label: 1,234 → "1.2k", 2,000,000 → "2M". */
export function shortCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1000).toFixed(n < 10000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0).replace(/\.0$/, '')}M`;
}
