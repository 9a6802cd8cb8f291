import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { exported } from '../backend/mock-monitoring';
import type { Observation, SampleResult, Visit } from '../bindings/core';
import { setLocale } from '../i18n/index.svelte';
import { loadCache } from '../state.svelte';
import Reports from './Reports.svelte';
import Home from './Home.svelte';

let mock: MockBackend;
let ugtam: string;
let torey: string;
let marmot: string;

/** A date `days` before today, as the field laptop writes it (UTC+8). */
const daysAgo = (days: number, hour = 8) => {
  const d = new Date(Date.now() - days * 86_400_000);
  return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00:00+08:00`;
};

async function visit(site: string, start: string, km: number | null): Promise<string> {
  const v: Visit = {
    survey: null, site, start, end: start.replace('T08', 'T11'), observers: [], protocol: null,
    effort_value: km, effort_unit: km === null ? null : 'km', weather: null, track: [],
  };
  return (await mock.createRecord({ kind: 'visit', body: v })).id;
}

async function sighting(extra: Partial<Observation>): Promise<string> {
  const o: Observation = {
    visit: null, site: null, taxon: marmot, taxon_name: null, count: 1, count_min: null, count_max: null, unit: 'individuals',
    sex: null, age: null, behaviour: null, lat: null, lon: null, uncertainty_m: null, observed_at: '2025-06-01T08:00:00+08:00',
    observers: [], detection_method: null, notes: null, photos: [], ...extra,
  };
  return (await mock.createRecord({ kind: 'observation', body: o })).id;
}

async function samples(host: string, at: string, results: SampleResult[]) {
  let i = 0;
  for (const result of results)
    await mock.createRecord({
      kind: 'sample',
      body: { host_observation: host, sample_type: 'blood', barcode: `B-${host.slice(-6)}-${i++}`, collected_at: at, storage: null, lab: null, test: 'PCR', pathogen: 'Yersinia pestis', result, result_date: null },
    });
}

const cells = (c: HTMLElement, table: string) =>
  [...c.querySelectorAll<HTMLTableRowElement>(`#${table} tbody tr`)].map((r) => [...r.cells].map((x) => x.textContent!.trim()));

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('en');
  exported.clear();
  const sites = await mock.listRecords('site');
  const id = (name: string) => sites.find((s) => s.body?.kind === 'site' && s.body.body.name === name)!.id;
  ugtam = id('Ugtam');
  torey = id('Torey Lakes');
  marmot = (await mock.listRecords('taxon')).find((t) => t.body?.kind === 'taxon' && t.body.body.scientific_name === 'Marmota sibirica')!.id;

  // Two years of marmot counts at Ugtam: 2024 one visit of 4 km with 8 marmots; 2025 two visits
  // (5 km and 5 km) with 6 and 9 marmots, and a sighting off any visit (not divided by effort).
  const v24 = await visit(ugtam, '2024-06-10T08:00:00+08:00', 4);
  await sighting({ site: ugtam, visit: v24, count: 8, observed_at: '2024-06-10T09:00:00+08:00' });
  const v25a = await visit(ugtam, '2025-06-10T08:00:00+08:00', 5);
  const v25b = await visit(ugtam, '2025-07-10T08:00:00+08:00', 5);
  await sighting({ site: ugtam, visit: v25a, count: 6, observed_at: '2025-06-10T09:00:00+08:00' });
  await sighting({ site: ugtam, visit: v25b, count: 9, observed_at: '2025-07-10T09:00:00+08:00' });
  await sighting({ site: ugtam, count: 2, observed_at: '2025-08-01T09:00:00+08:00' });

  // This season at Ugtam: a 2 km visit with 10 marmots, 3 of 10 tested positive for plague
  // (and one pending); at Torey Lakes 5 negatives.
  const recent = await visit(ugtam, daysAgo(20), 2);
  const host = await sighting({ site: ugtam, visit: recent, count: 10, observed_at: daysAgo(20, 9) });
  await samples(host, daysAgo(20, 10), [...Array(3).fill('positive'), ...Array(7).fill('negative'), 'pending']);
  const toreyHost = await sighting({ site: torey, count: 1, observed_at: daysAgo(30, 9) });
  await samples(toreyHost, daysAgo(30, 10), Array(5).fill('negative'));
  await loadCache();
});

describe('Reports', () => {
  it('draws marmot counts per year with the visits behind each point and per-km figures', async () => {
    const { container } = render(Reports);
    await waitFor(() => expect(cells(container, 'trend-table').length).toBeGreaterThanOrEqual(3));
    const rows = cells(container, 'trend-table');
    // Period, records, individuals, visits, km, hours, per km, per hour.
    expect(rows[0].slice(0, 5)).toEqual(['2024', '1', '8', '1 (thin)', '4']);
    expect(rows[0][6]).toBe('2');
    expect(rows[1].slice(0, 5)).toEqual(['2025', '3', '17', '2 (thin)', '10']);
    expect(rows[1][6]).toBe('1.5'); // 15 marmots seen on visits / 10 km
    // One point per year, sized by visits; thin ones hollow.
    const points = container.querySelectorAll('#trend-chart circle.point');
    expect(points.length).toBe(rows.length);
    expect(points[0].getAttribute('data-n')).toBe('1');
    expect(points[0].classList.contains('thin')).toBe(true);

    await fireEvent.change(container.querySelector('#trend-measure')!, { target: { value: 'per_km' } });
    await waitFor(() => expect(container.querySelector('#trend-chart figcaption')!.textContent).toContain('Individuals per km'));
  });

  it('shows prevalence with its Wilson interval and exports the table as CSV', async () => {
    const { container } = render(Reports);
    await waitFor(() => expect(cells(container, 'prevalence-table').length).toBe(2));
    const rows = cells(container, 'prevalence-table');
    // Torey Lakes 0/5; Ugtam 3/10 (the pending one is not tested): 30% with Wilson 10.8–60.3%.
    expect(rows).toEqual([
      ['Torey Lakes', '5', '0', '0.0%', '0.0–43.4%'],
      ['Ugtam', '10', '3', '30.0%', '10.8–60.3%'],
    ]);
    expect(container.querySelectorAll('#prevalence-chart .error-bar').length).toBe(2);

    await fireEvent.click(container.querySelector('#prevalence-table-csv')!);
    await waitFor(() => expect(exported.size).toBe(1));
    const [path, csv] = [...exported][0];
    expect(path).toMatch(/Disease prevalence - Site\.csv$/);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('Site,Tested,Positive,Prevalence,95% interval');
    expect(lines[2]).toMatch(/^Ugtam,10,3,0\.3,0\.1077\d*–0\.6032\d*$/);

    await fireEvent.change(container.querySelector('#prevalence-by')!, { target: { value: 'host' } });
    await waitFor(() => expect(cells(container, 'prevalence-table')).toEqual([['Marmota sibirica', '15', '3', '20.0%', '7.0–45.2%']]));
  });

  it('ranks sites by risk, marks those over the threshold, and lets the lead move it', async () => {
    const { container } = render(Reports);
    await waitFor(() => expect(cells(container, 'risk-table').length).toBe(2));
    const rows = cells(container, 'risk-table');
    // Ugtam: hosts 10 / 2 km = 5 per km → 0.5; positivity lower bound 10.8% ≥ 5% → 1;
    // weights 1 and 2: (0.5 + 2) / 3 = 0.83. Torey Lakes: no effort, 0/5 → 0.
    expect(rows[0].slice(0, 4)).toEqual(['1', 'Ugtam', 'Mongolia', '0.83 ▲ over the threshold']);
    expect(rows[1].slice(0, 4)).toEqual(['2', 'Torey Lakes', 'Russia', '0']);
    expect(container.querySelectorAll('#risk-table tr.over').length).toBe(1);

    const input = container.querySelector<HTMLInputElement>('#risk-threshold')!;
    await fireEvent.input(input, { target: { value: '0.9' } });
    await fireEvent.click(container.querySelector('#risk-threshold-save')!);
    await waitFor(() => expect(container.querySelectorAll('#risk-table tr.over').length).toBe(0));
    expect(container.querySelector('#risk-threshold-value')!.textContent).toBe('0.9');
  });

  it('lists the site dashboards and country progress in Russian', async () => {
    setLocale('ru');
    const { container } = render(Reports);
    await waitFor(() => expect(cells(container, 'site-table').length).toBe(3));
    const ug = cells(container, 'site-table').find((r) => r[0] === 'Ugtam')!;
    // Site, country, species, records, individuals, visits, last visit, effort, samples, positive, prevalence.
    expect(ug.slice(0, 6)).toEqual(['Ugtam', 'Монголия', '1', '5', '35', '4']);
    expect(ug[8]).toBe('11');
    expect(ug[9]).toBe('3 / 10');
    expect(ug[10]).toBe('30,0\u00a0%');
    await waitFor(() => expect(cells(container, 'progress-table').length).toBeGreaterThan(0));
    const mn = cells(container, 'progress-table').find((r) => r[0] === 'Монголия')!;
    expect(mn[1]).toBe('5');
    expect(container.querySelector('#report-sheet-title')!.textContent).toContain('Отчёт мониторинга');
    setLocale('en');
  });

  it('prints the report for a country through the print path', async () => {
    const { container } = render(Reports);
    await fireEvent.change(container.querySelector('#report-scope')!, { target: { value: 'country' } });
    await fireEvent.change(container.querySelector('#report-country')!, { target: { value: 'RU' } });
    await waitFor(() => expect(cells(container, 'site-table').map((r) => r[0])).toEqual(['Torey Lakes']));
    await waitFor(() => expect(container.querySelector<HTMLButtonElement>('#report-print')!.disabled).toBe(false));
    await fireEvent.click(container.querySelector('#report-print')!);
    await waitFor(() => expect(container.querySelector('#report-print-hint')!.textContent).toContain('Monitoring report — Russia.pdf'));
  });
});

describe('Home', () => {
  it('lists sites over the risk threshold under "needs attention"', async () => {
    const { container } = render(Home);
    await waitFor(() => expect(container.querySelector('[data-testid="risk-site"]')).not.toBeNull());
    const items = [...container.querySelectorAll('[data-testid="risk-site"]')].map((e) => e.textContent!.trim());
    expect(items).toEqual(['Site Ugtam: risk index 0.83, over the threshold 0.5']);
  });
});
