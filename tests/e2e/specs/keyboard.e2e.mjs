// Rapid entry without a mouse: ten sightings, each typed as a name in some language, Enter to
// choose the species, the count, and Ctrl+Shift+Enter to save and start the next.
import { appReady } from './helpers.mjs';

const SIGHTINGS = ['волк', '狼', 'Grey wolf', 'Дзерен', '蒙原羚', 'manul', 'тарвага', 'Corsac', 'Vulpes vulpes', 'Lynx lynx'];

async function observationCount() {
  return browser.execute(() => window.__TAURI_INTERNALS__.invoke('stats').then((s) => s.observations));
}

describe('keyboard-only logging', () => {
  before(appReady);

  it('logs ten sightings with the keyboard alone', async () => {
    const before = await observationCount();
    await browser.keys(['Alt', '2']);
    await $('#species').waitForExist({ timeoutMsg: 'Alt+2 did not open the log screen' });
    await browser.waitUntil(async () => (await browser.execute(() => document.activeElement?.id)) === 'species', {
      timeoutMsg: 'the species field does not have the focus on opening',
    });
    if (!(await $('#site').getValue())) await $('#site').selectByIndex(1); // a first-ever entry has no remembered site
    await browser.execute(() => document.getElementById('species').focus());
    for (const [i, name] of SIGHTINGS.entries()) {
      // One key at a time, as a person types: WebKit's driver can lose or merge keys of one
      // long action list on a loaded machine.
      for (const key of name) await browser.keys(key);
      await $('#species-list').waitForDisplayed({ timeoutMsg: `typing ${name} offered no species` });
      await browser.keys('Enter');
      await browser.waitUntil(async () => (await browser.execute(() => document.activeElement?.id)) === 'count', {
        timeoutMsg: `choosing ${name} did not move on to the count`,
      });
      await browser.keys(String(i + 1));
      await browser.keys(['Control', 'Shift', 'Enter']);
      await browser.waitUntil(
        async () => (await observationCount()) === before + i + 1 && (await $('#species').getValue()) === '',
        { timeoutMsg: `sighting ${i + 1} (${name}) was not saved, or the form did not start the next` },
      );
    }
    expect(await observationCount()).toBe(before + SIGHTINGS.length);
  });
});
