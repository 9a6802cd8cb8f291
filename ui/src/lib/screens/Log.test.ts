import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { setLocale } from '../i18n/index.svelte';
import { choose, textFile } from '../components/exchange/testing';
import { photo, photoFile } from '../components/media/testing';
import { loadCache, nav, toast } from '../state.svelte';
import Log from './Log.svelte';

let mock: MockBackend;

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  await loadCache();
  setLocale('en');
  nav.screen = 'log';
});

describe('species search', () => {
  it.each(['тарбаган', '旱獭', 'marmot', 'Marmota'])('finds Marmota sibirica when typing %s', async (q) => {
    const hits = await mock.searchTaxa(q, 5);
    expect(hits[0]?.taxon.scientific_name).toBe('Marmota sibirica');
  });
});

describe('log a sighting', () => {
  it('saves with Ctrl+Enter after choosing the species from a Russian name, and opens the list', async () => {
    const { container } = render(Log, { editId: null });
    const species = container.querySelector('#species') as HTMLInputElement;
    await fireEvent.input(species, { target: { value: 'тарбаган' } });
    const option = await waitFor(() => {
      const b = container.querySelector('#species-list button[data-taxon="Marmota sibirica"]');
      expect(b).not.toBeNull();
      return b as HTMLElement;
    });
    expect(option.textContent).toContain('Тарбаган');
    await fireEvent.keyDown(species, { key: 'Enter' });
    await waitFor(() => expect(container.querySelector('#species-chosen')?.textContent).toContain('Marmota sibirica'));
    await fireEvent.input(container.querySelector('#count')!, { target: { value: '4' } });
    const site = container.querySelector('#site') as HTMLSelectElement;
    site.selectedIndex = 1;
    await fireEvent.change(site);
    await fireEvent.keyDown(container.querySelector('#notes')!, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(nav.screen).toBe('observations'));
    const page = await mock.observations({}, null, 10);
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0].scientific_name).toBe('Marmota sibirica');
    expect(page.rows[0].observation.count).toBe(4);
    expect(page.rows[0].observation.observed_at).toMatch(/[+-]\d{2}:\d{2}$/);
  });

  it('shows each error beside its field, in the chosen language', async () => {
    setLocale('ru');
    const { container } = render(Log, { editId: null });
    await fireEvent.keyDown(container.querySelector('#notes')!, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(container.querySelector('[data-error="taxon"]')).not.toBeNull());
    expect(container.querySelector('[data-error="taxon"]')!.textContent).toContain('Выберите вид');
    expect(container.querySelector('[data-error="count"]')!.textContent).toContain('Укажите количество');
    expect(container.querySelector('[data-error="position"]')!.textContent).toContain('Выберите участок');
    expect(screen.getByRole('alert').textContent).toBe('Проверьте отмеченные поля.');
    expect((await mock.stats()).observations).toBe(0);
  });

  it('marks unverified names in the search results', async () => {
    setLocale('mn');
    const { container } = render(Log, { editId: null });
    await fireEvent.input(container.querySelector('#species')!, { target: { value: 'тарвага' } });
    await waitFor(() => expect(container.querySelector('#species-list .unverified')).not.toBeNull());
    expect(container.querySelector('#species-list .badge')!.textContent).toBe('нэр баталгаажаагүй');
  });
});

describe('photos on a sighting', () => {

  async function pickSpecies(container: HTMLElement) {
    const species = container.querySelector('#species') as HTMLInputElement;
    await fireEvent.input(species, { target: { value: 'Procapra' } });
    await waitFor(() => expect(container.querySelector('#species-list button')).not.toBeNull());
    await fireEvent.keyDown(species, { key: 'Enter' });
    await fireEvent.input(container.querySelector('#count')!, { target: { value: '30' } });
  }

  it('attaches photos, offers their EXIF time and place, refuses a broken file and keeps a duplicate once', async () => {
    const { container } = render(Log, { editId: null });
    await pickSpecies(container);
    const input = container.querySelector('#photo-input') as HTMLInputElement;
    expect(input.accept).toBe('image/*');
    expect(input.multiple).toBe(true);
    const good = photo('camera');
    choose(input, [photoFile(good, 'DSC_0042.JPG')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('[data-testid="photo-item"][data-status="ready"] img')).not.toBeNull());
    expect(container.querySelector('[data-testid="photo-size"]')!.textContent).toContain('160 × 120 px');
    const offer = container.querySelector('#photo-exif')!;
    expect(offer.textContent).toContain('The photo says: taken 2026-06-01 07:42 (+08:00), 49.71° N 115.12° E');
    // Nothing is taken from the photo until the person asks.
    expect((container.querySelector('#site') as HTMLSelectElement | null)?.value ?? '').toBe('');
    await fireEvent.click(container.querySelector('#photo-use-exif')!);
    expect((container.querySelector('#time') as HTMLInputElement).dataset.value).toBe('2026-06-01T07:42');
    expect(container.textContent).toContain('UTC+08:00');
    expect((container.querySelector('#coords') as HTMLInputElement).value).toBe('49.71, 115.12');
    expect((container.querySelector('#uncertainty') as HTMLInputElement).value).toBe('12');
    expect(container.querySelector('#photo-exif')).toBeNull();

    // The same photo dropped again, and a file cut short in the copy.
    const zone = container.querySelector('#photo-drop')!;
    await fireEvent.drop(zone, { dataTransfer: { files: [photoFile(good, 'copy.jpg'), photoFile(photo('cut'), 'cut.jpg')], types: ['Files'] } });
    await waitFor(() => expect(container.querySelector('[data-testid="photo-error"]')).not.toBeNull());
    await waitFor(() => expect(container.querySelector('[data-testid="photo-note"]')).not.toBeNull());
    expect(container.querySelector('[data-testid="photo-error"]')!.textContent).toBe('cut.jpg was not added: The file is cut short. Copy it from the camera again.');
    expect(container.querySelector('[data-testid="photo-note"]')!.textContent).toContain('Already attached');
    expect(container.querySelectorAll('[data-testid="photo-item"][data-status="ready"]')).toHaveLength(1);

    await fireEvent.click(container.querySelector('#save')!);
    await waitFor(() => expect(nav.screen).toBe('observations'));
    const o = (await mock.observations({}, null, 5)).rows[0].observation;
    const sha = (await mock.photoStore('again.jpg', good)).sha256;
    expect(o.photos).toEqual([sha]);
    expect(o.observed_at).toBe('2026-06-01T07:42:00+08:00');
    expect([o.lat, o.lon]).toEqual([49.71, 115.12]);
  });

  it('shows a refused file in the chosen language', async () => {
    setLocale('ru');
    const { container } = render(Log, { editId: null });
    const input = container.querySelector('#photo-input') as HTMLInputElement;
    choose(input, [textFile('not a photo', 'notes.txt', 'text/plain')]);
    await fireEvent.change(input);
    await waitFor(() => expect(container.querySelector('[data-testid="photo-error"]')).not.toBeNull());
    expect(container.querySelector('[data-testid="photo-error"]')!.textContent).toContain('notes.txt не добавлен: Это не фотография');
  });

  it('keeps the photos of an edited sighting and removes one, with undo', async () => {
    const here = await mock.photoStore('a.jpg', photo('plain-1'));
    const elsewhere = 'ab'.repeat(32);
    mock.addObservations(1);
    const row = (await mock.observations({}, null, 1)).rows[0];
    await mock.updateRecord(row.id, row.rev_id, { kind: 'observation', body: { ...row.observation, photos: [here.sha256, elsewhere] } });
    const { container } = render(Log, { editId: row.id });
    await waitFor(() => expect(container.querySelectorAll('[data-testid="photo-item"]')).toHaveLength(2));
    await waitFor(() => expect(container.querySelector(`[data-sha="${elsewhere}"]`)!.getAttribute('data-status')).toBe('missing'));
    await fireEvent.click(container.querySelector(`[data-sha="${here.sha256}"] [data-testid="photo-remove"]`)!);
    expect(container.querySelectorAll('[data-testid="photo-item"]')).toHaveLength(1);
    await toast.action!.run();
    await waitFor(() => expect(container.querySelectorAll('[data-testid="photo-item"]')).toHaveLength(2));
    await fireEvent.click(container.querySelector(`[data-sha="${elsewhere}"] [data-testid="photo-remove"]`)!);
    await fireEvent.keyDown(container.querySelector('#notes')!, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(nav.screen).toBe('observations'));
    const saved = await mock.getRecord(row.id);
    expect(saved?.body?.kind === 'observation' && saved.body.body.photos).toEqual([here.sha256]);
  });

  it('keeps a date known only to the year, and where the record came from, when another field is edited', async () => {
    mock.addObservations(1);
    const row = (await mock.observations({}, null, 1)).rows[0];
    const historical = {
      ...row.observation,
      observed_at: '1987-01-01T12:00:00+00:00',
      date_precision: 'year' as const,
      source: { dataset: 'zin-mammals.zip', id: 'urn:catalog:ZIN:1' },
    };
    await mock.updateRecord(row.id, row.rev_id, { kind: 'observation', body: historical });
    const { container } = render(Log, { editId: row.id });
    await waitFor(() => expect((container.querySelector('#notes') as HTMLTextAreaElement).value).toBe(historical.notes ?? ''));
    await fireEvent.input(container.querySelector('#notes')!, { target: { value: 'museum skin' } });
    await fireEvent.keyDown(container.querySelector('#notes')!, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(nav.screen).toBe('observations'));
    const saved = await mock.getRecord(row.id);
    const o = saved?.body?.kind === 'observation' ? saved.body.body : null;
    expect(o?.notes).toBe('museum skin');
    expect([o?.observed_at, o?.date_precision, o?.source?.id]).toEqual(['1987-01-01T12:00:00+00:00', 'year', 'urn:catalog:ZIN:1']);
  });
});
