// The app benchmark (scripts/bench-app.sh): the release build on a store of a million
// observations, driven like the end-to-end tests. Results go to the JSON file in BENCH_OUT.
import { config as e2e } from './wdio.conf.mjs';

const application = process.env.DAURIA_APP;
const dataDir = process.env.DAURIA_BENCH_DATA;
if (!application || !dataDir || !process.env.BENCH_OUT) {
  throw new Error('run this through scripts/bench-app.sh (DAURIA_APP, DAURIA_BENCH_DATA and BENCH_OUT unset)');
}

export const config = {
  ...e2e,
  specs: ['./bench/app.bench.mjs'],
  capabilities: [
    {
      'tauri:options': { application, args: ['--data-dir', dataDir] },
      'wdio:enforceWebDriverClassic': true,
    },
  ],
  mochaOpts: { ui: 'bdd', timeout: 900000 },
};
