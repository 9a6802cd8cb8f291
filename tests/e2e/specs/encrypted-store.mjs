// An encrypted data folder made with the real dauria-cli before the app starts, for the unlock
// spec (wdio.conf.mjs starts that spec's app on it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const PASSPHRASE = 'manul den under the rocks';
export const NOTE = 'encrypted before the app started';

/** Makes a new encrypted store holding one sighting with `NOTE`; returns its folder. */
export function prepareEncryptedStore() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dauria-e2e-encrypted-'));
  const env = { ...process.env, DAURIA_DATA_DIR: dir, DAURIA_PASSPHRASE: PASSPHRASE };
  const cli = (...args) => execFileSync(path.join(root, 'target/debug/dauria-cli'), args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  cli('init', '--encrypt');
  cli('obs', 'add', '--taxon', 'Otocolobus manul', '--count', '1', '--site', 'daursky', '--notes', NOTE);
  return dir;
}
