// A new user's first session: start, switch to Russian, log a sighting by its Russian name,
// find it in the list, edit it, restart the app, and find it again with its history.
import { appReady, openScreen, screenshot, setLanguage } from './helpers.mjs';

const rowWith = (text) => $(`//button[contains(@class,"obs-row")][contains(., "${text}")]`);

describe('first session in Russian', () => {
  it('starts on the home screen with an empty store', async () => {
    await appReady();
    await expect($('#home')).toBeDisplayed();
    await expect($('#pending')).toHaveText(expect.stringContaining('0'));
  });

  it('switches to Russian at once', async () => {
    await openScreen('settings');
    await $('input[data-lang="ru"]').click();
    await browser.waitUntil(async () => (await $('[data-nav="observations"]').getText()) === 'Наблюдения', {
      timeoutMsg: 'the navigation was not shown in Russian after choosing Russian',
    });
  });

  it('logs a sighting found by its Russian name, saved with Ctrl+Enter', async () => {
    await openScreen('log');
    await $('#species').setValue('тарбаган');
    const match = $('#species-list button[data-taxon="Marmota sibirica"]');
    await match.waitForDisplayed({ timeoutMsg: 'typing тарбаган did not offer Marmota sibirica' });
    await browser.keys('Enter');
    await expect($('#species-chosen')).toHaveText(expect.stringContaining('Marmota sibirica'));
    await $('#count').setValue('3');
    await $('#site').selectByIndex(1);
    await $('#notes').setValue('у колонии сурков');
    await $('#notes').click();
    await browser.keys(['Control', 'Enter']);
    await $('[data-nav="observations"].active').waitForExist({ timeoutMsg: 'Ctrl+Enter did not save and open the list' });
    await rowWith('Тарбаган').waitForDisplayed({ timeoutMsg: 'the new sighting is not in the list' });
    await expect($('#detail-count')).toHaveText(expect.stringContaining('3'));
    await screenshot('journey-ru-saved');
  });

  it('edits the sighting', async () => {
    await $('#edit').click();
    await browser.waitUntil(async () => (await $('#count').getValue()) === '3', { timeoutMsg: 'the editor did not load the sighting' });
    await $('#count').setValue('5');
    await $('#save').click();
    await browser.waitUntil(async () => (await $('#detail-count').isExisting()) && (await $('#detail-count').getText()).startsWith('5'), {
      timeoutMsg: 'the edited count was not shown',
    });
  });

  it('after a restart the sighting is still there, in Russian, with its history', async () => {
    await browser.reloadSession();
    await appReady();
    await browser.waitUntil(async () => (await $('[data-nav="observations"]').getText()) === 'Наблюдения', {
      timeoutMsg: 'the language chosen before the restart was not kept',
    });
    await openScreen('observations');
    const row = rowWith('Тарбаган');
    await row.waitForDisplayed({ timeoutMsg: 'the sighting is gone after a restart' });
    await row.click();
    await expect($('#detail-count')).toHaveText(expect.stringContaining('5'));
    await $('#history-toggle').click();
    await browser.waitUntil(async () => (await $$('#history li')).length === 2, {
      timeoutMsg: 'the history does not show the creation and the edit',
    });
    const text = await $('#history').getText();
    expect(text).toContain('Создано');
    expect(text).toContain('Изменено');
    await screenshot('journey-ru-history');
  });
});
