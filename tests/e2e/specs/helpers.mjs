// Shared steps for the end-to-end specs. Every wait polls for a condition; nothing sleeps.
import { mkdirSync } from 'node:fs';
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
