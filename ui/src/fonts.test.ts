// The fonts the window ships (imported in main.ts) cover every character of every message and
// the letters of each language, so no text falls back to a font the laptop may lack.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCALES, MESSAGES } from './lib/i18n/index.svelte';
import main from './main.ts?raw';

const imports = [...main.matchAll(/import '(@fontsource\/[^']+\.css)'/g)].map((m) => m[1]);

/** Unicode ranges of one weight's faces: `[first, last]` code points. */
function ranges(css: string): [number, number][] {
  const here = import.meta.url; // a variable: Vite rewrites `new URL(…, import.meta.url)` itself
  const file = readFileSync(new URL(`../node_modules/${css}`, here), 'utf8');
  return [...file.matchAll(/unicode-range:\s*([^;]+);/g)].flatMap((m) =>
    m[1].split(',').map((r: string) => {
      const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
      return [parseInt(a, 16), parseInt(b ?? a, 16)] as [number, number];
    }),
  );
}

describe('fonts', () => {
  const regular = imports.filter((c) => !c.includes('/600'));
  const bold = imports.filter((c) => c.includes('/600'));
  const covered = (rs: [number, number][], ch: string) => rs.some(([a, b]) => ch.codePointAt(0)! >= a && ch.codePointAt(0)! <= b);

  it('are imported in regular and semi-bold', () => {
    expect(regular.length).toBeGreaterThan(0);
    expect(bold.length).toBeGreaterThan(0);
  });

  it('cover every character of every message', () => {
    const rs = regular.flatMap(ranges);
    for (const l of LOCALES) {
      const chars = new Set([...Object.values(MESSAGES[l]).join('')].filter((c) => c.trim() !== ''));
      const missing = [...chars].filter((c) => !covered(rs, c));
      expect(missing, `${l}: characters no shipped font has`).toEqual([]);
    }
  });

  it('cover the Kazakh and Mongolian Cyrillic letters in headings too', () => {
    const letters = [...'әғқңөұүһіӘҒҚҢӨҰҮҺІ'];
    for (const rs of [regular.flatMap(ranges), bold.flatMap(ranges)]) {
      expect(letters.filter((c) => !covered(rs, c))).toEqual([]);
    }
  });
});
