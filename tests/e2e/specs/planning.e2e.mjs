// A survey lead plans a season in Chinese: two people in the registry, a new survey, a route
// drawn by clicking the map, both people on the team, exchange rates and budget lines in two
// currencies (totals checked against a hand computation), a Garmin eTrex file imported, and the
// printable plan, saved as a PDF through the system print dialog and read back.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appReady, openScreen, printToPdf, screenshot, setLanguage } from './helpers.mjs';

/** Sets a date input (the value the input gives back is what the user would have picked). */
async function setDate(selector, value) {
  await $(selector).waitForExist();
  await browser.execute(
    (sel, v) => {
      const el = document.querySelector(sel);
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    selector,
    value,
  );
}

async function addPerson(name, organisation) {
  await $('#person-new').click();
  await $('#person-name').setValue(name);
  await $('#person-organisation').setValue(organisation);
  await $('#person-save').click();
  await $(`//li[@data-testid="person-row"][contains(., "${name}")]`).waitForExist({
    timeoutMsg: `${name} was not added to the people registry`,
  });
}

describe('a survey planned in Chinese', () => {
  // Where the app saves exports, and so the plan's PDF.
  const exportDir = mkdtempSync(path.join(tmpdir(), 'dauria-plan-'));

  before(async () => {
    await appReady();
    await setLanguage('zh-CN');
    await openScreen('exchange');
    await $('#export-dir').setValue(exportDir);
    await $('#export-dir-save').click();
    await expect($('#export-dir-hint')).toHaveText(expect.stringContaining(exportDir));
  });

  it('adds two people to the registry', async () => {
    await openScreen('people');
    await addPerson('Bayarmaa', 'Mongol Daguur SPA');
    await addPerson('王磊', '达赉湖保护区');
    await screenshot('plan-zh-CN-people');
  });

  it('creates a survey', async () => {
    await openScreen('surveys');
    await $('#survey-new').click();
    await $('#new-title').setValue('达乌尔黄羊调查 2027');
    await $('#new-region').setValue('呼伦湖—托列湖');
    await setDate('#new-start', '2027-06-01');
    await setDate('#new-end', '2027-06-20');
    await $('#new-save').click();
    await expect($('#survey-heading')).toHaveText(expect.stringContaining('达乌尔黄羊调查 2027'));
    await screenshot('plan-zh-CN-overview');
  });

  it('draws a route by clicking three waypoints on the map', async () => {
    await $('#tab-routes').click();
    const map = $('[data-testid="route-map"]');
    await map.waitForDisplayed({ timeoutMsg: 'the route map did not open' });
    await $('#route-name').setValue('托列湖样线');
    for (const [x, y] of [
      [-120, 40],
      [-20, -30],
      [90, 10],
    ]) {
      await map.click({ x, y });
    }
    await browser.waitUntil(async () => (await $$('[data-testid="waypoint"]')).length === 3, {
      timeoutMsg: 'three clicks on the map did not give three waypoints',
    });
    const km = await $('#route-km').getText();
    expect(Number((km.match(/[\d.,]+/) ?? ['0'])[0].replace(/,/g, ''))).toBeGreaterThan(0);
    await $('#wp-name-0').setValue('起点');
    await screenshot('plan-zh-CN-route-drawn');
    await $('#route-save').click();
    await $('[data-testid="route-row"][data-name="托列湖样线"]').waitForExist({ timeoutMsg: 'the route was not saved' });
  });

  it('imports a GPX file from a handheld GPS unit', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const garmin = path.resolve(here, '../../../crates/core/tests/fixtures/garmin_etrex_daursky.gpx');
    await $('#gpx-import').setValue(garmin);
    await $('#gpx-summary').waitForDisplayed({ timeoutMsg: 'the GPX file was not imported' });
    await expect($('#gpx-summary')).toHaveText(expect.stringContaining('garmin_etrex_daursky.gpx'));
    await browser.waitUntil(async () => (await $$('[data-testid="route-row"]')).length >= 2, {
      timeoutMsg: 'the GPX routes are not listed with the drawn one',
    });
    await screenshot('plan-zh-CN-gpx');
  });

  it('assigns both people to the team', async () => {
    await $('#tab-team').click();
    for (const [index, role] of [
      [1, 'vet'],
      [2, 'driver'],
    ]) {
      await $('#team-person').selectByIndex(index);
      await $('#team-role').setValue(role);
      await $('#team-add').click();
      await browser.waitUntil(async () => (await $$('[data-testid="team-row"]')).length === index, {
        timeoutMsg: `person ${index} was not added to the team`,
      });
    }
    await screenshot('plan-zh-CN-team');
  });

  it('adds exchange rates and budget lines; the totals match a hand computation', async () => {
    // The window runs with Tauri's prototype freezing on, and the budget's exact decimals work under it.
    expect(await browser.execute(() => Object.isFrozen(Object.prototype))).toBe(true);
    await $('#tab-budget').click();
    await $('#rate-add').click();
    await $('#rate-currency-0').selectByAttribute('value', 'CNY');
    await $('#rate-value-0').setValue('7.2');
    await $('#rate-add').click();
    await $('#rate-currency-1').selectByAttribute('value', 'MNT');
    await $('#rate-value-1').setValue('3400');
    await $('#rates-save').click();
    await browser.waitUntil(async () => !(await $('#rates-save').isEnabled()), { timeoutMsg: 'the rates were not saved' });

    const lines = [
      ['fuel', '300', '8.25', 'CNY'],
      ['per_diem', '12', '45000', 'MNT'],
    ];
    for (const [i, [category, quantity, cost, currency]] of lines.entries()) {
      await $('#line-category').selectByAttribute('value', category);
      await $('#line-quantity').setValue(quantity);
      await $('#line-unit-cost').setValue(cost);
      await $('#line-currency').selectByAttribute('value', currency);
      // The line's amount, shown as it is typed, is exact: 300 × 8.25 is 2,475.00, not 2474.999….
      const expected = ['2,475.00 CNY', '540,000 MNT'][i];
      await expect($('#line-amount')).toHaveText(expected);
      await $('#line-save').click();
      await browser.waitUntil(async () => (await $$('[data-testid="budget-line"]')).length === i + 1, {
        timeoutMsg: `budget line ${i + 1} was not added`,
      });
    }
    // 300 × 8.25 = 2,475 CNY = 343.75 USD; 12 × 45,000 = 540,000 MNT = 158.82 USD; 502.57 USD.
    await $('#budget-currency').selectByAttribute('value', 'USD');
    await browser.waitUntil(async () => (await $('#budget-total-planned').getText()).includes('502.57'), {
      timeoutMsg: 'the USD total is not 502.57',
    });
    await $('#budget-currency').selectByAttribute('value', 'CNY');
    // 2,475 + 540,000 / 3,400 × 7.2 = 2,475 + 1,143.529… = 3,618.53 CNY.
    await browser.waitUntil(async () => (await $('#budget-total-planned').getText()).replace(/,/g, '').includes('3618.53'), {
      timeoutMsg: 'the CNY total is not 3,618.53',
    });
    await screenshot('plan-zh-CN-budget');
  });

  it('shows the schedule and the printable plan, and prints it', async () => {
    await $('#tab-schedule').click();
    await $('[data-testid="schedule-item"]').waitForExist({ timeoutMsg: 'the schedule is empty' });
    await screenshot('plan-zh-CN-schedule');
    await $('#tab-plan').click();
    const sheet = $('#plan-sheet');
    await sheet.waitForDisplayed({ timeoutMsg: 'the plan page did not open' });
    await expect($('#sheet-team')).toHaveText(expect.stringContaining('Bayarmaa'));
    await expect($('#sheet-team')).toHaveText(expect.stringContaining('王磊'));
    await expect($('#sheet-routes')).toHaveText(expect.stringContaining('托列湖样线'));
    await expect($('#sheet-budget-total')).toHaveText(expect.stringContaining('3,618.53'));
    await screenshot('plan-zh-CN-plan');
    await $('#plan-print').click();
    // GTK's print dialog opens over the window, set up to save the plan as a PDF in the export
    // folder ("Print to File", A4, the survey's title as the file name); the user presses Print.
    const pdf = path.join(exportDir, '达乌尔黄羊调查 2027.pdf');
    const { info, text } = await printToPdf(pdf, 'plan-zh-CN-print-dialog');
    // The page says where "Print to File" saves the plan.
    await expect($('#plan-print-hint')).toHaveText(expect.stringContaining(pdf));

    // The PDF is one A4 page with the plan in Chinese: team, route and the budget total.
    expect(info).toMatch(/^Pages:\s+1$/m);
    expect(info).toMatch(/Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)/);
    for (const expected of ['达乌尔黄羊调查 2027', 'Bayarmaa', '王磊', '托列湖样线', '3,618.53']) {
      expect(text).toContain(expected);
    }
    // Only the plan: not the app's navigation or the survey's tabs.
    for (const chrome of ['记录观察', '概况', '打印']) expect(text).not.toContain(chrome);
    // The printed page, to look at.
    execFileSync('pdftoppm', ['-png', '-r', '80', '-singlefile', pdf, path.join(process.env.DAURIA_SCREENSHOTS, 'plan-zh-CN-pdf')]);
  });
});
