// A site placed by a click on the map in Russian, its country derived from where it was
// clicked; and a species added to Kazakhstan's checklist with its Kazakh name.
import { appReady, openScreen, screenshot } from './helpers.mjs';

const siteRow = (name) => $(`//ul[@id="site-list"]/li[contains(., "${name}")]`);

describe('sites and country checklists', () => {
  it('switches to Russian', async () => {
    await appReady();
    await openScreen('settings');
    await $('input[data-lang="ru"]').click();
    await browser.waitUntil(async () => (await $('[data-nav="map"]').getText()) === 'Карта', {
      timeoutMsg: 'the navigation was not shown in Russian after choosing Russian',
    });
  });

  it('adds a site by clicking the map, with Russia derived from the point', async () => {
    await openScreen('map');
    await $('#site-add').click();
    await expect($('#site-pick')).toHaveElementClass('active');
    // The map opens centred on 49.4°N 116.2°E at zoom 6 (about 0.014° of latitude a pixel):
    // 80 px up is about 50.5°N, in Zabaykalsky Krai, some 60 km north of the Mongolian border.
    await $('#map').click({ x: 0, y: -80 });
    await browser.waitUntil(async () => (await $('#site-position').getValue()) !== '', {
      timeoutMsg: 'clicking the map did not fill the position',
    });
    const [lat, lon] = (await $('#site-position').getValue()).split(',').map(Number);
    expect(lat).toBeGreaterThan(50.2);
    expect(lat).toBeLessThan(50.8);
    expect(lon).toBeGreaterThan(115.9);
    expect(lon).toBeLessThan(116.5);
    await browser.waitUntil(async () => (await $('#site-country').getAttribute('data-country')) === 'RU', {
      timeoutMsg: 'the clicked point was not placed in Russia',
    });
    await expect($('#site-country')).toHaveText('Россия');

    // Without a name nothing is saved, and the form says why in Russian.
    await $('#site-save').click();
    await expect($('#site-name-error')).toHaveText('Обязательное поле.');
    await expect(siteRow('Степь у Борзи')).not.toExist();

    await $('#site-name').setValue('Степь у Борзи');
    await $('#site-habitat').setValue('сухая степь');
    await $('#site-save').click();
    await siteRow('Степь у Борзи').waitForExist({ timeoutMsg: 'the new site is not in the list' });
    await expect(siteRow('Степь у Борзи')).toHaveText(expect.stringContaining('Россия'));
    await expect($('[role="status"]')).toHaveText(expect.stringContaining('Место «Степь у Борзи» сохранено.'));
    await screenshot('sites-ru-added-on-map');
  });

  it('keeps the site after a restart', async () => {
    await browser.reloadSession();
    await appReady();
    await openScreen('map');
    await siteRow('Степь у Борзи').waitForExist({ timeoutMsg: 'the site is gone after a restart' });
    await expect(siteRow('Степь у Борзи')).toHaveText(expect.stringContaining('Россия'));
  });

  it("adds a species to Kazakhstan's checklist with its Kazakh name", async () => {
    await openScreen('checklist');
    await $('button[data-country="KZ"]').click();
    await $('tr[data-taxon="Otis tarda"]').waitForExist({ timeoutMsg: "Kazakhstan's seeded checklist is not shown" });
    await expect($('tr[data-taxon="Marmota sibirica"]')).not.toExist();
    const before = (await $$('#checklist tbody tr')).length;

    await $('#checklist-edit').click();
    await $('#checklist-search').setValue('тарбаган');
    const add = $('button[data-add="Marmota sibirica"]');
    await add.waitForDisplayed({ timeoutMsg: 'searching тарбаган did not offer Marmota sibirica' });
    await add.click();
    const row = $('tr[data-taxon="Marmota sibirica"]');
    await row.waitForExist({ timeoutMsg: 'the species was not added to the list' });
    expect((await $$('#checklist tbody tr')).length).toBe(before + 1);

    const kk = row.$('input[data-locale="kk"]');
    await kk.setValue('Тарбаған');
    await browser.keys('Tab');
    await browser.waitUntil(async () => (await $('[role="status"]').getText()).includes('Название сохранено.'), {
      timeoutMsg: 'the Kazakh name was not saved',
    });
    await screenshot('checklist-kz-edited-ru');

    // Read back from the store: another country and back again.
    await $('#checklist-edit').click();
    await $('button[data-country="RU"]').click();
    await $('button[data-country="KZ"]').click();
    await $('tr[data-taxon="Marmota sibirica"]').waitForExist({ timeoutMsg: 'the added species is gone' });
    await expect($('tr[data-taxon="Marmota sibirica"]')).toHaveText(expect.stringContaining('Тарбаған'));
  });
});
