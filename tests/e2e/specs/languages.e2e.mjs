// Languages in the real window: Kazakh on every screen with no English message left in it,
// counts in each language's grammar ("1 особь, 2 особи, 5 особей"; "1 individual, 2
// individuals"), and a date typed the Russian way saved as that date.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appReady, openScreen, screenshot, setLanguage } from './helpers.mjs';

const i18nDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../ui/src/lib/i18n');

/** The messages of one language, read from its message files (`en.ts` and each area's `en.ts`). */
function messages(locale) {
  const files = [path.join(i18nDir, `${locale}.ts`)];
  for (const d of readdirSync(i18nDir, { withFileTypes: true })) {
    if (d.isDirectory()) files.push(path.join(i18nDir, d.name, `${locale}.ts`));
  }
  const out = {};
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/^\s*'([^']+)':\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"),\s*$/gm)) {
      out[m[1]] = (m[2] ?? m[3]).replace(/\\(.)/g, '$1');
    }
  }
  return out;
}

const SCREENS = {
  home: '#home',
  log: '#species',
  observations: '#observation-list',
  map: '#map .leaflet-overlay-pane path',
  checklist: '#checklist tbody tr',
  sync: '#sync',
  settings: '#data-dir',
  surveys: '#survey-new',
  people: '#person-new',
  datasheets: '[data-testid="sheet"]',
  partners: '#reserves-table',
  cooperation: '#coop-new',
  samples: '#sample-new',
  exchange: '#csv-input',
  reports: '#report-scope',
};

/** Every piece of text the window shows: text nodes, placeholders, titles and labels. */
async function shownText() {
  return browser.execute(() => {
    const out = [];
    const walk = document.createTreeWalker(document.querySelector('.shell'), NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const text = walk.currentNode.textContent.trim();
      if (text && !walk.currentNode.parentElement.closest('style,script')) out.push(text);
    }
    for (const el of document.querySelectorAll('.shell [placeholder], .shell [title], .shell [aria-label]')) {
      for (const a of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(a)) out.push(el.getAttribute(a).trim());
    }
    return out;
  });
}

const rowsOf = (text) => $$(`//button[contains(@class,"obs-row")][contains(., "${text}")]`);

async function logCrane(count, time) {
  await openScreen('log');
  await $('#species').setValue('даурский журавль');
  const match = $('#species-list button[data-taxon="Antigone vipio"], #species-list button[data-taxon="Grus vipio"]');
  await match.waitForDisplayed({ timeoutMsg: 'typing даурский журавль did not offer the white-naped crane' });
  await match.click();
  await $('#count').setValue(String(count));
  await $('#site').selectByIndex(1);
  if (time) {
    await $('#time').setValue(time);
  }
  await $('#notes').setValue(`журавли: ${count}`);
  await browser.keys(['Control', 'Enter']);
  await $('[data-nav="observations"].active').waitForExist({ timeoutMsg: `the sighting of ${count} was not saved` });
}

/** The text of an element as the page holds it (WebKit's driver reads the cells of a list row,
 * a button with role "row", as empty, though the window shows them). */
const textOf = async (el) => browser.execute((e) => e.textContent.trim(), await el);

/** The count column of the list's rows for the crane sightings. */
async function craneCounts(name) {
  await openScreen('observations');
  await browser.waitUntil(async () => (await rowsOf(name)).length >= 3, { timeoutMsg: `the three crane sightings are not listed as ${name}` });
  const counts = [];
  for (const row of await rowsOf(name)) counts.push(await textOf(row.$('.c-count')));
  return counts;
}

describe('languages', () => {
  before(appReady);

  it('writes counts in Russian grammar: 1 особь, 2 особи, 5 особей', async () => {
    await setLanguage('ru');
    for (const n of [1, 2, 5]) await logCrane(n);
    const counts = await craneCounts('Даурский журавль');
    for (const want of ['1 особь', '2 особи', '5 особей']) expect(counts).toContain(want);
    // No count in the wrong form.
    expect(counts.filter((c) => /^1 особей|^2 особей|^5 особи$/.test(c))).toEqual([]);
    await screenshot('languages-ru-counts');
  });

  it('writes counts in English grammar: 1 individual, 2 individuals', async () => {
    await setLanguage('en');
    const counts = await craneCounts('White-naped crane');
    for (const want of ['1 individual', '2 individuals', '5 individuals']) expect(counts).toContain(want);
    expect(counts).not.toContain('1 individuals');
    await screenshot('languages-en-counts');
  });

  it('saves a date typed the Russian way as that date', async () => {
    await setLanguage('ru');
    await openScreen('log');
    await $('#time').waitForExist();
    await expect($('#time')).toHaveAttribute('placeholder', expect.stringMatching(/^30\.11\.2026/));
    // A day other than today, and one no month-first reading accepts (there is no month 14).
    // 13 cranes: a count no other spec logs, so the row is this sighting's.
    await logCrane(13, '14.10.2026 7:45');
    const row = $('//button[contains(@class,"obs-row")][contains(., "Даурский журавль")][contains(., "13 особей")]');
    await row.waitForDisplayed({ timeoutMsg: 'the sighting with the typed date is not listed' });
    expect(await textOf(row.$('.c-time'))).toContain('14.10.2026, 07:45');
    // Stored as that day: the date filter, typed the Russian way too, finds it and only it.
    await $('#filter-from').setValue('14.10.2026');
    await $('#filter-to').setValue('14.10.2026');
    await browser.waitUntil(async () => (await $$('.obs-row:not(.placeholder)')).length === 1, {
      timeoutMsg: 'the date filter 14.10.2026 does not find exactly the sighting typed for that day',
    });
    await row.click();
    await $('#edit').click();
    await browser.waitUntil(async () => (await $('#time').getAttribute('data-value')) === '2026-10-14T07:45', {
      timeoutMsg: `the editor does not hold 2026-10-14T07:45 but ${await $('#time').getAttribute('data-value')}`,
    });
    await expect($('#time')).toHaveValue('14.10.2026, 07:45');
    await screenshot('languages-ru-date');
  });

  it('shows every screen in Kazakh with no English message left', async () => {
    const en = messages('en');
    const kk = messages('kk');
    // English words Kazakh writes the same way (CSV, GPX, the name "English" in the language
    // picker…) are not left-overs.
    const kkWords = new Set(Object.values(kk));
    const english = new Set(Object.values(en).filter((v) => !/[{}]/.test(v) && v.length > 2 && !kkWords.has(v)));
    await setLanguage('kk');
    await expect($('[data-nav="observations"]')).toHaveText('Бақылаулар');
    for (const [screen, marker] of Object.entries(SCREENS)) {
      await openScreen(screen);
      await $(marker).waitForExist({ timeoutMsg: `${screen} did not render in Kazakh` });
      await screenshot(`kk-${screen}`);
      const shown = await shownText();
      const left = shown.filter((s) => english.has(s));
      const keys = shown.filter((s) => /^[a-z]+(\.[a-zA-Z_]+)+$/.test(s) && s in en);
      // English messages, and message keys, on this screen in Kazakh.
      expect({ screen, left, keys }).toEqual({ screen, left: [], keys: [] });
    }
    // The crane has no Kazakh name on the checklist: Kazakh shows its Russian one.
    const counts = await craneCounts('Даурский журавль');
    for (const want of ['1 дарақ', '2 дарақ', '5 дарақ']) expect(counts).toContain(want);
    await screenshot('kk-counts');
  });
});
