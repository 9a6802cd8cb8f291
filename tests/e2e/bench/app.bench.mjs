// Measures, in the running release app: the IPC round trip (baseline), Ctrl+Enter to the new
// sighting shown in the list, the memory (PSS of the app and its WebKit processes) after
// scrolling the whole observation list of a big store, and the memory of a fresh run with the
// map open on every sighting, clustered.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function pssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function tree(pid) {
  let kids = [];
  try {
    kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
  } catch {
    // no children
  }
  return [String(pid), ...kids.flatMap(tree)];
}

/** PSS of the app process and everything it started (the WebKit web and network processes). */
function appPssMiB() {
  const pids = execFileSync('pgrep', ['-f', '--', `--data-dir ${process.env.DAURIA_BENCH_DATA}$`], { encoding: 'utf8' })
    .split(/\s+/)
    .filter(Boolean);
  const app = pids.find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(process.env.DAURIA_APP));
  if (!app) throw new Error('cannot find the app process');
  const all = tree(app);
  const each = all.map((p) => {
    let name = '?';
    try {
      name = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
    } catch {
      // gone
    }
    return [name, Math.round(pssKiB(p) / 1024)];
  });
  return { mib: all.reduce((n, p) => n + pssKiB(p), 0) / 1024, processes: all.length, each };
}

/**
 * PSS once the app is idle, measured as the empty window's is (scripts/bench-app.sh): the same
 * pause after the last step, so neither figure holds work still in flight.
 */
async function settledPss() {
  await browser.pause(Number(process.env.BENCH_SETTLE_MS ?? 2000));
  return appPssMiB();
}

const results = {};

describe('app benchmark', () => {
  before(async () => {
    await browser.setTimeout({ script: 1800000 });
    await $('.shell[data-ready="true"]').waitForExist({ timeout: 60000 });
  });

  it('IPC round trip (baseline)', async () => {
    const times = await browser.executeAsync((done) => {
      const out = [];
      const step = () => {
        if (out.length === 21) return done(out);
        const t0 = performance.now();
        window.__TAURI_INTERNALS__.invoke('log_dir').then(() => {
          out.push(performance.now() - t0);
          step();
        });
      };
      step();
    });
    results.ipc_ms = median(times.slice(1));
  });

  it('Ctrl+Enter to the sighting shown in the list', async () => {
    const times = [];
    for (let i = 0; i < 5; i++) {
      await $('[data-nav="log"]').click();
      await $('#species').setValue('Marmota sibirica');
      await $('#species-list button[data-taxon="Marmota sibirica"]').waitForDisplayed();
      await browser.keys('Enter');
      await $('#species-chosen').waitForExist();
      await $('#count').setValue(String(i + 1));
      await $('#site').selectByIndex(1);
      times.push(
        await browser.executeAsync((done) => {
          const t0 = performance.now();
          const notes = document.querySelector('#notes');
          notes.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
          const poll = () => {
            const row = document.querySelector('.obs-row.selected');
            if (row && document.querySelector('#detail-count')) done(performance.now() - t0);
            else requestAnimationFrame(poll);
          };
          poll();
        }),
      );
    }
    results.save_to_list_ms = median(times);
    results.save_to_list_all_ms = times;
  });

  it('memory after scrolling the whole list of a million observations', async () => {
    await $('[data-nav="observations"]').click();
    await $('.obs-row').waitForExist({ timeout: 30000 });
    await $('#obs-total').waitForExist({ timeout: 60000 });
    results.total_rows = Number((await $('#obs-total').getText()).replace(/\D/g, ''));
    // Real scroll steps from the top, then jumps to the end of what the list knows, each of
    // which loads the next page, until the last row; then real steps back up, through pages
    // the list dropped and fetches again. Every page of the list is loaded at least once. The
    // window does the work in slices of a few seconds (one WebDriver request each).
    const steps = Number(process.env.BENCH_SCROLL_STEPS ?? 150);
    const t0 = Date.now();
    await browser.execute(() => {
      const list = document.querySelector('#observation-list');
      // Resolves once no row in view is waiting for its page.
      const settle = () =>
        new Promise((resolve) => {
          const check = () => (document.querySelector('.obs-row.placeholder') ? requestAnimationFrame(check) : resolve());
          requestAnimationFrame(check);
        });
      const loaded = () => Number(list.dataset.loaded);
      window.benchScroll = {
        async steps(n, by) {
          for (let i = 0; i < n; i++) {
            list.scrollTop += by;
            await settle();
          }
          return loaded();
        },
        /**
         * Jumps to the end until the list holds `total` rows, stops growing (20 jumps in a row
         * without a new row) or `ms` have passed.
         */
        async toEnd(ms, total) {
          const end = performance.now() + ms;
          let jumps = 0;
          let still = 0;
          while (loaded() < total && still < 20 && performance.now() < end) {
            const before = loaded();
            list.scrollTop = list.scrollHeight;
            jumps += 1;
            await settle();
            still = loaded() === before ? still + 1 : 0;
          }
          return { loaded: loaded(), jumps, end: loaded() >= total || still >= 20 };
        },
      };
    });
    await browser.executeAsync((n, done) => window.benchScroll.steps(n, 8000).then(done), steps);
    let jumps = 0;
    let reached = 0;
    for (;;) {
      const r = await browser.executeAsync((total, done) => window.benchScroll.toEnd(20000, total).then(done), results.total_rows);
      jumps += r.jumps;
      reached = r.loaded;
      console.log(`scrolled: ${r.loaded} rows known after ${Math.round((Date.now() - t0) / 1000)} s`);
      if (r.end) break;
    }
    const loaded = await browser.executeAsync((n, done) => window.benchScroll.steps(n, -8000).then(done), steps);
    const scrolled = {
      ms: Date.now() - t0,
      jumps,
      // Rows the list knew at its end, and once scrolled back up.
      loaded: reached,
      loaded_after: loaded,
      rows_in_dom: await browser.execute(() => document.querySelectorAll('.obs-row').length),
    };
    results.scroll = scrolled;
    // A list that stops short of its last row is reported as such (scripts/bench-app.sh).
    const pss = await settledPss();
    results.pss_after_scroll_mib = pss.mib;
    results.pss_processes = pss.each;
  });

  it('memory of a fresh run with the map on every sighting, clustered', async () => {
    await browser.reloadSession();
    await $('.shell[data-ready="true"]').waitForExist({ timeout: 60000 });
    const home = await settledPss();
    results.pss_home_mib = home.mib;
    results.pss_home_processes = home.each;
    const t0 = Date.now();
    await $('[data-nav="map"]').click();
    await $('#map[data-ready="true"]').waitForExist({ timeout: 120000 });
    await $('#map[data-tiles]').waitForExist({ timeout: 60000 });
    results.map_ready_ms = Date.now() - t0;
    const counts = await browser.execute(() => window.dauriaMap.counts());
    results.map = counts;
    // Every generated sighting has a position inside the region's first view.
    const rows = Number(process.env.BENCH_ROWS);
    if (!(counts.sightings >= rows && counts.inView >= rows)) {
      throw new Error(`the map holds ${counts.sightings} sightings, ${counts.inView} of them in view, of ${rows}`);
    }
    const pss = await settledPss();
    results.pss_map_mib = pss.mib;
    results.pss_map_processes = pss.each;
  });

  after(() => {
    writeFileSync(process.env.BENCH_OUT, JSON.stringify(results, null, 2));
  });
});
