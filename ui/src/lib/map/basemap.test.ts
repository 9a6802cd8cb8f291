import { describe, expect, it } from 'vitest';
import { featureName, labelRules, nameProps, paintRules, recording } from './basemap';

const MANZHOULI = { name_en: 'Manzhouli', name_ru: 'Маньчжурия', name_zh: '满洲里市', name_mn: 'Манжуур', name_kk: 'Маньчжурия', population: 54808 };

describe('basemap names', () => {
  it('labels each place in the UI language', () => {
    expect(featureName(MANZHOULI, 'en')).toBe('Manzhouli');
    expect(featureName(MANZHOULI, 'ru')).toBe('Маньчжурия');
    expect(featureName(MANZHOULI, 'zh-CN')).toBe('满洲里市');
    expect(featureName(MANZHOULI, 'mn')).toBe('Манжуур');
    expect(featureName(MANZHOULI, 'kk')).toBe('Маньчжурия');
  });

  it('falls back to Russian for Mongolian and Kazakh, then to English', () => {
    expect(nameProps('mn')).toEqual(['name_mn', 'name_ru', 'name_en']);
    expect(nameProps('kk')).toEqual(['name_kk', 'name_ru', 'name_en']);
    expect(nameProps('en')).toEqual(['name_en']);
    expect(featureName({ name_en: 'Borzya', name_ru: 'Борзя' }, 'mn')).toBe('Борзя');
    expect(featureName({ name_en: 'Borzya' }, 'zh-CN')).toBe('Borzya');
    expect(featureName({ kind: 'lake' }, 'en')).toBeUndefined();
  });
});

describe('basemap rules', () => {
  it('paints water, rivers and borders', () => {
    expect(paintRules().map((r) => r.dataLayer)).toEqual(['water', 'rivers', 'boundaries']);
  });

  it('labels lakes, named rivers and places', () => {
    const rules = labelRules('ru');
    expect(rules.map((r) => r.dataLayer)).toEqual(['water_labels', 'rivers', 'places']);
    const rivers = rules[1];
    const feature = (props: Record<string, unknown>) => ({ props, bbox: { minX: 0, minY: 0, maxX: 0, maxY: 0 }, geomType: 2, geom: [], numVertices: 0 }) as never;
    expect(rivers.filter?.(8, feature({ kind: 'river', name_en: 'Onon' }))).toBe(true);
    expect(rivers.filter?.(8, feature({ kind: 'river' }))).toBe(false);
    // Larger places first, so they win label collisions.
    const sorted = [{ population: 2000 }, { population: 300000 }, { population: 40000 }].sort(rules[2].sort);
    expect(sorted.map((p) => p.population)).toEqual([300000, 40000, 2000]);
  });

  it('records the text of each label only when it is painted', () => {
    const painted = new Set<string>();
    const drawn: string[] = [];
    const fake = { place: () => [{ anchor: { x: 0, y: 0 }, bboxes: [], draw: () => drawn.push('x') }] };
    const wrapped = recording(fake as never, 'zh-CN', painted);
    const feature = { props: MANZHOULI, bbox: { minX: 0, minY: 0, maxX: 0, maxY: 0 }, geomType: 1, geom: [], numVertices: 1 } as never;
    const labels = wrapped.place({} as never, [], feature)!;
    expect(painted.size).toBe(0); // placed, not yet painted (a collision may still drop it)
    labels[0].draw({} as CanvasRenderingContext2D);
    expect(drawn).toEqual(['x']);
    expect([...painted]).toEqual(['满洲里市']);
    const none = recording({ place: () => undefined } as never, 'en', painted);
    expect(none.place({} as never, [], feature)).toBeUndefined();
  });
});
