// The chain of custody of samples as a field station and a lab would use it: three blood
// samples packed into a shipment, its manifest printed to PDF and read back (pdftotext, and the
// Code 128 barcodes scanned by zbar, a reader this project did not write), the shipment handed to
// the carrier, received at the lab by typing the barcodes as a keyboard-wedge scanner does (one
// scanned twice, one marked damaged), and a sample's custody history shown in two languages.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appReady, openScreen, printToPdf, screenshot, setLanguage } from './helpers.mjs';

const exportsDir = mkdtempSync(path.join(tmpdir(), 'dauria-e2e-custody-'));
// Codes of this run, so samples other specs left in the store do not matter.
const run = String(Date.now() % 1000000);
const codes = [1, 2, 3].map((n) => `CU-${run}-${n}`);

async function addSample(barcode, first) {
  if (first) await $('#add-sample').click();
  else {
    await $('#sample-new').click();
    await $('#sample-form').waitForDisplayed({ timeoutMsg: 'the sample form did not open' });
    await $('#sample-host').selectByIndex(1);
  }
  await $('#sample-form').waitForDisplayed({ timeoutMsg: 'the sample form did not open' });
  await $('#sample-type').selectByAttribute('value', 'blood');
  await $('#sample-barcode').setValue(barcode);
  await $('#sample-save').click();
  await $(`tr[data-barcode="${barcode}"]`).waitForExist({ timeoutMsg: `sample ${barcode} is not in the list` });
}

/** Types a code and Enter into whatever has the focus, as a keyboard-wedge scanner does. */
async function scan(code) {
  // One key at a time: WebKit's driver merges a key repeated within one action list ("88"
  // arrives as "8"), which a scanner's separate key presses never are.
  for (const key of [...code, 'Enter']) await browser.keys(key);
}

describe('chain of custody of samples', () => {
  before(async () => {
    await appReady();
    await setLanguage('en');
    await openScreen('exchange');
    await $('#export-dir').setValue(exportsDir);
    await $('#export-dir-save').click();
    await expect($('#export-dir-hint')).toHaveText(expect.stringContaining(exportsDir));
  });

  it('packs three samples from a marmot into a shipment', async () => {
    await openScreen('log');
    await $('#species').setValue('Marmota sibirica');
    await $('#species-list button[data-taxon="Marmota sibirica"]').waitForDisplayed();
    await browser.keys('Enter');
    await $('#count').setValue('3');
    await $('#use-coords').click();
    await $('#coords').setValue('49.71, 115.12');
    await $('#notes').click();
    await browser.keys(['Control', 'Enter']);
    await $('[data-nav="observations"].active').waitForExist({ timeoutMsg: 'the sighting was not saved' });
    await addSample(codes[0], true);
    await addSample(codes[1], false);
    await addSample(codes[2], false);

    await $('#shipment-new').click();
    for (const c of codes) await $(`#shipment-form input[data-barcode="${c}"]`).click();
    await $('#shipment-from').setValue('Mongol Daguur field station');
    await $('#shipment-to').setValue('NCZD Ulaanbaatar');
    await $('#shipment-carrier').setValue('MIAT cargo');
    await $('#shipment-cold').selectByAttribute('value', 'deep_frozen');
    await $('#shipment-create').click();
    await $('#shipment-detail[data-status="packed"]').waitForExist({ timeoutMsg: 'the shipment was not created' });
    await expect($$('#manifest-items tr[data-barcode]')).toBeElementsArrayOfSize(3);
  });

  it('prints the manifest with barcodes that scan back', async () => {
    const reference = await $('#shipment-detail').getAttribute('data-shipment');
    expect(reference).toMatch(/^SHP-\d{8}-[0-9A-F]{4}$/);
    await $('#manifest-print').click();
    const pdf = path.join(exportsDir, `Manifest ${reference}.pdf`);
    const { text } = await printToPdf(pdf, 'custody-en-manifest-print-dialog');
    await expect($('#manifest-pdf')).toHaveText(expect.stringContaining(pdf));
    for (const s of [reference, ...codes, 'NCZD Ulaanbaatar', 'MIAT cargo', 'Deep frozen']) expect(text).toContain(s);
    // The manifest alone is printed, not the screen around it.
    for (const chrome of ['Import and export', 'Print manifest', 'Save manifest as CSV']) expect(text).not.toContain(chrome);
    const page = path.join(process.env.DAURIA_SCREENSHOTS, 'custody-en-manifest-pdf');
    execFileSync('pdftoppm', ['-png', '-r', '200', '-singlefile', pdf, page]);
    const read = execFileSync('zbarimg', ['--raw', '-q', `${page}.png`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(read.trim().split('\n').sort()).toEqual([reference, ...codes].sort());
  });

  it('hands the shipment to the carrier', async () => {
    await $('#shipment-send').click();
    await $('#handover-from').setValue('B. Bold');
    await $('#handover-to').setValue('MIAT cargo desk');
    await $('#handover-place').setValue('Choibalsan airport');
    await $('#handover-temp').setValue('-72');
    await $('#handover-save').click();
    await $('#shipment-detail[data-status="in_transit"]').waitForExist({ timeoutMsg: 'the shipment was not sent' });
    await expect($('#shipment-transfers tr[data-action="sent"]')).toExist();
  });

  it('receives it at the lab by scanning the barcodes, one damaged', async () => {
    await $('#shipment-receive').click();
    await $('#scan-input').waitForDisplayed();
    // The scan field has the focus as soon as the receiving form opens, and keeps it.
    const focused = () => browser.execute(() => document.activeElement?.id);
    expect(await focused()).toBe('scan-input');
    await scan(codes[0]);
    await scan(codes[1]);
    await scan(codes[1]);
    await expect($('#scan-count')).toHaveText(expect.stringContaining(`${codes[1]} was already scanned`));
    await scan(codes[2]);
    expect(await focused()).toBe('scan-input');
    await expect($('#scan-count')).toHaveText(expect.stringContaining('Scanned 3 of 3'));
    await $(`#scan-list li[data-barcode="${codes[2]}"] [data-testid="scan-damaged"]`).click();
    expect(await focused()).toBe('scan-input');
    await $('#handover-from').setValue('MIAT cargo desk');
    await $('#handover-to').setValue('Dr. O. Tsend');
    await $('#handover-place').setValue('NCZD reception');
    await $('#handover-temp').setValue('-70');
    await screenshot('custody-en-receive');
    await $('#handover-save').click();
    await $('#shipment-detail[data-status="received"]').waitForExist({ timeoutMsg: 'the receipt was not saved' });
    await expect($(`#manifest-items tr[data-barcode="${codes[0]}"]`)).toHaveAttribute('data-receipt', 'received');
    await expect($(`#manifest-items tr[data-barcode="${codes[1]}"]`)).toHaveAttribute('data-receipt', 'received');
    await expect($(`#manifest-items tr[data-barcode="${codes[2]}"]`)).toHaveAttribute('data-receipt', 'damaged');
    await expect($('#shipment-discrepancies .disc[data-status="damaged"]')).toHaveText(expect.stringContaining(codes[2]));
  });

  it('shows the damaged sample’s custody history in English and in Russian', async () => {
    await $(`#manifest-items tr[data-barcode="${codes[2]}"] [data-testid="history-open"]`).click();
    const history = $(`#sample-history[data-barcode="${codes[2]}"]`);
    await history.waitForDisplayed({ timeoutMsg: 'the history did not open' });
    const events = async () => {
      const out = [];
      for (const li of await $$('#sample-history li')) out.push(await li.getAttribute('data-event'));
      return out;
    };
    expect(await events()).toEqual(['collected', 'sent', 'received']);
    await expect(history).toHaveText(expect.stringContaining('Choibalsan airport'));
    await expect($('#sample-history li[data-event="received"]')).toHaveText(expect.stringContaining('Damaged'));
    await screenshot('custody-en-history');
    await setLanguage('ru');
    await expect($('#sample-history h3')).toHaveText(expect.stringContaining('История хранения'));
    await expect($('#sample-history li[data-event="sent"]')).toHaveText(expect.stringContaining('Отправлена'));
    await expect($('#sample-history li[data-event="received"]')).toHaveText(expect.stringContaining('Повреждена'));
    await screenshot('custody-ru-history');
    await setLanguage('en');
  });
});
