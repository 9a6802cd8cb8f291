// Shared steps for the end-to-end specs. Every wait polls for a condition; nothing sleeps.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export async function appReady() {
  await $('.shell[data-ready="true"]').waitForExist({ timeout: 30000 });
}

export async function openScreen(id) {
  await $(`[data-nav="${id}"]`).click();
  await browser.waitUntil(async () => (await $(`[data-nav="${id}"]`).getAttribute('class')).includes('active'), {
    timeoutMsg: `the ${id} screen did not open`,
  });
}

export async function setLanguage(locale) {
  await $('#language').selectByAttribute('value', locale);
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === locale, {
    timeoutMsg: `the language did not switch to ${locale}`,
  });
}

export async function screenshot(name) {
  const dir = process.env.DAURIA_SCREENSHOTS;
  mkdirSync(dir, { recursive: true });
  await browser.saveScreenshot(path.join(dir, `${name}.png`));
}

/** The X window id of a visible top-level window whose title matches `pattern`, or null. */
function windowId(pattern) {
  try {
    return execFileSync('xdotool', ['search', '--onlyvisible', '--name', pattern], { encoding: 'utf8' }).trim().split('\n')[0] || null;
  } catch {
    return null; // xdotool exits 1 when nothing matches
  }
}

/** A PDF that is completely written: it exists and ends with the end-of-file marker. */
function finishedPdf(file) {
  return existsSync(file) && readFileSync(file).subarray(-32).toString('latin1').includes('%%EOF');
}

const PRINT_DIALOG = '^(Print|打印|Печать|Хэвлэх)$';

/**
 * Waits for GTK's print dialog (opened by the app set up to save `pdf`), takes a screenshot of
 * it as `shot`, presses Print (Enter, the dialog's default) and waits until `pdf` is written and
 * the dialog has closed. Returns the PDF's text (pdftotext, layout kept) and pdfinfo's report.
 */
export async function printToPdf(pdf, shot) {
  let dialog = null;
  await browser.waitUntil(() => (dialog = windowId(PRINT_DIALOG)) !== null, {
    timeout: 20000,
    timeoutMsg: 'the print dialog did not open',
  });
  execFileSync('import', ['-window', 'root', path.join(process.env.DAURIA_SCREENSHOTS, `${shot}.png`)]);
  execFileSync('xdotool', ['windowfocus', '--sync', dialog]);
  execFileSync('xdotool', ['key', '--clearmodifiers', 'Return']);
  await browser.waitUntil(() => finishedPdf(pdf), { timeout: 60000, timeoutMsg: `nothing was saved as ${pdf}` });
  await browser.waitUntil(() => windowId(PRINT_DIALOG) === null, { timeoutMsg: 'the print dialog did not close' });
  return {
    info: execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }),
    text: execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }),
  };
}

/** Presses "Sync now" on the Sync screen and waits for that sync to end well. */
export async function syncNowInApp() {
  await openScreen('sync');
  // Counted by the screen: "last success" has whole seconds, and two syncs can end in one.
  const before = Number(await $('#sync').getAttribute('data-syncs-ended'));
  await $('#sync-now').waitForEnabled({ timeoutMsg: 'Sync now stays disabled' });
  await $('#sync-now').click();
  await browser.waitUntil(async () => Number(await $('#sync').getAttribute('data-syncs-ended')) > before && (await $('#sync-note').isExisting()), {
    timeout: 30000,
    timeoutMsg: 'the app did not report a finished sync',
  });
}
