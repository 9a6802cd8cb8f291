// Measures, in the running release app: the IPC round trip (baseline), Ctrl+Enter to the new
// sighting shown in the list, and the memory (PSS of the app and its WebKit processes) after
// scrolling the observation list of a big store.
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
  return { mib: all.reduce((n, p) => n + pssKiB(p), 0) / 1024, processes: all.length };
}

const results = {};

describe('app benchmark', () => {
  before(async () => {
    await browser.setTimeout({ script: 600000 });
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

  it('memory after scrolling the list of a million observations', async () => {
    await $('[data-nav="observations"]').click();
    await $('.obs-row').waitForExist({ timeout: 30000 });
    const scrolled = await browser.executeAsync((steps, done) => {
      const list = document.querySelector('#observation-list');
      const t0 = performance.now();
      let n = 0;
      const step = () => {
        if (n === steps) return done({ ms: performance.now() - t0, top: list.scrollTop, loaded: Number(list.dataset.loaded) });
        n += 1;
        list.scrollTop += 8000;
        const settle = () => {
          if (document.querySelector('.obs-row.placeholder')) requestAnimationFrame(settle);
          else step();
        };
        requestAnimationFrame(settle);
      };
      step();
    }, Number(process.env.BENCH_SCROLL_STEPS ?? 150));
    results.scroll = scrolled;
    results.total_rows = Number((await $('#obs-total').getText()).replace(/\D/g, ''));
    const pss = appPssMiB();
    results.pss_after_scroll_mib = pss.mib;
    results.pss_processes = pss.processes;
  });

  after(() => {
    writeFileSync(process.env.BENCH_OUT, JSON.stringify(results, null, 2));
  });
});
