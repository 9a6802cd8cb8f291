import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { setLocale } from '../i18n/index.svelte';
import { loadCache, nav } from '../state.svelte';
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
