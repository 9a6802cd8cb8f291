import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend';
import { createMockBackend, type MockBackend } from '../../backend/mock';
import { setLocale } from '../../i18n/index.svelte';
import { cache, loadCache } from '../../state.svelte';
import Shipments from './Shipments.svelte';

let mock: MockBackend;
const CODES = ['MN-0001', 'MN-0002', 'MN-0003'];

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  await loadCache();
  setLocale('en');
  const marmot = [...cache.taxa.entries()].find(([, t]) => t.scientific_name === 'Marmota sibirica')![0];
  const host = await mock.createRecord({
    kind: 'observation',
    body: {
      visit: null, site: null, taxon: marmot, taxon_name: null, count: 1, count_min: null, count_max: null, unit: 'individuals',
      sex: null, age: null, behaviour: null, lat: 49.7, lon: 115.1, uncertainty_m: null,
      observed_at: '2026-06-01T07:30:00+08:00', observers: [], detection_method: null, notes: null, photos: [],
    },
  });
  for (const barcode of CODES)
    await mock.createRecord({
      kind: 'sample',
      body: {
        host_observation: host.id, sample_type: 'blood', barcode, collected_at: '2026-06-01T08:00:00+08:00', storage: null,
        lab: null, test: null, pathogen: null, result: 'pending', result_date: null,
      },
    });
});

const q = <T extends Element = HTMLElement>(c: HTMLElement, sel: string) => c.querySelector(sel) as T;
const type = async (c: HTMLElement, sel: string, v: string) => fireEvent.input(Object.assign(q<HTMLInputElement>(c, sel), { value: v }));

/** What a keyboard-wedge scanner does: the code typed into the focused field, then Enter. */
async function scan(code: string) {
  const el = document.activeElement as HTMLInputElement;
  el.value = code;
  await fireEvent.input(el);
  await fireEvent.keyDown(el, { key: 'Enter' });
}

describe('shipments', () => {
  it('packs, sends and receives a shipment by scanning, flagging what is missing, extra and damaged', async () => {
    const { container: c } = render(Shipments, { barcodes: [...CODES, 'MN-0004'] });
    await fireEvent.click(q(c, '#shipment-new'));
    for (const b of CODES) await fireEvent.click(q(c, `#shipment-form input[data-barcode="${b}"]`));
    await type(c, '#shipment-from', 'Mongol Daguur station');
    await type(c, '#shipment-to', 'NCZD Ulaanbaatar');
    await fireEvent.submit(q(c, '#shipment-form'));
    await waitFor(() => expect(q(c, '#shipment-detail')?.getAttribute('data-status')).toBe('packed'));
    expect(c.querySelectorAll('#manifest-items tr[data-barcode]')).toHaveLength(3);
    expect(c.querySelectorAll('#manifest-sheet svg rect').length).toBeGreaterThan(10);

    await fireEvent.click(q(c, '#shipment-send'));
    await type(c, '#handover-to', 'MIAT cargo');
    await type(c, '#handover-temp', '-20');
    await fireEvent.submit(q(c, '#handover-form'));
    await waitFor(() => expect(q(c, '#shipment-detail').getAttribute('data-status')).toBe('in_transit'));

    await fireEvent.click(q(c, '#shipment-receive'));
    await waitFor(() => expect(document.activeElement?.id).toBe('scan-input'));
    await scan('MN-0001');
    await scan('mn-0001');
    expect(q(c, '#scan-count').textContent).toContain('mn-0001 was already scanned');
    await scan('MN-0003');
    await scan('XX-9');
    expect(q(c, '#scan-count').textContent).toContain('XX-9 is not on this manifest');
    expect(document.activeElement?.id).toBe('scan-input');
    await fireEvent.click(q(c, '#scan-list li[data-barcode="MN-0003"] [data-testid="scan-damaged"]'));
    expect(document.activeElement?.id).toBe('scan-input');
    expect(q(c, '#scan-count').textContent).toContain('Scanned 2 of 3');
    await type(c, '#handover-to', 'Dr. O. Tsend');
    await fireEvent.submit(q(c, '#handover-form'));
    await waitFor(() => expect(q(c, '#shipment-detail').getAttribute('data-status')).toBe('received'));
    const receipt = (b: string) => q(c, `#manifest-items tr[data-barcode="${b}"]`).getAttribute('data-receipt');
    expect(CODES.map(receipt)).toEqual(['received', 'missing', 'damaged']);
    const flagged = [...c.querySelectorAll('#shipment-discrepancies .disc')].map((d) => d.getAttribute('data-status'));
    expect(flagged.sort()).toEqual(['damaged', 'extra', 'missing']);

    await fireEvent.click(q(c, '#manifest-items tr[data-barcode="MN-0003"] [data-testid="history-open"]'));
    await waitFor(() => expect(c.querySelectorAll('#sample-history li')).toHaveLength(3));
    const events = [...c.querySelectorAll('#sample-history li')].map((li) => li.getAttribute('data-event'));
    expect(events).toEqual(['collected', 'sent', 'received']);
    expect(q(c, '#sample-history li[data-event="received"]').textContent).toContain('Damaged');
    setLocale('mn');
    await waitFor(() => expect(q(c, '#sample-history li[data-event="received"]').textContent).toContain('Гэмтсэн'));
    expect(q(c, '#sample-history h3').textContent).toContain('хадгалалтын түүх');
  });

  it('refuses a shipment of an unknown barcode and writes nothing', async () => {
    const { container: c } = render(Shipments, { barcodes: ['MN-0001', 'MN-9999'] });
    await fireEvent.click(q(c, '#shipment-new'));
    await fireEvent.click(q(c, '#shipment-form input[data-barcode="MN-9999"]'));
    await type(c, '#shipment-from', 'a');
    await type(c, '#shipment-to', 'b');
    await fireEvent.submit(q(c, '#shipment-form'));
    await waitFor(() => expect(q(c, '#shipment-error')?.textContent).toBeTruthy());
    expect(await mock.listRecords('shipment')).toHaveLength(0);
  });
});
