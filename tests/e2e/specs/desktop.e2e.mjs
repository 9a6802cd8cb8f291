// The desktop around the window: the export folder chosen in the system's folder chooser, an
// export shown in its folder by the file manager, and a second launch on the same data folder
// focusing the running app instead of starting another one (and starting on its own when the
// run holding the folder does not answer).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appReady, openScreen, screenshot, setLanguage } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const app = process.env.DAURIA_APP ?? path.join(root, 'target/debug/dauria');

/** The X window id of a visible window whose title matches `pattern`, or null. */
function windowId(pattern) {
  try {
    return execFileSync('xdotool', ['search', '--onlyvisible', '--name', pattern], { encoding: 'utf8' }).trim().split('\n')[0] || null;
  } catch {
    return null; // xdotool exits 1 when nothing matches
  }
}

/** Starts the test file manager on the session bus; resolves once it owns its name. */
function startFileManager(out) {
  const python = path.join(root, '.venv/bin/python');
  const child = spawn(python, [path.join(root, 'tests/e2e/tools/filemanager.py'), out], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      if (String(d).includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the test file manager exited with ${code}`)));
  });
}

describe('the desktop around the window', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'dauria-desktop-'));
  const chosen = path.join(work, 'Экспорт полевой');
  const calls = path.join(work, 'filemanager-calls.txt');
  let fileManager;

  before(async () => {
    mkdirSync(chosen, { recursive: true });
    fileManager = await startFileManager(calls);
    await appReady();
    await setLanguage('en');
  });

  after(() => fileManager?.kill());

  it('chooses the export folder in the system folder chooser', async () => {
    await openScreen('exchange');
    // The chooser opens in the folder typed in the field.
    await $('#export-dir').setValue(work);
    await $('#export-dir-choose').click();
    let dialog = null;
    await browser.waitUntil(() => (dialog = windowId('^Choose the export folder$')) !== null, {
      timeout: 20000,
      timeoutMsg: 'the folder chooser did not open',
    });
    execFileSync('import', ['-window', 'root', path.join(process.env.DAURIA_SCREENSHOTS, 'desktop-folder-chooser.png')]);
    execFileSync('xdotool', ['windowfocus', '--sync', dialog]);
    // GTK's location field takes a name in the folder shown; Open (Alt+O) selects it.
    execFileSync('xdotool', ['key', '--clearmodifiers', 'ctrl+l']);
    // Slowly: xdotool maps each Cyrillic letter to a spare key first, and a fast run loses some.
    execFileSync('xdotool', ['type', '--delay', '150', path.basename(chosen)]);
    execFileSync('import', ['-window', 'root', path.join(process.env.DAURIA_SCREENSHOTS, 'desktop-folder-typed.png')]);
    execFileSync('xdotool', ['key', '--clearmodifiers', 'alt+o']);
    await browser.waitUntil(async () => (await $('#export-dir').getValue()) === chosen, {
      timeout: 20000,
      timeoutMsg: `the export folder did not become ${chosen}`,
    });
    await expect($('#export-dir-hint')).toHaveText(expect.stringContaining(chosen));
    await browser.waitUntil(() => windowId('^Choose the export folder$') === null, { timeoutMsg: 'the folder chooser stayed open' });
  });

  it('exports into the chosen folder and shows the file in its folder', async () => {
    await $('#export-csv').click();
    const result = $('#export-result-csv');
    await result.waitForExist({ timeout: 30000 });
    const file = await result.$('[data-testid="export-path"]').getText();
    expect(path.dirname(file)).toBe(chosen);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).size).toBeGreaterThan(0);
    await result.$('[data-testid="export-show"]').click();
    const uri = new URL(`file://${file}`).href;
    await browser.waitUntil(() => existsSync(calls) && readFileSync(calls, 'utf8').split('\n').includes(`ShowItems ${uri}`), {
      timeout: 15000,
      timeoutMsg: `the file manager was not asked to show ${uri}`,
    });
    await expect($('#export-error-csv')).not.toBeExisting();
    await screenshot('desktop-export-shown');
  });

  it('F1 and ? list the keyboard shortcuts; Esc closes the list', async () => {
    await openScreen('home');
    await browser.keys('F1');
    const dialog = $('#shortcuts');
    await browser.waitUntil(async () => (await dialog.getAttribute('open')) !== null, { timeoutMsg: 'F1 did not open the shortcuts' });
    await expect($('#shortcuts-title')).toHaveText('Keyboard shortcuts');
    await expect(dialog).toHaveText(expect.stringContaining('Alt+2'));
    await expect(dialog).toHaveText(expect.stringContaining('Ctrl+Shift+Enter'));
    await screenshot('desktop-shortcuts');
    await browser.keys('Escape');
    await browser.waitUntil(async () => (await dialog.getAttribute('open')) === null, { timeoutMsg: 'Esc did not close the shortcuts' });
    // ? opens it too, but not while typing in a field, where it is a character.
    await openScreen('log');
    const notes = $('#notes');
    await notes.click();
    await browser.keys('?');
    expect(await dialog.getAttribute('open')).toBe(null);
    await expect(notes).toHaveValue('?');
    await notes.clearValue();
    await setLanguage('ru');
    await browser.execute(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
    await browser.keys('?');
    await browser.waitUntil(async () => (await dialog.getAttribute('open')) !== null, { timeoutMsg: '? did not open the shortcuts' });
    await expect($('#shortcuts-title')).toHaveText('Сочетания клавиш');
    await $('#shortcuts-close').click();
    await browser.waitUntil(async () => (await dialog.getAttribute('open')) === null, { timeoutMsg: 'Close did not close the shortcuts' });
    await setLanguage('en');
  });

  it('a second launch on the same data folder focuses the running window and exits', async () => {
    await openScreen('settings');
    const logDir = await $('#log-dir').getText();
    const second = spawn(app, ['--data-dir', process.env.DAURIA_E2E_DATA], { stdio: 'ignore' });
    const code = await new Promise((resolve) => second.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    const focused = () =>
      readdirSync(logDir)
        .filter((f) => f.startsWith('dauria'))
        .some((f) => readFileSync(path.join(logDir, f), 'utf8').includes('second launch on the same data folder'));
    await browser.waitUntil(focused, { timeout: 15000, timeoutMsg: 'the running app did not hear of the second launch' });
    // The first window is still the app, and still answers.
    await appReady();
  });

  it('starts on its own when a previous run on the same data folder holds it but does not answer', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dauria-hung-'));
    const digest = createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 16);
    const name = `org.cmrc.dauria.d${digest}.SingleInstance`;
    const python = path.join(root, '.venv/bin/python');
    const hung = spawn(python, [path.join(root, 'tests/e2e/tools/hung_owner.py'), name], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve, reject) => {
        hung.stdout.on('data', (d) => (String(d).includes('ready') ? resolve() : undefined));
        hung.on('exit', (code) => reject(new Error(`the hung owner exited with ${code}`)));
      });
      // The app opens its window, says it is ready, and exits (as for the start-up benchmark)
      // instead of failing to hand its arguments to the run that does not answer.
      const run = spawn(app, ['--data-dir', dataDir], { env: { ...process.env, DAURIA_EXIT_WHEN_READY: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      run.stdout.on('data', (d) => (out += d));
      run.stderr.on('data', (d) => (out += d));
      const code = await new Promise((resolve) => run.on('exit', (c) => resolve(c)));
      expect({ code, ready: /ready_ms=\d+/.test(out) }).toEqual({ code: 0, ready: true });
      expect(out).toContain('does not answer; starting anyway');
    } finally {
      hung.kill();
    }
  });
});
