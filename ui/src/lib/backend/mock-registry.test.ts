import { describe, expect, it } from 'vitest';
import type { Deadline, Observation } from '../bindings/core';
import { createMockBackend } from './mock';
import { DUE_WITHIN_DAYS, registryMock, sheetStatus, validateRegistry, withRegistryChecks } from './mock-registry';
import { BackendError } from './types';

const d = (title: string, due: string, submitted = false): Deadline => ({ title, due, submitted });

describe('sheetStatus', () => {
  const today = '2026-06-10';
  it('is overdue when the earliest open deadline has passed', () => {
    const r = sheetStatus([d('later', '2026-09-01'), d('spring', '2026-06-09'), d('old', '2026-01-01', true)], today);
    expect(r).toEqual({ next: d('spring', '2026-06-09'), status: 'overdue' });
  });
  it(`is due from today up to ${DUE_WITHIN_DAYS} days ahead, then on track`, () => {
    expect(sheetStatus([d('a', '2026-06-10')], today).status).toBe('due');
    expect(sheetStatus([d('a', '2026-06-24')], today).status).toBe('due');
    expect(sheetStatus([d('a', '2026-06-25')], today).status).toBe('on_track');
  });
  it('is submitted when every deadline is in, showing the last one', () => {
    const r = sheetStatus([d('a', '2026-03-01', true), d('b', '2026-05-01', true), d('c', '2026-04-01', true)], today);
    expect(r).toEqual({ next: d('b', '2026-05-01', true), status: 'submitted' });
  });
  it('is on track with no deadline at all', () => {
    expect(sheetStatus([], today)).toEqual({ next: null, status: 'on_track' });
  });
});

describe('dataSheets in the mock', () => {
  it('counts observations per country by their site or their visit site, for every country', async () => {
    const mock = createMockBackend();
    const sites = await mock.listRecords('site');
    const siteIn = (c: string) => sites.find((s) => s.body?.kind === 'site' && s.body.body.country === c)!.id;
    const obs = (extra: Partial<Observation>): Observation => ({
      visit: null, site: null, taxon: null, taxon_name: 'Marmota sibirica', count: 1, count_min: null, count_max: null,
      unit: 'individuals', sex: null, age: null, behaviour: null, lat: 49.7, lon: 115.1, uncertainty_m: null,
      observed_at: '2026-06-01T08:00:00+08:00', observers: [], detection_method: null, notes: null, photos: [], ...extra,
    });
    const visit = await mock.createRecord({ kind: 'visit', body: { survey: null, site: siteIn('CN'), start: '2026-06-01T07:00:00+08:00', end: null, observers: [], protocol: null, effort_value: null, effort_unit: null, weather: null, track: [] } });
    await mock.createRecord({ kind: 'observation', body: obs({ site: siteIn('MN') }) });
    await mock.createRecord({ kind: 'observation', body: obs({ site: siteIn('MN') }) });
    await mock.createRecord({ kind: 'observation', body: obs({ visit: visit.id }) });
    await mock.createRecord({ kind: 'observation', body: obs({}) });
    const gone = await mock.createRecord({ kind: 'observation', body: obs({ site: siteIn('RU') }) });
    await mock.deleteRecord(gone.id, gone.rev_id);

    const store = { list: () => [] as never[] };
    expect((await registryMock(store).dataSheets()).map((s) => s.country)).toEqual(['CN', 'MN', 'RU', 'KZ']);

    const sheets = await mock.dataSheets();
    expect(Object.fromEntries(sheets.map((s) => [s.country, s.records]))).toEqual({ CN: 1, MN: 2, RU: 0, KZ: 0 });
    expect(sheets.find((s) => s.country === 'MN')!.next_deadline?.title).toBe('Data sheet 2026');
    expect(sheets.find((s) => s.country === 'KZ')).toEqual({ country: 'KZ', records: 0, next_deadline: null, status: 'on_track' });
  });

  it('follows the checklist deadlines on the given day', async () => {
    const mock = createMockBackend();
    const cl = await mock.countryChecklist('RU');
    const rec = await mock.getRecord(cl.id);
    if (rec?.body?.kind !== 'checklist') throw new Error('no checklist');
    await mock.updateRecord(cl.id, cl.rev_id, { kind: 'checklist', body: { ...rec.body.body, deadlines: [d('spring', '2026-05-01')] } });
    const records = await mock.listRecords('checklist');
    const sheets = await registryMock({ list: () => records }, () => '2026-05-02').dataSheets();
    expect(sheets.find((s) => s.country === 'RU')!.status).toBe('overdue');
    expect(sheets.find((s) => s.country === 'MN')!.status).toBe('on_track');
  });
});

describe('registry checks', () => {
  it('refuses impossible coordinates and blank names, naming the field', async () => {
    const pa = { name_en: ' ', name_local: null, country: 'MN' as const, category: null, lat: 95, lon: 115, area_km2: -1, extent_note: null, partnership: 'invited' as const, contact: null, agreement_date: '1 May', source: null };
    expect(validateRegistry({ kind: 'protected_area', body: pa }).map((e) => [e.field, e.rule])).toEqual([
      ['name_en', 'required'], ['lat', 'range'], ['area_km2', 'negative'], ['agreement_date', 'format'],
    ]);
    expect(validateRegistry({ kind: 'protected_area', body: { ...pa, name_en: 'X', lat: 50, lon: 181, area_km2: null, agreement_date: null } }).map((e) => e.field)).toEqual(['lon']);
    const mock = withRegistryChecks(createMockBackend());
    const err = await mock.createRecord({ kind: 'cooperation_action', body: { title: '', countries: [], owner: null, due: '2026-13-01', status: 'planned', notes: null } }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).payload.fields.map((f) => f.field)).toEqual(['title', 'due']);
    expect(await mock.listRecords('cooperation_action')).toHaveLength(0);
  });
});
