// A survey lead back from the field reads the monitoring reports: two years of marmot counts at
// a Mongolian site and this season's plague results there and at a Russian site are written
// into the app's store, then the Reports screen is read in English and in Russian with its
// charts drawn, a table is saved as CSV, Home lists the risky site, and the report is printed
// to PDF through the system print dialog and read back.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appReady, openScreen, printToPdf, screenshot, setLanguage } from './helpers.mjs';

/** Calls a command of the app's backend from the page, as the window itself does. */
async function invoke(cmd, args) {
  return browser.execute((c, a) => window.__TAURI_INTERNALS__.invoke(c, a), cmd, args);
}

/** A time `days` before today in Ulaanbaatar (UTC+8). */
function daysAgo(days, hour = 8) {
  const d = new Date(Date.now() - days * 86_400_000);
  return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00:00+08:00`;
}

const visit = (site, start, km) => ({
  kind: 'visit',
  body: {
    survey: null, site, start, end: start.replace('T08', 'T11'), observers: ['Bayarmaa'], protocol: 'line transect',
    effort_value: km, effort_unit: 'km', weather: null, track: [],
  },
});

const sighting = (taxon, site, visitId, count, at) => ({
  kind: 'observation',
  body: {
    visit: visitId, site, taxon, taxon_name: null, count, count_min: null, count_max: null, unit: 'individuals', sex: null, age: null,
    behaviour: null, lat: null, lon: null, uncertainty_m: null, observed_at: at, observers: ['Bayarmaa'], detection_method: 'seen',
    notes: null, photos: [],
  },
});

const sample = (host, barcode, at, result) => ({
  kind: 'sample',
  body: {
    host_observation: host, sample_type: 'blood', barcode, collected_at: at, storage: null, lab: 'Ulaanbaatar NCZD', test: 'PCR',
    pathogen: 'Yersinia pestis', result, result_date: result === 'pending' ? null : at.slice(0, 10),
  },
});

const rows = (table) =>
  browser.execute((t) => [...document.querySelectorAll(`#${t} tbody tr`)].map((r) => [...r.cells].map((c) => c.textContent.trim())), table);

describe('monitoring reports', () => {
  const exportDir = mkdtempSync(path.join(tmpdir(), 'dauria-reports-'));

  before(async () => {
    await appReady();
    await setLanguage('en');
    await openScreen('exchange');
    await $('#export-dir').setValue(exportDir);
    await $('#export-dir-save').click();
    await expect($('#export-dir-hint')).toHaveText(expect.stringContaining(exportDir));

    const ugtam = (await invoke('site_save', { id: null, input: { name: 'Ugtam valley', lat: 49.72, lon: 115.08, uncertainty_m: 500, elevation_m: null, habitat: 'steppe' } })).id;
    const torey = (await invoke('site_save', { id: null, input: { name: 'Torey north shore', lat: 50.08, lon: 115.6, uncertainty_m: 500, elevation_m: null, habitat: 'steppe lake' } })).id;
    const taxa = await invoke('list_records', { kind: 'taxon' });
    const marmot = taxa.find((t) => t.body?.body?.scientific_name === 'Marmota sibirica').id;
    const create = async (b) => (await invoke('create_record', { body: b })).id;

    // Marmots at Ugtam: 2024 one 4 km transect with 8; 2025 two 5 km transects with 6 and 9.
    const v24 = await create(visit(ugtam, '2024-06-10T08:00:00+08:00', 4));
    await create(sighting(marmot, ugtam, v24, 8, '2024-06-10T09:00:00+08:00'));
    const v25a = await create(visit(ugtam, '2025-06-10T08:00:00+08:00', 5));
    const v25b = await create(visit(ugtam, '2025-07-10T08:00:00+08:00', 5));
    await create(sighting(marmot, ugtam, v25a, 6, '2025-06-10T09:00:00+08:00'));
    await create(sighting(marmot, ugtam, v25b, 9, '2025-07-10T09:00:00+08:00'));
    // This season: 10 marmots on a 2 km transect at Ugtam, 3 of 10 tested positive for plague;
    // at Torey 5 marmots tested negative.
    const recent = await create(visit(ugtam, daysAgo(20), 2));
    const host = await create(sighting(marmot, ugtam, recent, 10, daysAgo(20, 9)));
    for (let i = 0; i < 10; i++) await create(sample(host, `UG-${i}`, daysAgo(20, 10), i < 3 ? 'positive' : 'negative'));
    const toreyVisit = await create(visit(torey, daysAgo(30), 3));
    const toreyHost = await create(sighting(marmot, torey, toreyVisit, 5, daysAgo(30, 9)));
    for (let i = 0; i < 5; i++) await create(sample(toreyHost, `TO-${i}`, daysAgo(30, 10), 'negative'));
  });

  it('shows trends, prevalence and risk in English with the charts drawn', async () => {
    await openScreen('reports');
    await browser.waitUntil(async () => (await $$('#trend-chart circle.point')).length >= 3, { timeoutMsg: 'the trend chart has no points' });
    // Earlier specs may have left samples of their own in this app's store: read our two sites.
    const ours = (r) => ['Torey north shore', 'Ugtam valley'].includes(r[0]);
    await browser.waitUntil(async () => (await rows('prevalence-table')).filter(ours).length === 2, { timeoutMsg: 'no prevalence rows' });
    const prev = (await rows('prevalence-table')).filter(ours);
    expect(prev).toEqual([
      ['Torey north shore', '5', '0', '0.0%', '0.0–43.4%'],
      ['Ugtam valley', '10', '3', '30.0%', '10.8–60.3%'],
    ]);
    expect((await $$('#prevalence-chart .error-bar')).length).toBeGreaterThanOrEqual(2);
    const risk = await rows('risk-table');
    const ugtamRisk = risk.findIndex((r) => r[1] === 'Ugtam valley');
    const toreyRisk = risk.findIndex((r) => r[1] === 'Torey north shore');
    expect(ugtamRisk).toBeGreaterThanOrEqual(0);
    expect(toreyRisk === -1 || ugtamRisk < toreyRisk).toBe(true);
    expect(risk[ugtamRisk][3]).toContain('over the threshold');
    // The map of sites coloured by risk is drawn.
    expect(await $$('#report-map path.leaflet-interactive')).not.toBeElementsArrayOfSize(0);
    await screenshot('reports-en');
    await $('#report-sites').scrollIntoView();
    await screenshot('reports-en-sites');
  });

  it('saves the prevalence table as CSV in the export folder', async () => {
    await $('#prevalence-table-csv').click();
    await browser.waitUntil(() => readdirSync(exportDir).some((f) => f.endsWith('.csv')), { timeoutMsg: 'no CSV was written' });
    const file = readdirSync(exportDir).find((f) => f.endsWith('.csv'));
    const csv = readFileSync(path.join(exportDir, file), 'utf8').replace(/^\ufeff/, '');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toBe('Site,Tested,Positive,Prevalence,95% interval');
    const ugtamLine = lines.find((l) => l.startsWith('Ugtam valley,'));
    expect(ugtamLine).toMatch(/^Ugtam valley,10,3,0\.3,0\.1077\d*–0\.6032\d*$/);
  });

  it('lists the risky site on Home under "needs attention"', async () => {
    await openScreen('home');
    const item = $('[data-testid="risk-site"]');
    await item.waitForDisplayed({ timeoutMsg: 'no site needs attention on Home' });
    await expect(item).toHaveText(expect.stringContaining('Ugtam valley'));
  });

  it('shows the reports in Russian and prints the report as a PDF', async () => {
    await setLanguage('ru');
    await openScreen('reports');
    await expect($('#report-sheet-title')).toHaveText(expect.stringContaining('Отчёт мониторинга'));
    await browser.waitUntil(async () => (await $$('#trend-chart circle.point')).length >= 3, { timeoutMsg: 'the trend chart has no points' });
    await browser.waitUntil(async () => (await rows('prevalence-table')).some((r) => r[3] === '30,0\u00a0%'), { timeoutMsg: 'no Russian prevalence' });
    await screenshot('reports-ru');

    await $('#report-print').click();
    const pdf = path.join(exportDir, 'Отчёт мониторинга — Весь регион.pdf');
    const { info, text } = await printToPdf(pdf, 'reports-ru-print-dialog');
    await expect($('#report-print-hint')).toHaveText(expect.stringContaining(pdf));
    expect(info).toMatch(/Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)/);
    expect(text).toContain('Отчёт мониторинга');
    expect(text).toMatch(/30,0\s?%/);
    expect(text).toContain('Ugtam valley');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdf, path.join(process.env.DAURIA_SCREENSHOTS, 'reports-ru-pdf')]);
    await setLanguage('en');
  });
});
