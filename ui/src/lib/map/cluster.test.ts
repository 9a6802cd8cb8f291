import { describe, expect, it } from 'vitest';
import { PointClusters, clusterRadius, project, shortCount } from './cluster';

// Three sightings at Torey lakes a few hundred metres apart, one at Choibalsan, one at Hailar.
const TOREY: [number, number][] = [
  [50.1, 115.65],
  [50.101, 115.652],
  [50.099, 115.648],
];
const CHOIBALSAN: [number, number] = [48.07, 114.53];
const HAILAR: [number, number] = [49.2, 119.7];

function pack(pts: [number, number][]): Float32Array {
  return new Float32Array(pts.flat());
}

describe('PointClusters', () => {
  const all = new PointClusters(pack([...TOREY, CHOIBALSAN, HAILAR]));

  it('keeps every point and counts them', () => {
    expect(all.size).toBe(5);
    const cs = all.clusters(40, 100, 58, 130, 6);
    expect(cs.reduce((n, c) => n + c.count, 0)).toBe(5);
  });

  it('gathers near points at region zoom and parts them at site zoom', () => {
    const region = all.clusters(40, 100, 58, 130, 6);
    const torey = region.find((c) => c.count === 3);
    expect(torey).toBeDefined();
    expect(torey!.lat).toBeCloseTo(50.1, 2);
    expect(torey!.lon).toBeCloseTo(115.65, 2);
    expect(torey!.bounds[0]).toBeCloseTo(50.099, 3);
    expect(torey!.bounds[2]).toBeCloseTo(50.101, 3);
    expect(region.filter((c) => c.count === 1)).toHaveLength(2);
    // At zoom 17 the three Torey points are hundreds of pixels apart.
    const close = all.clusters(50.09, 115.64, 50.11, 115.66, 17);
    expect(close.map((c) => c.count)).toEqual([1, 1, 1]);
  });

  it('draws only what lies in the view', () => {
    const east = all.clusters(45, 118, 52, 122, 8);
    expect(east).toHaveLength(1);
    expect(east[0].count).toBe(1);
    expect(east[0].lat).toBeCloseTo(HAILAR[0], 4);
  });

  it('has nothing to draw for no sightings', () => {
    const none = new PointClusters(new Float32Array());
    expect(none.size).toBe(0);
    expect(none.clusters(40, 100, 58, 130, 6)).toEqual([]);
  });

  it('clusters a hundred thousand points into few markers at region zoom', () => {
    const n = 100_000;
    const pts = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      pts[2 * i] = 48 + (i % 1000) / 500; // 48–50°N
      pts[2 * i + 1] = 114 + Math.floor(i / 1000) / 25; // 114–118°E
    }
    const cs = new PointClusters(pts).clusters(40, 100, 58, 130, 6);
    expect(cs.reduce((s, c) => s + c.count, 0)).toBe(n);
    expect(cs.length).toBeLessThan(100);
  });
});

describe('projection and labels', () => {
  it('projects to Web Mercator pixels', () => {
    expect(project(0, 0, 0)).toEqual([128, 128]);
    const [x, y] = project(50, 116, 6);
    expect(x).toBeCloseTo(((116 + 180) / 360) * 256 * 64, 6);
    expect(y).toBeLessThan(128 * 64);
  });

  it('sizes and words counts', () => {
    expect(clusterRadius(1)).toBe(5);
    expect(clusterRadius(10)).toBeLessThan(clusterRadius(10_000));
    expect(clusterRadius(1e9)).toBe(30);
    expect(shortCount(999)).toBe('999');
    expect(shortCount(1234)).toBe('1.2k');
    expect(shortCount(45_000)).toBe('45k');
    expect(shortCount(1_000_000)).toBe('1M');
    expect(shortCount(2_500_000)).toBe('2.5M');
  });
});
