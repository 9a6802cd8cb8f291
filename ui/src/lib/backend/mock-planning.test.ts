import { beforeEach, describe, expect, it } from 'vitest';
import type { Body, Current } from '../bindings/core';
import { createMockBackend, type MockBackend } from './mock';
import { planningMock } from './mock-planning';
import { BackendError } from './types';
import { emptySurvey } from '../plan/survey';
import { gpxFile } from '../components/exchange/testing';

let mock: MockBackend;

async function survey(title: string, start: string | null, end: string | null, extra: Partial<ReturnType<typeof emptySurvey>> = {}) {
  return (await mock.createRecord({ kind: 'survey', body: { ...emptySurvey(title), start_date: start, end_date: end, ...extra } })).id;
}
async function person(name: string) {
  return (await mock.createRecord({ kind: 'person', body: { name, organisation: null, country: null, roles: [], contact: null, languages: [] } })).id;
}

beforeEach(() => {
  mock = createMockBackend();
});

describe('planning mock', () => {
  it('finds a person booked on two overlapping surveys, with the shared days', async () => {
    const a = await survey('Marmots June', '2026-06-01', '2026-06-20');
    const b = await survey('Cranes', '2026-06-15', '2026-07-05');
    const c = await survey('Autumn', '2026-09-01', '2026-09-10');
    const bat = await person('Batbayar');
    await mock.createRecord({ kind: 'assignment', body: { survey: a, person: bat, role: 'field', from: null, to: null } });
    await mock.createRecord({ kind: 'assignment', body: { survey: b, person: bat, role: 'driver', from: '2026-06-18', to: null } });
    await mock.createRecord({ kind: 'assignment', body: { survey: c, person: bat, role: 'field', from: null, to: null } });
    const d = await mock.doubleBookings();
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ person_name: 'Batbayar', first_survey_title: 'Marmots June', second_survey_title: 'Cranes', from: '2026-06-18', to: '2026-06-20' });
  });

  it('totals a budget in two currencies with the survey rates, and names a missing rate', async () => {
    const s = await survey('Budgeted', null, null, { exchange_rates: [{ currency: 'CNY', per_usd: '7.2' }, { currency: 'MNT', per_usd: '3400' }] });
    await mock.createRecord({ kind: 'budget_line', body: { survey: s, category: 'fuel', description: 'Diesel', quantity: '300', unit_cost: '7.85', currency: 'CNY', actual: null } });
    await mock.createRecord({ kind: 'budget_line', body: { survey: s, category: 'per_diem', description: null, quantity: '10', unit_cost: '85000', currency: 'MNT', actual: '800000' } });
    const b = await mock.surveyBudget(s, 'USD');
    expect(b.per_currency.map((x) => [x.key, x.amounts.planned])).toEqual([['CNY', '2355.00'], ['MNT', '850000']]);
    // 2355 / 7.2 = 327.083…, 850000 / 3400 = 250
    expect(b.reporting?.amounts.planned).toBe('577.08');
    expect(b.reporting?.amounts.actual).toBe('235.29');
    expect(b.reporting?.amounts.lines_without_actual).toBe(1);
    expect((await mock.surveyBudget(s, 'MNT')).reporting?.amounts.planned).toBe('1962083');
    expect((await mock.surveyBudget(s, null)).per_category).toEqual([]);

    await mock.createRecord({ kind: 'budget_line', body: { survey: s, category: 'permits', description: null, quantity: '1', unit_cost: '5000', currency: 'RUB', actual: null } });
    const err = await mock.surveyBudget(s, 'USD').catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.payload.fields[0]).toMatchObject({ field: 'exchange_rates', rule: 'missing_rate' });
    expect(err.payload.message).toContain('RUB');
  });

  it('orders the schedule by start date and can show every survey', async () => {
    const a = await survey('B survey', '2026-06-01', '2026-06-20');
    const b = await survey('A survey', '2026-05-01', '2026-05-03');
    const p = await person('Olga');
    await mock.createRecord({ kind: 'route', body: { survey: a, name: 'Transect 1', waypoints: [], planned_date: '2026-06-03', transport: null } });
    await mock.createRecord({ kind: 'route', body: { survey: a, name: 'Unscheduled', waypoints: [], planned_date: null, transport: null } });
    await mock.createRecord({ kind: 'assignment', body: { survey: a, person: p, role: 'vet', from: '2026-06-02', to: null } });
    const one = await mock.schedule(a);
    expect(one.map((i) => [i.activity, i.label, i.start, i.end])).toEqual([
      ['survey', 'B survey', '2026-06-01', '2026-06-20'],
      ['assignment', 'Olga (vet)', '2026-06-02', '2026-06-20'],
      ['route', 'Transect 1', '2026-06-03', '2026-06-03'],
    ]);
    const all = await mock.schedule(null);
    expect(all[0].survey).toBe(b);
    expect(all).toHaveLength(4);
  });

  it('computes progress from routes, visits, observations and the team', async () => {
    const s = await survey('Progress', '2026-06-01', '2026-06-20');
    await mock.createRecord({ kind: 'route', body: { survey: s, name: 'R', waypoints: [{ name: null, lat: 0, lon: 0 }, { name: null, lat: 0, lon: 1 }], planned_date: null, transport: null } });
    const v = await mock.createRecord({ kind: 'visit', body: { survey: s, site: null, start: '2026-06-02T08:00:00+08:00', end: '2026-06-02T11:30:00+08:00', observers: [], protocol: null, effort_value: 4.5, effort_unit: 'km', weather: null, track: [] } });
    await mock.createRecord({ kind: 'visit', body: { survey: s, site: null, start: '2026-06-03T08:00:00+08:00', end: null, observers: [], protocol: null, effort_value: 20, effort_unit: 'trap-nights', weather: null, track: [] } });
    const obs = (count: number | null, min: number | null): Body => ({ kind: 'observation', body: { visit: v.id, site: null, taxon: null, taxon_name: 'x', count, count_min: min, count_max: min === null ? null : min + 5, unit: 'individuals', sex: null, age: null, behaviour: null, lat: 49, lon: 115, uncertainty_m: null, observed_at: '2026-06-02T09:00:00+08:00', observers: [], detection_method: null, notes: null, photos: [] } });
    await mock.createRecord(obs(3, null));
    await mock.createRecord(obs(null, 10));
    const p1 = await person('A');
    await mock.createRecord({ kind: 'assignment', body: { survey: s, person: p1, role: 'field', from: null, to: null } });
    await mock.createRecord({ kind: 'assignment', body: { survey: s, person: p1, role: 'driver', from: null, to: null } });
    const p = await mock.surveyProgress(s);
    expect(p.routes_planned).toBe(1);
    expect(p.routes_km).toBeCloseTo(111.195, 3);
    expect([p.visits, p.visits_done, p.records, p.individuals, p.hours, p.team]).toEqual([2, 1, 2, 13, 3.5, 1]);
    expect(p.effort).toEqual({ km: 4.5, 'trap-nights': 20 });
    await expect(mock.surveyProgress('nope')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('imports a GPX file into routes and track visits when it can write records', async () => {
    const made: Current[] = [{ id: 's1', kind: 'survey', rev_id: 'r', conflict: false, deleted: false, body: { kind: 'survey', body: emptySurvey('GPX') } }];
    const api = planningMock({
      list: () => made,
      create: (body) => {
        const id = `id${made.length}`;
        made.push({ id, kind: body.kind, rev_id: 'r', conflict: false, deleted: false, body });
        return id;
      },
    });
    const s = await api.gpxImport('s1', 'day1.gpx', gpxFile('day1'));
    expect(s.routes).toHaveLength(2);
    expect(s.visits).toHaveLength(1);
    expect(s.points).toBe(5);
    expect(s.track_km).toBeCloseTo(11.12, 1);
    expect(s.track_hours).toBe(2);
    const route = made.find((c) => c.body?.kind === 'route' && c.body.body.name === 'Lake loop');
    expect(route?.body?.kind === 'route' && route.body.body.waypoints).toHaveLength(2);
    expect(route?.body?.kind === 'route' && route.body.body.survey).toBe('s1');
    await expect(api.gpxImport('s1', 'bad.gpx', gpxFile('not-gpx'))).rejects.toMatchObject({ payload: { code: 'invalid' } });
  });
});
