// Clusters every sighting's position for the main map. The positions come as one Float32Array
// (lat, lon, lat, lon, …); a KDBush index over them finds those in view, and those are gathered
// into square cells of the screen (Web Mercator pixels at the map's zoom), each drawn as one
// marker with its count at the mean position of its points. Memory stays at the array and the
// index (about 28 bytes a sighting), whatever the count.
import KDBush from 'kdbush';

export interface Cluster {
  lat: number;
  lon: number;
  count: number;
  /** The cell's bounds (south, west, north, east) of its points, for zooming to it. */
  bounds: [number, number, number, number];
}

/** Web Mercator pixel position (256-pixel tiles) of a position at zoom `z`. */
export function project(lat: number, lon: number, z: number): [number, number] {
  const scale = 256 * 2 ** z;
  const s = Math.sin((Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180);
  return [((lon + 180) / 360) * scale, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale];
}

export class PointClusters {
  readonly size: number;
  private index: KDBush | null;

  constructor(private points: Float32Array) {
    this.size = Math.floor(points.length / 2);
    if (!this.size) {
      this.index = null;
      return;
    }
    this.index = new KDBush(this.size, 64, Float32Array);
    for (let i = 0; i < this.size; i++) this.index.add(points[2 * i + 1], points[2 * i]);
    this.index.finish();
  }

  /**
   * Clusters of the points within (south, west, north, east) at zoom `z`, gathered into cells of
   * `cell` pixels. A cell holding one point is a cluster of one at that point.
   */
  clusters(south: number, west: number, north: number, east: number, z: number, cell = 56): Cluster[] {
    if (!this.index) return [];
    const ids = this.index.range(west, south, east, north);
    const cells = new Map<number, { lat: number; lon: number; n: number; s: number; w: number; no: number; e: number }>();
    const zz = Math.max(0, Math.round(z));
    const cols = Math.ceil((256 * 2 ** zz) / cell) + 1;
    for (const i of ids) {
      const lat = this.points[2 * i];
      const lon = this.points[2 * i + 1];
      const [x, y] = project(lat, lon, zz);
      const key = Math.floor(y / cell) * cols + Math.floor(x / cell);
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
