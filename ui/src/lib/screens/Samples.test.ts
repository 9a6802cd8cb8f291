import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import type { Observation, Sample } from '../bindings/core';
import { samplesNav } from '../components/exchange/samples-state.svelte';
import { choose, textFile } from '../components/exchange/testing';
import { recordedLabText } from '../backend/mock-recorded';
import { setLocale } from '../i18n/index.svelte';
import { cache, loadCache, nav, toast } from '../state.svelte';
import Samples from './Samples.svelte';

let mock: MockBackend;
let marmot: string;
let gazelle: string;

function taxonId(sci: string): string {
  return [...cache.taxa.entries()].find(([, t]) => t.scientific_name === sci)![0];
}

function observation(taxon: string, at: string, site: string | null): Observation {
  return {
    visit: null, site, taxon, taxon_name: null, count: 1, count_min: null, count_max: null, unit: 'individuals',
    sex: null, age: null, behaviour: null, lat: site ? null : 49.7, lon: site ? null : 115.1, uncertainty_m: null,
    observed_at: at, observers: ['Bat'], detection_method: 'trapping', notes: null, photos: [],
  };
}

function sample(host: string, barcode: string, extra: Partial<Sample> = {}): Sample {
  return {
    host_observation: host, sample_type: 'blood', barcode, collected_at: '2026-06-01T08:00:00+08:00', storage: null,
    lab: 'Chita plague station', test: 'PCR', pathogen: 'Yersinia pestis', result: 'pending', result_date: null, ...extra,
  };
}

const rowOf = (c: HTMLElement, barcode: string) => c.querySelector(`tr[data-barcode="${barcode}"]`) as HTMLElement;
const value = (c: HTMLElement, sel: string) => (c.querySelector(sel) as HTMLInputElement).value;
const select = async (el: Element, v: string) => {
  (el as HTMLSelectElement).value = v;
  await fireEvent.change(el);
};
const storedSample = async () => {
  const b = (await mock.listRecords('sample'))[0].body;
  return b?.kind === 'sample' ? b.body : null;
};
const importButton = (c: HTMLElement) => c.querySelector('#lab-import') as HTMLButtonElement;

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  await loadCache();
  setLocale('en');
  nav.screen = 'samples';
  samplesNav.hostId = null;
  const torey = cache.sites.find((s) => s.site.name === 'Torey Lakes')!.id;
  marmot = (await mock.createRecord({ kind: 'observation', body: observation(taxonId('Marmota sibirica'), '2026-06-01T07:30:00+09:00', torey) })).id;
  gazelle = (await mock.createRecord({ kind: 'observation', body: observation(taxonId('Procapra gutturosa'), '2026-05-20T18:05:00+08:00', null) })).id;
});

describe('samples', () => {
  it('opens the form for the host chosen on the Observations screen, with its time and a new barcode', async () => {
    samplesNav.hostId = marmot;
    const { container } = render(Samples);
    await waitFor(() => expect(container.querySelector('#sample-form')).not.toBeNull());
    expect(samplesNav.hostId).toBeNull();
    expect(value(container, '#sample-host')).toBe(marmot);
    expect((container.querySelector('#sample-collected') as HTMLInputElement).dataset.value).toBe('2026-06-01T07:30');
    expect(container.querySelector('#sample-form')!.textContent).toContain('UTC+09:00');
    expect(value(container, '#sample-barcode')).toBe('DAU-2026-0001');
    expect(value(container, '#sample-result')).toBe('pending');
    const type = container.querySelector('#sample-type') as HTMLSelectElement;
    expect([...type.options].map((o) => o.value)).toEqual(['blood', 'tissue', 'swab', 'faeces', 'ectoparasite_pool']);
    type.value = 'swab';
    await fireEvent.change(type);
    await fireEvent.input(container.querySelector('#sample-lab')!, { target: { value: 'Chita plague station' } });
    await fireEvent.keyDown(container.querySelector('#sample-lab')!, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(container.querySelector('#sample-form')).toBeNull());

    const saved = (await mock.listRecords('sample'))[0].body;
    expect(saved?.kind === 'sample' && saved.body).toMatchObject({
      host_observation: marmot, sample_type: 'swab', barcode: 'DAU-2026-0001', collected_at: '2026-06-01T07:30:00+09:00',
      lab: 'Chita plague station', result: 'pending', storage: null,
    });
    const row = await waitFor(() => rowOf(container, 'DAU-2026-0001') ?? Promise.reject(new Error('no row')));
    expect(row.textContent).toContain('Swab');
    expect(row.textContent).toContain('Tarbagan marmot');
    expect(row.textContent).toContain('2026-06-01');
    expect(row.textContent).toContain('Torey Lakes');
    expect(row.querySelector('[data-testid="sample-result"]')!.textContent).toBe('Pending');
  });

  it('suggests the next barcode, refuses one already used, and picks hosts from recent sightings', async () => {
    await mock.createRecord({ kind: 'sample', body: sample(marmot, 'DAU-2026-0007') });
    const { container } = render(Samples);
    await waitFor(() => expect(rowOf(container, 'DAU-2026-0007')).not.toBeNull());
    await fireEvent.click(container.querySelector('#sample-new')!);
    const host = container.querySelector('#sample-host') as HTMLSelectElement;
    const labels = [...host.options].map((o) => o.textContent);
    expect(labels).toContain('Mongolian gazelle (dzeren) · 2026-05-20');
    expect(labels).toContain('Tarbagan marmot (Mongolian marmot) · 2026-06-01 · Torey Lakes');
    expect(value(container, '#sample-barcode')).toBe('DAU-2026-0008');

    await fireEvent.click(container.querySelector('#sample-save')!);
    await waitFor(() => expect(container.querySelector('[data-error="host"]')).not.toBeNull());
    host.value = gazelle;
    await fireEvent.change(host);
    expect((container.querySelector('#sample-collected') as HTMLInputElement).dataset.value).toBe('2026-05-20T18:05');
    await fireEvent.input(container.querySelector('#sample-barcode')!, { target: { value: 'dau-2026-0007 ' } });
    expect(container.querySelector('[data-error="barcode"]')!.textContent).toBe('Barcode dau-2026-0007 is already on another sample.');
    await fireEvent.click(container.querySelector('#sample-save')!);
    expect((await mock.listRecords('sample')).length).toBe(1);
    await fireEvent.input(container.querySelector('#sample-barcode')!, { target: { value: 'DAU-2026-0010' } });
    expect(container.querySelector('[data-error="barcode"]')).toBeNull();
    await fireEvent.submit(container.querySelector('#sample-form')!);
    await waitFor(async () => expect((await mock.listRecords('sample')).length).toBe(2));
  });

  it('filters by result and type, searches by barcode, edits and deletes with undo', async () => {
    await mock.createRecord({ kind: 'sample', body: sample(marmot, 'DAU-2026-0001', { result: 'positive' }) });
    await mock.createRecord({ kind: 'sample', body: sample(marmot, 'DAU-2026-0002', { sample_type: 'ectoparasite_pool' }) });
    await mock.createRecord({ kind: 'sample', body: sample(gazelle, 'DAU-2026-0003', { sample_type: 'faeces' }) });
    const { container } = render(Samples);
    await waitFor(() => expect(container.querySelectorAll('#sample-table tbody tr[data-sample]')).toHaveLength(3));
    const rows = () => [...container.querySelectorAll('#sample-table tbody tr[data-sample]')].map((r) => r.getAttribute('data-barcode'));

    const result = container.querySelector('#sample-filter-result') as HTMLSelectElement;
    result.value = 'positive';
    await fireEvent.change(result);
    expect(rows()).toEqual(['DAU-2026-0001']);
    result.value = '';
    await fireEvent.change(result);
    const type = container.querySelector('#sample-filter-type') as HTMLSelectElement;
    type.value = 'ectoparasite_pool';
    await fireEvent.change(type);
    expect(rows()).toEqual(['DAU-2026-0002']);
    type.value = '';
    await fireEvent.change(type);
    await fireEvent.input(container.querySelector('#sample-search')!, { target: { value: '0003' } });
    expect(rows()).toEqual(['DAU-2026-0003']);
    await fireEvent.input(container.querySelector('#sample-search')!, { target: { value: '' } });

    await fireEvent.click(rowOf(container, 'DAU-2026-0002').querySelector('[data-testid="sample-edit"]')!);
    expect(value(container, '#sample-barcode')).toBe('DAU-2026-0002');
    const res = container.querySelector('#sample-result') as HTMLSelectElement;
    res.value = 'negative';
    await fireEvent.change(res);
    await fireEvent.input(container.querySelector('#sample-result-date')!, { target: { value: '2026-07-02' } });
    await fireEvent.click(container.querySelector('#sample-save')!);
    await waitFor(() => expect(rowOf(container, 'DAU-2026-0002')?.querySelector('[data-testid="sample-result"]')?.textContent).toBe('Negative'));

    await fireEvent.click(rowOf(container, 'DAU-2026-0003').querySelector('[data-testid="sample-delete"]')!);
    await waitFor(() => expect(rowOf(container, 'DAU-2026-0003')).toBeNull());
    expect(toast.text).toBe('Sample DAU-2026-0003 deleted.');
    await toast.action!.run();
    await waitFor(() => expect(rowOf(container, 'DAU-2026-0003')).not.toBeNull());
    expect((await mock.listRecords('sample')).length).toBe(3);
  });

  it('prints Code 128 labels for the selected samples', async () => {
    await mock.createRecord({ kind: 'sample', body: sample(marmot, 'DAU-2026-0001') });
    await mock.createRecord({ kind: 'sample', body: sample(gazelle, 'DAU-2026-0002', { sample_type: 'tissue' }) });
    await mock.createRecord({ kind: 'sample', body: sample(gazelle, 'DAU-2026-0003') });
    const print = vi.spyOn(mock, 'print');
    const { container } = render(Samples);
    await waitFor(() => expect(container.querySelectorAll('[data-testid="sample-check"]')).toHaveLength(3));
    expect((container.querySelector('#print-labels') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(container.querySelector('#sample-select-all')!);
    expect(container.querySelector('#print-labels')!.textContent).toContain('(3)');
    await fireEvent.click(rowOf(container, 'DAU-2026-0003').querySelector('[data-testid="sample-check"]')!);
    await fireEvent.click(container.querySelector('#print-labels')!);
    await waitFor(() => expect(print).toHaveBeenCalledTimes(1));
    // The dialog is set up to save a PDF named after the sheet; the page says where.
    expect(print.mock.calls[0][0]).toMatch(/^Sample labels \(2\) \d{4}-\d{2}-\d{2}$/);
    await waitFor(() => expect(container.querySelector('#labels-pdf')?.textContent).toContain('/home/mock/Documents/Dauria Field/Sample labels (2) '));
    const labels = [...container.querySelectorAll('#label-sheet [data-testid="label"]')];
    expect(labels.map((l) => l.getAttribute('data-barcode'))).toEqual(['DAU-2026-0001', 'DAU-2026-0002']);
    expect(labels[1].textContent).toContain('Tissue');
    expect(labels[1].textContent).toContain('Procapra gutturosa');
    expect(labels[0].textContent).toContain('Torey Lakes');
    expect(labels[0].textContent).toContain('2026-06-01');
    // JsBarcode drew the bars.
    expect(labels[0].querySelectorAll('svg rect').length).toBeGreaterThan(10);
    await fireEvent.click(container.querySelector('#labels-close')!);
    expect(container.querySelector('#label-sheet')).toBeNull();
  });

  it('imports lab results and shows the report and the summary by site and host', async () => {
    await mock.createRecord({ kind: 'sample', body: sample(marmot, 'DAU-2026-0001') });
    await mock.createRecord({ kind: 'sample', body: sample(marmot, 'DAU-2026-0002') });
    await mock.createRecord({ kind: 'sample', body: sample(gazelle, 'DAU-2026-0003', { result: 'negative', result_date: '2026-06-20' }) });
    const { container } = render(Samples);
    await waitFor(() => expect(container.querySelector('#sample-summary')).not.toBeNull());
    const csv = recordedLabText('results');
    const input = container.querySelector('#lab-input') as HTMLInputElement;
    choose(input, [textFile(csv, 'results.csv')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('#lab-preview')).not.toBeNull());
    expect([0, 1, 2].map((i) => value(container, `#lab-map-${i}`))).toEqual(['barcode', 'result', 'result_date']);
    expect(container.querySelectorAll('#lab-preview tbody tr')).toHaveLength(5);
    expect(container.querySelector('#lab-warn')).toBeNull();
    expect(container.querySelector('#lab-report')).toBeNull();
    expect(importButton(container).disabled).toBe(false);
    await fireEvent.click(importButton(container));
    await waitFor(() => expect(container.querySelector('#lab-report')).not.toBeNull());
    expect(container.querySelector('#lab-preview')).toBeNull();
    expect(container.querySelector('#lab-rows')!.textContent).toBe('5 rows read');
    expect(container.querySelector('#lab-updated')!.textContent).toBe('2 samples updated');
    expect(container.querySelector('#lab-unchanged')!.textContent).toBe('1 already up to date');
    expect([...container.querySelectorAll('#lab-unmatched tbody td')].map((td) => td.textContent)).toEqual(['5', 'DAU-2026-0099']);
    expect([...container.querySelectorAll('#lab-errors tbody td')].map((td) => td.textContent)).toEqual([
      '6', 'Result', "'maybe' is not a result: write pending, negative, positive or inconclusive.",
    ]);
    await waitFor(() => expect(rowOf(container, 'DAU-2026-0001').querySelector('[data-testid="sample-result"]')!.textContent).toBe('Positive'));

    const marmotRow = container.querySelector('#sample-summary tr[data-host="Marmota sibirica"]')!;
    expect(marmotRow.getAttribute('data-site')).toBe('Torey Lakes');
    expect(marmotRow.querySelector('[data-result="positive"]')!.textContent).toBe('1');
    expect(marmotRow.querySelector('[data-result="negative"]')!.textContent).toBe('1');
    expect(marmotRow.querySelector('[data-result="pending"]')!.textContent).toBe('0');
    expect(container.querySelector('#sample-summary tr[data-host="Procapra gutturosa"] [data-result="negative"]')!.textContent).toBe('1');
  });

  it('says which needed column is not mapped yet, and cancels', async () => {
    setLocale('ru');
    const { container } = render(Samples);
    await waitFor(() => expect(container.querySelector('#lab-input')).not.toBeNull());
    const input = container.querySelector('#lab-input') as HTMLInputElement;
    choose(input, [textFile(recordedLabText('unguessed'), 'lab.csv')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('#lab-preview')).not.toBeNull());
    expect(value(container, '#lab-map-0')).toBe('');
    expect(value(container, '#lab-map-1')).toBe('result');
    expect(container.querySelector('#lab-warn')!.textContent).toContain('Ещё не сопоставлено: Штрихкод.');
    expect(importButton(container).disabled).toBe(true);
    await fireEvent.click(container.querySelector('#lab-cancel')!);
    expect(container.querySelector('#lab-preview')).toBeNull();
    expect(container.querySelector('#lab-import')).toBeNull();
  });

  it('shows an empty results file with nothing to map, and nothing to import', async () => {
    setLocale('ru');
    const { container } = render(Samples);
    await waitFor(() => expect(container.querySelector('#lab-input')).not.toBeNull());
    const input = container.querySelector('#lab-input') as HTMLInputElement;
    choose(input, [textFile(recordedLabText('empty'), 'lab.csv')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('#lab-preview')).not.toBeNull());
    expect(container.querySelector('#lab-error')).toBeNull();
    expect(container.querySelectorAll('#lab-preview tbody tr')).toHaveLength(0);
    expect(container.querySelector('#lab-warn')!.textContent).toContain('Ещё не сопоставлено');
    expect(importButton(container).disabled).toBe(true);
  });

  it('imports lab results whose headers are mapped by hand', async () => {
    await mock.createRecord({ kind: 'sample', body: sample(marmot, 'DAU-2026-0001') });
    const { container } = render(Samples);
    await waitFor(() => expect(rowOf(container, 'DAU-2026-0001')).not.toBeNull());
    const input = container.querySelector('#lab-input') as HTMLInputElement;
    choose(input, [textFile(recordedLabText('befunde-typo'), 'befunde.csv')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('#lab-preview')).not.toBeNull());
    expect([0, 1, 2].map((i) => value(container, `#lab-map-${i}`))).toEqual(['', '', '']);
    expect([...container.querySelectorAll('#lab-preview .header-name')].map((th) => th.textContent)).toEqual(['Probe', 'Befund', 'Erreger']);
    expect([...(container.querySelector('#lab-map-0') as HTMLSelectElement).options].map((o) => o.value)).toEqual(
      ['', 'barcode', 'result', 'result_date', 'test', 'pathogen', 'lab'],
    );
    expect(container.querySelector('#lab-map-0 option[value="result_date"]')!.textContent).toBe('Result date (result_date)');
    expect(container.querySelector('#lab-warn')!.textContent).toContain('Barcode, Result');
    expect(importButton(container).disabled).toBe(true);

    await select(container.querySelector('#lab-map-0')!, 'barcode');
    expect(container.querySelector('#lab-warn')!.textContent).not.toContain('Barcode');
    expect(importButton(container).disabled).toBe(true);
    await select(container.querySelector('#lab-map-1')!, 'barcode');
    expect(container.querySelector('#lab-duplicate')).not.toBeNull();
    expect(container.querySelector('#lab-map-0')!.classList.contains('invalid')).toBe(true);
    expect(importButton(container).disabled).toBe(true);
    await select(container.querySelector('#lab-map-1')!, 'result');
    expect(container.querySelector('#lab-duplicate')).toBeNull();
    expect(container.querySelector('#lab-warn')).toBeNull();
    // "positiv" is no result the backend knows: the row is reported, nothing changes.
    expect(importButton(container).disabled).toBe(false);
    await fireEvent.click(importButton(container));
    await waitFor(() => expect(container.querySelector('#lab-report')).not.toBeNull());
    expect([...container.querySelectorAll('#lab-errors tbody td')].map((td) => td.textContent)).toEqual([
      '2', 'Befund', "'positiv' is not a result: write pending, negative, positive or inconclusive.",
    ]);
    expect(container.querySelector('#lab-updated')!.textContent).toBe('0 samples updated');

    choose(input, [textFile(recordedLabText('befunde'), 'befunde.csv')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('#lab-preview')).not.toBeNull());
    expect(container.querySelector('#lab-report')).toBeNull();
    await select(container.querySelector('#lab-map-0')!, 'barcode');
    await select(container.querySelector('#lab-map-1')!, 'result');
    await select(container.querySelector('#lab-map-2')!, 'pathogen');
    await fireEvent.click(importButton(container));
    await waitFor(() => expect(container.querySelector('#lab-updated')?.textContent).toBe('1 sample updated'));
    await waitFor(() => expect(rowOf(container, 'DAU-2026-0001').querySelector('[data-testid="sample-result"]')!.textContent).toBe('Positive'));
    expect(await storedSample()).toMatchObject({ result: 'positive', pathogen: 'Yersinia pestis' });
  });

  it('refuses a lab mapping without barcode or result, with a column twice or an unknown one', async () => {
    await mock.createRecord({ kind: 'sample', body: sample(marmot, 'DAU-2026-0001') });
    const bytes = new TextEncoder().encode(recordedLabText('two-columns'));
    const rule = async (columns: (string | null)[]) => {
      try {
        await mock.labResultsImport(bytes, columns);
      } catch (e) {
        return (e as { payload: { code: string; fields: { rule: string }[] } }).payload;
      }
      return null;
    };
    expect(await rule(['barcode', null])).toMatchObject({ code: 'invalid', fields: [{ rule: 'missing_column' }] });
    expect(await rule(['barcode', 'barcode'])).toMatchObject({ code: 'invalid', fields: [{ rule: 'duplicate' }] });
    expect(await rule(['barcode', 'colour'])).toMatchObject({ code: 'invalid', fields: [{ rule: 'unknown_column' }] });
    expect((await storedSample())?.result).toBe('pending');
    const report = await mock.labResultsImport(bytes, ['barcode', 'result']);
    expect(report.updated).toBe(1);
  });
});
