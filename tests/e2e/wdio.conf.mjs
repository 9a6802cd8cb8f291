// WebdriverIO → tauri-driver → WebKitWebDriver, driving the real debug build of the app.
// Run through scripts/e2e.sh, which builds the UI and the app and provides Xvfb and D-Bus.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareEncryptedStore } from './specs/encrypted-store.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const application = process.env.DAURIA_APP ?? path.join(root, 'target/debug/dauria');
// One data folder for the whole run, so a spec that restarts the app finds what it saved.
const dataDir = process.env.DAURIA_E2E_DATA ?? mkdtempSync(path.join(tmpdir(), 'dauria-e2e-'));
process.env.DAURIA_E2E_DATA = dataDir;
process.env.DAURIA_SCREENSHOTS ??= path.join(root, 'target/screenshots');

let driver;

async function waitForDriver(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not answer on ${url} within ${ms} ms`);
}

export const config = {
  runner: 'local',
  hostname: '127.0.0.1',
  port: 4444,
  specs: [
    './specs/journey.e2e.mjs',
    './specs/sync.e2e.mjs',
    './specs/keyboard.e2e.mjs',
    './specs/planning.e2e.mjs',
    './specs/data.e2e.mjs',
    './specs/custody.e2e.mjs',
    './specs/visits.e2e.mjs',
    './specs/screens.e2e.mjs',
    './specs/sites.e2e.mjs',
    './specs/map.e2e.mjs',
    './specs/reports.e2e.mjs',
    './specs/languages.e2e.mjs',
    './specs/unlock.e2e.mjs',
    './specs/desktop.e2e.mjs',
    './specs/backup.e2e.mjs',
  ],
  maxInstances: 1,
  capabilities: [
    {
      'tauri:options': { application, args: ['--data-dir', dataDir] },
      'wdio:enforceWebDriverClassic': true,
    },
  ],
  logLevel: 'warn',
  bail: 0,
  waitforTimeout: 15000,
  connectionRetryTimeout: 120000,
  connectionRetryCount: 1,
  framework: 'mocha',
  reporters: ['spec'],
  mochaOpts: { ui: 'bdd', timeout: 180000 },

  // The unlock spec starts the app on an encrypted data folder of its own, made by the CLI.
  beforeSession: (_config, capabilities, specs) => {
    if (specs.some((s) => s.endsWith('unlock.e2e.mjs'))) {
      const dir = prepareEncryptedStore();
      process.env.DAURIA_E2E_ENCRYPTED = dir;
      capabilities['tauri:options'] = { ...capabilities['tauri:options'], args: ['--data-dir', dir] };
    }
  },

  onPrepare: async () => {
    console.log(`app: ${application}\ndata folder: ${dataDir}`);
    driver = spawn('tauri-driver', ['--port', '4444'], { stdio: ['ignore', 'inherit', 'inherit'] });
    await waitForDriver('http://127.0.0.1:4444/status', 20000);
  },
  onComplete: () => {
    driver?.kill();
  },
};
