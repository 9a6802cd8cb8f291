import { describe, expect, it } from 'vitest';
import en from './en';
import { LOCALES, MESSAGES, errorMessage, fieldMessage, pluralBlocks, setLocale, t } from './index.svelte';

/** The parameters a message takes: `{name}` placeholders and the numbers its plural blocks choose by. */
function params(text: string): string[] {
  const names = new Set([...text.matchAll(/\{(\w+)\}/g)].map((x) => x[1]));
  for (const b of pluralBlocks(text)) names.add(b.name);
  return [...names].sort();
}

describe('message files', () => {
  for (const locale of LOCALES) {
    it(`${locale} has every key of the English file and no others`, () => {
      const missing = Object.keys(en).filter((k) => !(k in MESSAGES[locale]));
      const extra = Object.keys(MESSAGES[locale]).filter((k) => !(k in en));
      expect(missing, `keys missing in ${locale}`).toEqual([]);
      expect(extra, `keys in ${locale} that English does not have`).toEqual([]);
    });
    it(`${locale} has no empty message and keeps every placeholder`, () => {
      for (const [k, v] of Object.entries(en)) {
        const m = (MESSAGES[locale] as Record<string, string>)[k];
        expect(m.trim(), `${locale} ${k} is empty`).not.toBe('');
        expect(params(m), `${locale} ${k} placeholders`).toEqual(params(v));
      }
    });
    it(`${locale} gives every plural form its language needs`, () => {
      const needed = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      for (const [k, m] of Object.entries(MESSAGES[locale] as Record<string, string>)) {
        for (const b of pluralBlocks(m)) {
          for (const c of [...needed, 'other']) expect(b.forms[c], `${locale} ${k} has no "${c}" form`).toBeDefined();
          for (const c of Object.keys(b.forms)) {
            expect(c.startsWith('=') || needed.includes(c as Intl.LDMLPluralRule), `${locale} ${k}: "${c}" is not a plural category of ${locale}`).toBe(true);
          }
        }
        // A plural block that did not parse would show its braces.
        expect(m.replace(/\{(\w+)\}/g, '').replace(/\{\w+,\s*plural,(\s*=?\w+\s*\{[^{}]*\})+\s*\}/g, ''), `${locale} ${k} braces`).not.toMatch(/[{}]/);
      }
    });
  }

  it('Kazakh is written in Kazakh, not copied from Russian', () => {
    const ru = MESSAGES.ru as Record<string, string>;
    const kk = MESSAGES.kk as Record<string, string>;
    const cyrillic = Object.keys(kk).filter((k) => /[а-яё]/i.test(kk[k]));
    const copied = cyrillic.filter((k) => kk[k] === ru[k]);
    // Only words both languages share (км, бюджет, ветеринар, мотоцикл…) may be equal.
    expect(copied.length / cyrillic.length, `copied from Russian: ${copied.join(', ')}`).toBeLessThan(0.03);
    const kazakhLetters = Object.values(kk).join('').match(/[әғқңөұүһі]/g) ?? [];
    for (const c of 'әғқңөұүі') expect(kazakhLetters, `Kazakh text without ${c}`).toContain(c);
  });
});

describe('plural forms', () => {
  const obs = (count: number) => ({ n: count });
  it('follow each language through Intl.PluralRules', () => {
    setLocale('en');
    expect([1, 2, 5].map((n) => t('count.individuals', obs(n)))).toEqual(['1 individual', '2 individuals', '5 individuals']);
    expect(t('obs.total', { n: 1 })).toBe('1 observation');
    expect(t('count.individuals', { n: 1250 })).toBe('1,250 individuals');
    setLocale('ru');
    expect([1, 2, 5, 11, 21, 22, 25, 111].map((n) => t('count.individuals', obs(n)))).toEqual([
      '1 особь',
      '2 особи',
      '5 особей',
      '11 особей',
      '21 особь',
      '22 особи',
      '25 особей',
      '111 особей',
    ]);
    expect(t('count.individuals', { n: 1.5 })).toBe('1,5 особи');
    expect(t('count.individuals', { n: 15, shown: '10–15' })).toBe('10–15 особей');
    expect(t('csv.imported', { imported: '3', rows: 4 })).toBe('Импортировано 3 из 4 строк.');
    expect(t('csv.imported', { imported: '1', rows: 1 })).toBe('Импортировано 1 из 1 строки.');
    setLocale('kk');
    expect([1, 2, 5].map((n) => t('count.individuals', obs(n)))).toEqual(['1 дарақ', '2 дарақ', '5 дарақ']);
    setLocale('zh-CN');
    expect(t('count.individuals', obs(2))).toBe('2 只');
    setLocale('mn');
    expect(t('count.pairs', obs(3))).toBe('3 хос');
    setLocale('en');
  });
});

describe('t', () => {
  it('switches language at once and fills placeholders', () => {
    setLocale('ru');
    expect(t('obs.total', { n: 3 })).toBe('3 наблюдения');
    setLocale('zh-CN');
    expect(t('nav.map')).toBe('地图');
    setLocale('en');
  });
  it('translates field errors by rule, field-specific first', () => {
    setLocale('ru');
    expect(fieldMessage({ field: 'taxon', rule: 'required', message: 'x' })).toContain('Выберите вид');
    expect(fieldMessage({ field: 'uncertainty_m', rule: 'negative', message: 'x' })).toBe('Значение должно быть не меньше нуля.');
    expect(fieldMessage({ field: 'x', rule: 'unheard_of', message: 'english' })).toBe('english');
    setLocale('en');
  });
});

describe('errorMessage', () => {
  it('translates the size-limit refusals by their code', () => {
    const p = { code: 'image_too_large', message: 'the PNG is 40000 × 40000 pixels', fields: [] };
    setLocale('ru');
    expect(errorMessage(p)).toContain('16 384');
    setLocale('en');
    expect(errorMessage(p)).toContain('16,384 pixels a side');
    expect(errorMessage({ code: 'archive_too_large', message: 'x', fields: [] })).toContain('archive');
    expect(errorMessage({ code: 'file_too_large', message: 'x', fields: [] })).toContain('larger');
  });
});
