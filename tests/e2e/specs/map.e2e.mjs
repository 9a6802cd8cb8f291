// The main map in the real window: the bundled basemap of the Daur region at region and site
// zoom in English and Russian (rivers, lakes and settlement names checked in the renderer's own
// state and in the pixels it painted), a survey route and a visit's GPS track drawn on it, and
// every sighting clustered, more than the 2,000 the map once drew.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appReady, openScreen, screenshot, setLanguage } from './helpers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = (...args) =>
  execFileSync(path.join(root, 'target/debug/dauria-cli'), ['--data-dir', process.env.DAURIA_E2E_DATA, ...args], { encoding: 'utf8' });
const work = mkdtempSync(path.join(tmpdir(), 'dauria-e2e-map-'));

// ui/src/lib/map/basemap.ts COLOURS: lakes and sea, rivers.
const WATER = [0x9c, 0xc3, 0xdc];
const RIVER = [0x5b, 0x97, 0xc2];
const HULUN = [48.97, 117.44];
// Open water in Hulun Lake away from its label, at region and at site zoom.
const HULUN_WATER = [48.75, 117.25];
const HULUN_WATER_CLOSE = [48.85, 117.35];
const SIGHTINGS = 2500;

async function openMap(locale) {
  await openScreen('map');
  await $('#map[data-ready="true"]').waitForExist({ timeoutMsg: 'the map did not load its layers' });
  await browser.waitUntil(async () => (await $('#map').getAttribute('data-basemap')) === locale, {
    timeoutMsg: `the basemap was not labelled in ${locale}`,
  }).catch(async (e) => {
    throw new Error(`${e.message}: ${await $('#map').getAttribute('data-basemap-error')}`);
  });
}

async function view(lat, lon, zoom) {
  await browser.execute((a, b, z) => window.dauriaMap.view(a, b, z), lat, lon, zoom);
  await browser.waitUntil(async () => (await $('#map').getAttribute('data-tiles')) === String(zoom), {
    timeoutMsg: `the basemap tiles at zoom ${zoom} did not finish`,
  });
}

/** Waits until the renderer has painted every one of `names` as a label. */
async function waitForLabels(names) {
  let painted = [];
  await browser.waitUntil(
    async () => {
      painted = await browser.execute(() => window.dauriaMap.painted());
      return names.every((n) => painted.includes(n));
    },
    { timeoutMsg: 'labels not painted' },
  ).catch(async (e) => {
    await screenshot('map-labels-missing');
    throw new Error(`${e.message}: ${names.filter((n) => !painted.includes(n)).join(', ')} (painted: ${painted.slice(0, 40).join(', ')})`);
  });
  return painted;
}

/**
 * Share of the basemap tiles' painted pixels of each colour (within a small tolerance for
 * anti-aliasing), read back from the tile canvases, and the colour under a position.
 */
async function pixels(colours, at) {
  return browser.execute(
    (want, lat, lon) => {
      const counts = want.map(() => 0);
      let total = 0;
      const near = (d, i, c) => d[i + 3] > 100 && Math.abs(d[i] - c[0]) < 24 && Math.abs(d[i + 1] - c[1]) < 24 && Math.abs(d[i + 2] - c[2]) < 24;
      const tiles = [...document.querySelectorAll('#map canvas.leaflet-tile')];
      for (const c of tiles) {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) {
          total++;
          want.forEach((w, k) => {
            if (near(d, i, w)) counts[k]++;
          });
        }
      }
      // The pixel under the position, in whichever tile canvas covers it.
      const p = window.dauriaMap.point(lat, lon);
      const box = document.getElementById('map').getBoundingClientRect();
      const x = box.left + p.x;
      const y = box.top + p.y;
      let under = null;
      for (const c of tiles) {
        const r = c.getBoundingClientRect();
        if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
        const px = Math.floor(((x - r.left) * c.width) / r.width);
        const py = Math.floor(((y - r.top) * c.height) / r.height);
        under = [...c.getContext('2d').getImageData(px, py, 1, 1).data];
      }
      return { shares: counts.map((n) => n / Math.max(1, total)), tiles: tiles.length, under };
    },
    colours,
    at[0],
    at[1],
  );
}

function expectWater(rgba) {
  const water = rgba && rgba[3] > 100 && rgba.slice(0, 3).every((v, i) => Math.abs(v - WATER[i]) < 24);
  if (!water) throw new Error(`the pixel in Hulun Lake is ${JSON.stringify(rgba)}, not the lakes' colour ${WATER}`);
}

describe('the main map', () => {
  before(async () => {
    await appReady();
    await setLanguage('en');
    const survey = cli('survey', 'add', '--title', 'Hulun shore transects', '--region', 'Dalai Lake', '--start', '2026-06-01', '--end', '2026-06-20').trim();
    const gpx = path.join(work, 'hulun.gpx');
    writeFileSync(
      gpx,
      `<?xml version="1.0"?><gpx version="1.1" creator="e2e" xmlns="http://www.topografix.com/GPX/1/1">
       <rte><name>Hulun east shore</name>
         <rtept lat="48.90" lon="117.62"/><rtept lat="48.96" lon="117.66"/><rtept lat="49.03" lon="117.64"/><rtept lat="49.08" lon="117.70"/></rte>
       <trk><name>Shore walk</name><trkseg>
         <trkpt lat="48.92" lon="117.70"><time>2026-06-03T00:00:00Z</time></trkpt>
         <trkpt lat="48.97" lon="117.74"><time>2026-06-03T01:00:00Z</time></trkpt>
         <trkpt lat="49.02" lon="117.72"><time>2026-06-03T02:00:00Z</time></trkpt></trkseg></trk></gpx>`,
    );
    cli('gpx', 'import', gpx, '--survey', survey);
    // More sightings than the map once drew, spread over the steppe east of Hulun Lake.
    let csv = 'taxon,count,lat,lon,observed_at\n';
    for (let i = 0; i < SIGHTINGS; i++) {
      const lat = (48.6 + (i % 50) * 0.012).toFixed(4);
      const lon = (117.8 + Math.floor(i / 50) * 0.012).toFixed(4);
      csv += `Procapra gutturosa,${1 + (i % 7)},${lat},${lon},2026-06-${String(1 + (i % 20)).padStart(2, '0')}T08:00:00+08:00\n`;
    }
    writeFileSync(path.join(work, 'gazelles.csv'), csv);
    cli('import', 'observations', path.join(work, 'gazelles.csv'));
  });

  it('draws lakes, rivers and place names at region zoom, in English', async () => {
    await openMap('en');
    await view(49.4, 116.8, 6);
    await waitForLabels(['Hulun Lake', 'Buir Lake', 'Chita']);
    const px = await pixels([WATER, RIVER], HULUN_WATER);
    expect(px.tiles).toBeGreaterThan(3);
    expectWater(px.under);
    expect(px.shares[0]).toBeGreaterThan(0.002); // lakes (Hulun alone is about 40 × 70 px here)
    expect(px.shares[1]).toBeGreaterThan(0.0005); // rivers
    // The renderer's own features: the lake under Hulun's centre, the Kherlen at Choibalsan.
    const lake = await browser.execute((a, b) => window.dauriaMap.features(a, b, 2), ...HULUN);
    expect(lake).toContainEqual(expect.objectContaining({ layer: 'water', kind: 'lake' }));
    const kherlen = await browser.execute(() => window.dauriaMap.features(48.07, 114.53, 12));
    expect(kherlen).toContainEqual(expect.objectContaining({ layer: 'rivers' }));
    expect(kherlen).toContainEqual(expect.objectContaining({ layer: 'places', name: 'Choibalsan' }));
    await screenshot('map-region-en');
  });

  it('shows every sighting, clustered, with the route and the track', async () => {
    const total = await browser.execute(() => window.__TAURI_INTERNALS__.invoke('stats').then((s) => s.observations));
    expect(total).toBeGreaterThanOrEqual(SIGHTINGS);
    const counts = await browser.execute(() => window.dauriaMap.counts());
    // Every sighting with a position (its own or its site's); other specs' imports may hold
    // historical records with neither.
    expect(counts.sightings).toBeGreaterThanOrEqual(SIGHTINGS);
    expect(counts.sightings).toBeLessThanOrEqual(total);
    // The region's view holds all 2,500 gazelle sightings, drawn as clusters.
    expect(counts.inView).toBeGreaterThanOrEqual(SIGHTINGS);
    expect(counts.routes).toBeGreaterThanOrEqual(1);
    expect(counts.tracks).toBeGreaterThanOrEqual(1);
    // At region zoom the 2,500 gazelle sightings are a handful of cluster markers, not 2,500 dots.
    expect(counts.clusters).toBeLessThan(200);
    const labels = await $$('#map .cluster span').map((e) => e.getText());
    expect(labels.length).toBeGreaterThan(0);
    await expect($('#map path.route-line')).toBeDisplayed();
    await expect($('#map path.track-line')).toBeDisplayed();
  });

  it('draws the shore, the route and the track at site zoom', async () => {
    await view(48.98, 117.62, 10);
    const px = await pixels([WATER], HULUN_WATER_CLOSE);
    expectWater(px.under);
    expect(px.shares[0]).toBeGreaterThan(0.05);
    await expect($('#map path.route-line')).toBeDisplayed();
    await expect($('#map path.track-line')).toBeDisplayed();
    const lake = await browser.execute((a, b) => window.dauriaMap.features(a, b, 2), ...HULUN_WATER_CLOSE);
    expect(lake).toContainEqual(expect.objectContaining({ layer: 'water', kind: 'lake' }));
    // Single sightings are drawn one by one when zoomed in.
    const counts = await browser.execute(() => window.dauriaMap.counts());
    expect(counts.clusters).toBeGreaterThan(0);
    await screenshot('map-site-en');
  });

  it('labels the map in Russian', async () => {
    await setLanguage('ru');
    await openMap('ru');
    await view(49.4, 116.8, 6);
    await waitForLabels(['озеро Хулун-Нур', 'озеро Буир-Нур', 'Чита']);
    const painted = await browser.execute(() => window.dauriaMap.painted());
    expect(painted).not.toContain('Chita');
    const px = await pixels([WATER, RIVER], HULUN_WATER);
    expectWater(px.under);
    await expect($('#basemap-legend')).toHaveText(expect.stringContaining('Реки'));
    await screenshot('map-region-ru');
    await view(48.98, 117.62, 10);
    await expect($('#map path.route-line')).toBeDisplayed();
    await screenshot('map-site-ru');
    await setLanguage('en');
  });
});
