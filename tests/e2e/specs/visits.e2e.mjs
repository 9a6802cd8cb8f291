// A field day in the real window: a visit started on a planned route, three sightings logged
// into it, the visit ended with its effort shown on Home and in the survey's progress. Then the
// same survey is edited here and on a second laptop (dauria-cli) through a real dauria-server,
// and the conflict is merged side by side from the survey's conflict badge.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appReady, openScreen, screenshot, setLanguage, syncNowInApp } from './helpers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = (name) => path.join(root, 'target/debug', name);
const appData = process.env.DAURIA_E2E_DATA;
const serverDir = mkdtempSync(path.join(tmpdir(), 'dauria-e2e-server-'));
const laptopB = mkdtempSync(path.join(tmpdir(), 'dauria-e2e-laptop-b-'));
// The app's own store, written by dauria-cli as a planner would before the field day.
const here = (...args) => execFileSync(bin('dauria-cli'), ['--data-dir', appData, ...args], { encoding: 'utf8' });
const other = (...args) => execFileSync(bin('dauria-cli'), ['--data-dir', laptopB, ...args], { encoding: 'utf8' });
const enrollCode = (name) =>
  execFileSync(bin('dauria-server'), ['--data-dir', serverDir, 'enroll', '--name', name, '--role', 'lead'], { encoding: 'utf8' }).trim();

const SIGHTINGS = [
  ['Antigone vipio', '2'],
  ['Grus japonensis', '1'],
  ['Anser cygnoides', '30'],
];

let survey;
let visit;
let server;
let url;

async function observationCount() {
  return browser.execute(() => window.__TAURI_INTERNALS__.invoke('stats').then((s) => s.observations));
}

async function openSurvey() {
  await openScreen('surveys');
  const open = $(`[data-testid="survey-row"][data-id="${survey}"] [data-action="open"]`);
  await open.waitForDisplayed({ timeoutMsg: 'the survey is not listed' });
  await open.click();
}

describe('a visit and its effort, and a survey merged after edits on two laptops', () => {
  before(async () => {
    await appReady();
    // The checks read English words; a spec before this one may have left another language.
    await setLanguage('en');
    survey = here('survey', 'add', '--title', 'Torey lakes cranes', '--region', 'Daursky', '--start', '2026-06-01', '--end', '2026-06-15').trim();
    const gpx = path.join(serverDir, 'north-shore.gpx');
    // 1.444 km east along 49.5° N, then 2.224 km north: 3.668 km by the haversine formula.
    writeFileSync(
      gpx,
      `<gpx version="1.1" creator="e2e" xmlns="http://www.topografix.com/GPX/1/1"><rte><name>North shore</name>
       <rtept lat="49.5" lon="117.5"/><rtept lat="49.5" lon="117.52"/><rtept lat="49.52" lon="117.52"/></rte></gpx>`,
    );
    here('gpx', 'import', gpx, '--survey', survey);
  });
  after(() => server?.kill());

  it('starts a visit on a route, logs three sightings into it and ends it with its effort', async () => {
    // Home again, so the panel reads the survey and route planned a moment ago.
    await openScreen('log');
    await openScreen('home');
    await $('#visit-new').click();
    await $('#visit-protocol').setValue('line transect');
    await $('#visit-observers').setValue('O. Goroshko, A. Batsaikhan');
    await $('#visit-survey').selectByAttribute('value', survey);
    await $('input[name="visit-place"][value="route"]').click();
    await $('#visit-route').selectByVisibleText('North shore');
    await $('#visit-start').click();
    await $('#visit-open').waitForDisplayed({ timeoutMsg: 'the visit did not start' });
    await expect($('#visit-open')).toHaveText(expect.stringContaining('line transect'));
    visit = JSON.parse(here('visit', 'list', '--format', 'json')).find((v) => v.open).id;
    await screenshot('visit-open');

    const before = await observationCount();
    await openScreen('log');
    await $('#log-visit').waitForDisplayed({ timeoutMsg: 'the log form does not say the sighting goes into the open visit' });
    if (!(await $('#site').getValue())) await $('#site').selectByIndex(1);
    await browser.execute(() => document.getElementById('species').focus());
    for (const [i, [name, count]] of SIGHTINGS.entries()) {
      await browser.keys(name);
      await $('#species-list').waitForDisplayed({ timeoutMsg: `typing ${name} offered no species` });
      await browser.keys('Enter');
      await browser.waitUntil(async () => (await browser.execute(() => document.activeElement?.id)) === 'count', {
        timeoutMsg: `choosing ${name} did not move on to the count`,
      });
      await browser.keys(count);
      await browser.keys(['Control', 'Shift', 'Enter']);
      await browser.waitUntil(async () => (await observationCount()) === before + i + 1 && (await $('#species').getValue()) === '', {
        timeoutMsg: `sighting ${i + 1} (${name}) was not saved`,
      });
    }
    const inVisit = JSON.parse(here('obs', 'list', '--format', 'json')).filter((r) => r.observation.visit === visit);
    expect(inVisit.length).toBe(3);

    await openScreen('home');
    await $('#visit-end').click();
    await $('#visit-effort').waitForDisplayed({ timeoutMsg: 'ending the visit showed no effort' });
    const effort = await $('#visit-effort').getText();
    expect(effort).toMatch(/3\.67 km \(route\)/);
    expect(effort).toMatch(/\d+ min/);
    await screenshot('visit-ended-effort');
    const ended = JSON.parse(here('visit', 'list', '--format', 'json')).find((v) => v.id === visit);
    expect(ended.open).toBe(false);
    expect(ended.visit.effort_unit).toBe('km');
    expect(ended.visit.effort_value).toBeCloseTo(3.668, 3);

    await openSurvey();
    await $('#survey-visits').waitForDisplayed({ timeoutMsg: 'the survey progress lists no visits' });
    await expect($('#survey-visits')).toHaveText(expect.stringContaining('3.67 km (route)'));
    await expect($('#progress-records')).toHaveText('3');
    await expect($('#progress-visits')).toHaveText(expect.stringContaining('1'));
    await screenshot('visit-survey-progress');
  });

  it('makes a finished visit from a GPX track recorded on a GPS unit', async () => {
    const walk = path.join(serverDir, 'morning-walk.gpx');
    // 1.112 km north, then 0.729 km east along 49.01° N, in 1 h 15 min.
    writeFileSync(
      walk,
      `<?xml version="1.0"?><gpx version="1.1" creator="e2e" xmlns="http://www.topografix.com/GPX/1/1">
       <trk><name>Morning walk</name><trkseg>
       <trkpt lat="49.0" lon="117.0"><time>2026-06-02T22:00:00Z</time></trkpt>
       <trkpt lat="49.01" lon="117.0"><time>2026-06-02T22:40:00Z</time></trkpt>
       <trkpt lat="49.01" lon="117.01"><time>2026-06-02T23:15:00Z</time></trkpt></trkseg></trk></gpx>`,
    );
    await openScreen('log');
    await openScreen('home');
    await $('#visit-new').click();
    await $('#visit-protocol').setValue('line transect');
    await $('#visit-survey').selectByAttribute('value', survey);
    await $('#visit-gpx').setValue(walk);
    await $('#visit-gpx-note').waitForDisplayed({ timeoutMsg: 'the GPX track made no visit' });
    await expect($('#visit-effort')).toHaveText(expect.stringContaining('1.25 h · 1.84 km (GPS track)'));
    const made = JSON.parse(here('visit', 'list', '--survey', survey, '--format', 'json')).find((v) => v.visit.start === '2026-06-02T22:00:00Z');
    expect(made.visit.end).toBe('2026-06-02T23:15:00Z');
    expect(made.visit.track.length).toBe(3);
    expect(made.visit.protocol).toBe('line transect');
    expect(await $('#visit-open').isExisting()).toBe(false);
  });

  it('merges a survey edited on two laptops, a field from each', async () => {
    server = spawn(bin('dauria-server'), ['--data-dir', serverDir, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/\S+)/);
        if (m) resolve(m[1]);
      });
      server.on('exit', (c) => reject(new Error(`dauria-server exited with ${c}`)));
    });
    await openScreen('sync');
    await $('#sync-server').setValue(url);
    await $('#sync-code').setValue(enrollCode('Field laptop'));
    await $('#sync-enroll').click();
    await $('#sync-enrolled').waitForExist({ timeoutMsg: 'enrollment did not succeed' });
    await browser.waitUntil(async () => (await $('#sync-pending').getText()) === '0', {
      timeout: 30000,
      timeoutMsg: 'the app did not send its changes',
    });
    other('init');
    other('enroll', '--server', url, enrollCode('Survey lead laptop'));
    other('sync');

    // The lead sets an exchange rate while the field laptop corrects the region.
    other('survey', 'rate', survey, '--currency', 'MNT', '--per-usd', '3400');
    await openSurvey();
    await $('#survey-region').setValue('Daursky, north shore of Zun-Torey');
    await $('#survey-save').click();
    await browser.waitUntil(() => here('survey', 'show', survey).includes('north shore'), { timeoutMsg: 'the region edit was not saved' });
    other('sync');
    await syncNowInApp();

    await openScreen('surveys');
    const badge = $(`[data-conflict="${survey}"]`);
    await badge.waitForDisplayed({ timeoutMsg: 'the concurrent edits are not shown as a conflict' });
    await badge.click();
    await $('#merge-view').waitForDisplayed();
    expect(await $('#merge-view').getAttribute('data-kind')).toBe('survey');
    await screenshot('merge-survey');
    const pick = async (field, text) => {
      const radios = await $$(`tr[data-field="${field}"] input[type="radio"]`);
      expect(radios.length).toBe(2);
      let picked = false;
      for (const r of radios) {
        if ((await r.parentElement().getText()).includes(text)) {
          await r.click();
          picked = true;
        }
      }
      expect(picked).toBe(true);
    };
    await pick('region', 'north shore');
    await pick('exchange_rates', '3400');
    await $('#merge-apply').click();
    await browser.waitUntil(async () => !(await $(`[data-conflict="${survey}"]`).isExisting()), {
      timeoutMsg: 'merging did not resolve the conflict',
    });

    const merged = await browser.execute((id) => window.__TAURI_INTERNALS__.invoke('get_record', { id }), survey);
    expect(merged.conflict).toBe(false);
    expect(merged.body.body.region).toContain('north shore');
    expect(merged.body.body.exchange_rates).toEqual([{ currency: 'MNT', per_usd: '3400' }]);

    // The merge reaches the other laptop and resolves it there too.
    await syncNowInApp();
    other('sync');
    expect(other('conflicts')).not.toContain(survey);
    expect(other('survey', 'show', survey)).toContain('north shore');
  });
});
