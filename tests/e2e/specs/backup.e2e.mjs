// A backup made from Settings in the real window and restored: a sighting logged after the
// backup is gone after the restore, and the ones before it are all still there.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appReady, openScreen, screenshot } from './helpers.mjs';

const invoke = (cmd, args) =>
  browser.executeAsync(
    (c, a, done) => window.__TAURI_INTERNALS__.invoke(c, a).then(done, (e) => done({ failed: e })),
    cmd,
    args ?? {},
  );

describe('backup and restore from Settings', () => {
  before(appReady);

  it('restores a backup made in the window, and what was logged after it is gone', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'dauria-e2e-backups-'));
    await openScreen('settings');
    await $('#backup-section').scrollIntoView();
    await $('#backup-folder').setValue(folder);
    const before = (await invoke('stats')).observations;
    await $('#backup-make').click();
    await $('#backup-made').waitForDisplayed({ timeoutMsg: 'the backup was not reported as made' });
    const [made] = readdirSync(folder);
    expect(made).toMatch(/^dauria-backup-/);
    expect(readdirSync(path.join(folder, made))).toContain('dauria.sqlite3');
    expect(await $('#backup-made').getText()).toContain(path.join(folder, made));

    const body = {
      kind: 'observation',
      body: {
        visit: null, site: null, taxon: null, taxon_name: 'logged after the backup', count: 3,
        count_min: null, count_max: null, unit: 'individuals', sex: null, age: null, behaviour: null,
        lat: 49.9, lon: 115.5, uncertainty_m: null, observed_at: '2026-06-03T09:00:00+08:00',
        observers: [], detection_method: null, notes: null, photos: [],
      },
    };
    const saved = await invoke('create_record', { body });
    expect(saved.failed).toBeUndefined();
    expect((await invoke('stats')).observations).toBe(before + 1);

    expect(await $('#backup-restore-path').getValue()).toBe(path.join(folder, made));
    await $('#backup-restore').click();
    await $('#backup-confirm-text').waitForDisplayed();
    await screenshot('backup-confirm');
    await $('#backup-confirm').click();
    await $('#backup-restored').waitForDisplayed({ timeout: 30000, timeoutMsg: 'the restore did not finish' });
    expect((await invoke('stats')).observations).toBe(before);
    const gone = await invoke('get_record', { id: saved.id });
    expect(gone === null || gone.deleted).toBe(true);
    // The window shows the restored data: the list no longer has the sighting.
    await openScreen('observations');
    await browser.waitUntil(async () => !(await $('body').getText()).includes('logged after the backup'), {
      timeoutMsg: 'the observation list still shows the sighting logged after the backup',
    });
  });
});
