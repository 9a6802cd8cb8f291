import { describe, expect, it } from 'vitest';
import en from './en';
import { LOCALES, MESSAGES, errorMessage, fieldMessage, setLocale, t } from './index.svelte';

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
        const want = [...v.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
        const got = [...m.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
        expect(got, `${locale} ${k} placeholders`).toEqual(want);
      }
    });
  }
});

describe('t', () => {
  it('switches language at once and fills placeholders', () => {
    setLocale('ru');
    expect(t('obs.total', { n: 3 })).toBe('Наблюдений: 3');
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
