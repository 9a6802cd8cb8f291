import { describe, expect, it } from 'vitest';
import { haversineKm, lengthKm, moveItem } from './geo';

describe('route length', () => {
  it('is zero for fewer than two points', () => {
    expect(lengthKm([])).toBe(0);
    expect(lengthKm([{ lat: 49.7, lon: 115.1 }])).toBe(0);
  });

  it('sums great-circle legs: one degree along the equator, then one degree north', () => {
    // One degree of a great circle on a sphere of 6371.0088 km is 111.19508 km.
    const km = lengthKm([
      { lat: 0, lon: 0 },
      { lat: 0, lon: 1 },
      { lat: 1, lon: 1 },
    ]);
    expect(km).toBeCloseTo(222.39016, 4);
  });

  it('gives the same length for a meridian degree anywhere', () => {
    expect(haversineKm({ lat: 49, lon: 115 }, { lat: 50, lon: 115 })).toBeCloseTo(111.19508, 4);
    expect(haversineKm({ lat: -10, lon: -70 }, { lat: -11, lon: -70 })).toBeCloseTo(111.19508, 4);
  });

  it('does not depend on direction', () => {
    const a = { lat: 49.7, lon: 115.1 };
    const b = { lat: 50.067, lon: 115.517 };
    expect(haversineKm(a, b)).toBeCloseTo(haversineKm(b, a), 9);
  });
});

describe('moveItem', () => {
  it('swaps neighbours and ignores moves past either end', () => {
    expect(moveItem(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveItem(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
  });
});
