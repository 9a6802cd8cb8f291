import { describe, expect, it } from 'vitest';
import type { Observation } from './bindings/core';
import { eventDateOf, showEventDate, showObservationDate } from './event-date';

const base = {
  visit: null, site: null, taxon: null, taxon_name: 'Otis tarda', count: 1, count_min: null, count_max: null,
  unit: 'individuals', sex: null, age: null, behaviour: null, lat: 50, lon: 115, uncertainty_m: null,
  observers: [], detection_method: null, notes: null, photos: [],
} as const;
const obs = (o: Partial<Observation>): Observation => ({ ...base, observed_at: '', ...o }) as Observation;

describe('dates known to a day, a month, a year or not at all', () => {
  it('writes each at its precision, with nothing added', () => {
    expect(showEventDate('2019', 'en')).toBe('2019');
    expect(showEventDate('2019-05', 'en')).toBe('May 2019');
    expect(showEventDate('2019-05-01/2019-05-15', 'en-GB')).toMatch(/^1\s?–\s?15 May 2019$/);
    expect(showEventDate('2019/2020', 'en')).toMatch(/^2019\s?–\s?2020$/);
    expect(showEventDate('2019-05', 'ru')).toMatch(/^май 2019/);
    expect(showEventDate('', 'en')).toBe('undated');
  });

  it('reads the date fields of a sighting as its eventDate', () => {
    const may = obs({ observed_at: '2019-05-01T12:00:00+00:00', date_precision: 'month' });
    expect(eventDateOf(may)).toBe('2019-05');
    const range = obs({ observed_at: '2019-05-01T12:00:00+00:00', date_precision: 'day', observed_until: '2019-05-15' });
    expect(eventDateOf(range)).toBe('2019-05-01/2019-05-15');
    expect(showObservationDate(range, 'en-GB')).toMatch(/^1\s?–\s?15 May 2019$/);
    expect(showObservationDate(obs({ date_precision: 'undated' }), 'en')).toBe('undated');
    const exact = obs({ observed_at: '2026-06-01T07:30:00+08:00' });
    expect(eventDateOf(exact)).toBe('2026-06-01T07:30:00+08:00');
    expect(showObservationDate(exact, 'en')).toContain('UTC+08:00');
  });
});
