// The app on an encrypted data folder (made with dauria-cli before it started): the unlock
// screen comes before anything else, a wrong passphrase is refused in the chosen language and
// changes nothing, and the right one opens the store with what the CLI saved.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { appReady, openScreen, screenshot } from './helpers.mjs';
import { PASSPHRASE } from './encrypted-store.mjs';

function filesOf(dir) {
  const out = {};
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, filesOf(p));
    else out[p] = readFileSync(p).toString('base64');
  }
  return out;
}

describe('encrypted store', () => {
  it('asks for the passphrase first, refuses a wrong one in Russian, and opens with the right one', async () => {
    const dir = process.env.DAURIA_E2E_ENCRYPTED;
    await $('#unlock-passphrase').waitForExist({ timeout: 30000 });
    expect(await $('.shell').isExisting()).toBe(false);
    const before = filesOf(dir);

    await $('#unlock-language').selectByAttribute('value', 'ru');
    await $('#unlock-passphrase').setValue('manul den under the stones');
    await $('#unlock-submit').click();
    await $('#unlock-error').waitForExist();
    expect(await $('#unlock-error').getText()).toContain('Неверный пароль');
    await screenshot('unlock-wrong-passphrase-ru');
    expect(filesOf(dir)).toEqual(before);
    expect(await $('.shell').isExisting()).toBe(false);

    await $('#unlock-language').selectByAttribute('value', 'en');
    await $('#unlock-passphrase').setValue(PASSPHRASE);
    await $('#unlock-submit').click();
    await appReady();
    await openScreen('observations');
    await browser.waitUntil(async () => (await $('main').getText()).includes('manul') || (await $('main').getText()).includes('Otocolobus'), {
      timeoutMsg: 'the sighting saved by the CLI is not listed after unlocking',
    });
    await openScreen('settings');
    await $('#encryption-status').waitForExist();
    expect(await $('#encryption-status').getText()).toContain('is encrypted');
    await screenshot('unlock-settings-encrypted');
  });
});
