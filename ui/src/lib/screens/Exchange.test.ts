import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { archive, bytesFile, choose, textFile } from '../components/exchange/testing';
import { recordedCsvText } from '../backend/mock-recorded';
import { setLocale } from '../i18n/index.svelte';
import { loadCache } from '../state.svelte';
import Exchange from './Exchange.svelte';

let mock: MockBackend;

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  await loadCache();
  setLocale('en');
});

// A historical CSV whose preview and imports crates/app/tests/recorded.rs recorded.
const CSV = recordedCsvText('dauria-2019');

async function previewCsv(container: HTMLElement, text = CSV) {
  const input = container.querySelector('#csv-input') as HTMLInputElement;
  choose(input, [textFile(text, 'dauria-2019.csv')]);
  await fireEvent.change(input);
  await waitFor(() => expect(container.querySelector('#csv-preview')).not.toBeNull());
}

const select = async (el: Element, value: string) => {
  (el as HTMLSelectElement).value = value;
  await fireEvent.change(el);
};

describe('historical CSV import', () => {
  it('previews the file, presets the guessed columns, warns of a missing one and imports the good rows', async () => {
    const { container } = render(Exchange);
    await previewCsv(container);
    const maps = [...container.querySelectorAll<HTMLSelectElement>('[data-testid="csv-map"]')];
    expect(maps.map((m) => m.value)).toEqual(['taxon', '', 'count', 'lat', 'lon', 'notes']);
    expect([...maps[0].options].map((o) => o.value)).toContain('position');
    expect(maps[0].options[0].textContent).toBe('ignore');
    expect(container.querySelectorAll('#csv-preview tbody tr')).toHaveLength(4);
    expect(container.querySelector('#csv-preview tbody tr td')!.textContent).toBe('Procapra gutturosa');
    expect(container.querySelector('#csv-detected')!.textContent!.trim()).toBe('Read as UTF-8, fields separated by «,»');
    // "Wann" is not a name the app knows: the time is not mapped yet.
    expect(container.querySelector('#csv-warn')!.textContent).toContain('Date and time');
    expect((container.querySelector('#csv-import') as HTMLButtonElement).disabled).toBe(true);
    await select(maps[1], 'observed_at');
    expect(container.querySelector('#csv-warn')).toBeNull();
    await select(maps[5], 'taxon');
    expect(container.querySelector('#csv-duplicate')!.textContent).toContain('taxon');
    await select(maps[5], 'notes');

    await fireEvent.click(container.querySelector('#csv-import')!);
    await waitFor(() => expect(container.querySelector('#csv-report')).not.toBeNull());
    expect(container.querySelector('#csv-summary')!.textContent!.trim()).toBe('2 of 4 rows imported.');
    const errors = [...container.querySelectorAll('#csv-errors tbody tr')].map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(errors).toEqual([
      ['4', 'Species', "No species on the checklist is called 'Unheard-of beast'."],
      ['5', 'N', "'many' is not a whole number."],
    ]);
    // The reasons are worded by their rule, in the language chosen now.
    setLocale('ru');
    await waitFor(() => expect(container.querySelector('#csv-summary')!.textContent!.trim()).toBe('Импортировано 2 из 4 строк.'));
    expect([...container.querySelectorAll('#csv-errors tbody td:last-child')].map((td) => td.textContent)).toEqual([
      'В списке нет вида с названием «Unheard-of beast».',
      '«many» — не целое число.',
    ]);
    setLocale('kk');
    await waitFor(() => expect(container.querySelector('#csv-errors tbody td:last-child')!.textContent).toBe('Тізімде «Unheard-of beast» деп аталатын түр жоқ.'));
    setLocale('en');
    const rows = (await mock.observations({}, null, 10)).rows;
    expect(rows.map((r) => r.scientific_name).sort()).toEqual(['Canis lupus', 'Procapra gutturosa']);
    expect(rows.find((r) => r.scientific_name === 'Procapra gutturosa')!.observation).toMatchObject({
      count: 120, lat: 49.7, lon: 115.1, notes: 'herd at the well', observed_at: '2019-05-02T07:10:00+08:00',
    });
  });

  it('imports nothing when all or nothing is ticked and a row is bad', async () => {
    const { container } = render(Exchange);
    await previewCsv(container);
    await select(container.querySelector('#csv-map-1')!, 'observed_at');
    await fireEvent.click(container.querySelector('#csv-all-or-nothing')!);
    await fireEvent.click(container.querySelector('#csv-import')!);
    await waitFor(() => expect(container.querySelector('#csv-report')).not.toBeNull());
    expect(container.querySelector('#csv-summary')!.textContent).toContain('Nothing was imported: 2 problems');
    expect(container.querySelectorAll('#csv-errors tbody tr')).toHaveLength(2);
    expect((await mock.stats()).observations).toBe(0);
  });

  it('ignores a column set to ignore', async () => {
    const { container } = render(Exchange);
    await previewCsv(container);
    await select(container.querySelector('#csv-map-1')!, 'observed_at');
    await select(container.querySelector('#csv-map-5')!, '');
    await fireEvent.click(container.querySelector('#csv-import')!);
    await waitFor(() => expect(container.querySelector('#csv-report')).not.toBeNull());
    const rows = (await mock.observations({}, null, 10)).rows;
    expect(rows.every((r) => r.observation.notes === null)).toBe(true);
  });
});

describe('Darwin Core Archive import', () => {
  it('reports the rows imported, the names not on the checklist and the bad rows', async () => {
    setLocale('zh-CN');
    const { container } = render(Exchange);
    const zip = archive('hulun-2018');
    const input = container.querySelector('#dwca-input') as HTMLInputElement;
    choose(input, [bytesFile(zip, 'hulun-2018.zip')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('#dwca-report')).not.toBeNull());
    expect(container.querySelector('#dwca-summary')!.textContent).toBe('hulun-2018.zip：已导入 3 行，共 4 行。');
    expect([...container.querySelectorAll('#dwca-unmatched tbody td')].map((td) => td.textContent)).toEqual(['Marmota nomenclatura-nova', '2']);
    expect([...container.querySelectorAll('#dwca-errors tbody td')].map((td) => td.textContent)).toEqual([
      'occurrence.txt',
      '5',
      'eventDate',
      "'2018-13-45' is not an ISO 8601 date, date and time, month, year or range of them",
    ]);
  });

  it('explains a file that is not an archive', async () => {
    const { container } = render(Exchange);
    const input = container.querySelector('#dwca-input') as HTMLInputElement;
    choose(input, [textFile('hello', 'notes.zip')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('#dwca-error')).not.toBeNull());
    expect(container.querySelector('#dwca-error')!.textContent).toContain('notes.zip: This is not a Darwin Core Archive the app can read.');
  });
});

describe('exports', () => {
  it('saves the export folder, exports each format and shows the path, size and records', async () => {
    mock.addObservations(3);
    const survey = await mock.createRecord({ kind: 'survey', body: { title: 'Dauria spring 2026', region: null, target_groups: [], target_taxa: [], methods: [], start_date: null, end_date: null, status: 'in_field', lead: null } });
    const { container } = render(Exchange);
    await waitFor(() => expect(container.querySelectorAll('#export-survey option')).toHaveLength(2));
    expect(container.querySelector('#export-dir-hint')!.textContent).toContain('Documents');
    expect((container.querySelector('#export-gpx') as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.input(container.querySelector('#export-dir')!, { target: { value: '/media/usb/exports ' } });
    await fireEvent.keyDown(container.querySelector('#export-dir')!, { key: 'Enter' });
    await waitFor(async () => expect(await mock.getSetting('export_dir')).toBe('/media/usb/exports'));
    expect(container.querySelector('#export-dir-hint')!.textContent).toContain('/media/usb/exports');

    await select(container.querySelector('#export-survey')!, survey.id);
    await fireEvent.click(container.querySelector('#export-dwca')!);
    await waitFor(() => expect(container.querySelector('#export-result-dwca')).not.toBeNull());
    const dwca = container.querySelector('#export-result-dwca')!;
    expect(dwca.querySelector('[data-testid="export-path"]')!.textContent).toMatch(/^\/media\/usb\/exports\/dauria-dwca-.*\.zip$/);
    expect(dwca.querySelector('[data-testid="export-records"]')!.textContent).toBe('3 records');
    expect(dwca.querySelector('[data-testid="export-size"]')!.textContent).toMatch(/KB$/);

    await fireEvent.click(container.querySelector('#export-geojson')!);
    await waitFor(() => expect(container.querySelector('#export-result-geojson [data-testid="export-path"]')!.textContent).toMatch(/\.geojson$/));
    expect((container.querySelector('#export-gpx') as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.click(container.querySelector('#export-gpx')!);
    await waitFor(() => expect(container.querySelector('#export-result-gpx')).not.toBeNull());
  });
});
