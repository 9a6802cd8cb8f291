// Sync with a real dauria-server: enroll the app with a code, sync, check the server has the
// sighting through a second laptop (dauria-cli), then edit the same sighting on both laptops,
// see the conflict in the app and merge it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appReady, openScreen, screenshot, syncNowInApp } from './helpers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = (name) => path.join(root, 'target/debug', name);
const serverDir = mkdtempSync(path.join(tmpdir(), 'dauria-e2e-server-'));
const laptopB = mkdtempSync(path.join(tmpdir(), 'dauria-e2e-laptop-b-'));
const cli = (...args) => execFileSync(bin('dauria-cli'), ['--data-dir', laptopB, ...args], { encoding: 'utf8' });
// Laptop B edits the app's sighting: only a lead may change a record another laptop created.
const enrollCode = (name, role = 'field') =>
  execFileSync(bin('dauria-server'), ['--data-dir', serverDir, 'enroll', '--name', name, '--role', role], { encoding: 'utf8' }).trim();

let server;
let url;
let id;

describe('sync with a real server', () => {
  before(async () => {
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
    await appReady();
  });
  after(() => server?.kill());

  it('enrolls the app with a one-time code and sends its sighting', async () => {
    await openScreen('observations');
    const row = $('.obs-row');
    await row.waitForDisplayed({ timeoutMsg: 'the sighting from the first session is missing' });
    id = await row.getAttribute('data-id');
    await openScreen('sync');
    await $('#sync-server').setValue(url);
    await $('#sync-code').setValue(enrollCode('App laptop'));
    await $('#sync-enroll').click();
    await $('#sync-enrolled').waitForExist({ timeoutMsg: 'enrollment did not succeed' });
    await browser.waitUntil(async () => (await $('#sync-pending').getText()) === '0', {
      timeout: 30000,
      timeoutMsg: 'the app still has changes waiting after enrolling and syncing',
    });
    await screenshot('sync-ru-enrolled');
  });

  it('the server has it: a second laptop receives the sighting', () => {
    cli('init');
    cli('enroll', '--server', url, enrollCode('Laptop B', 'lead'));
    cli('sync');
    const list = cli('obs', 'list', '--format', 'json');
    expect(list).toContain(id);
    expect(list).toContain('Marmota sibirica');
  });

  it('an edit of the same sighting on both laptops shows a conflict that merging resolves', async () => {
    cli('obs', 'edit', id, '--count', '7');
    await openScreen('observations');
    await $(`.obs-row[data-id="${id}"]`).click();
    await $('#edit').click();
    await browser.waitUntil(async () => (await $('#count').getValue()) !== '', { timeoutMsg: 'the editor did not load' });
    await $('#count').setValue('6');
    await $('#save').click();
    await browser.waitUntil(async () => (await $('#detail-count').getText()).startsWith('6'), { timeoutMsg: 'the local edit was not shown' });
    cli('sync');
    await syncNowInApp();
    await openScreen('observations');
    await $(`.obs-row[data-id="${id}"]`).click();
    await $('#conflict-badge').waitForDisplayed({ timeoutMsg: 'the conflicting edits are not shown as a conflict' });
    await $('#resolve').click();
    await $('#merge-view').waitForDisplayed();
    await screenshot('sync-ru-merge');
    // Keep the other laptop's count.
    const radios = await $$('input[name="f-count"]');
    expect(radios.length).toBe(2);
    for (const r of radios) {
      const label = await r.parentElement().getText();
      if (label.trim() === '7') await r.click();
    }
    await $('#merge-apply').click();
    await browser.waitUntil(async () => !(await $('#conflict-badge').isExisting()) && (await $('#detail-count').getText()).startsWith('7'), {
      timeoutMsg: 'merging did not resolve the conflict with the chosen count',
    });
    await syncNowInApp();
    cli('sync');
    expect(cli('conflicts')).not.toContain(id);
    expect(cli('obs', 'list', '--format', 'json')).toMatch(/"count":\s*7/);
  });
});
