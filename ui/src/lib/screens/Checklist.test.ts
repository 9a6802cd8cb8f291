import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { setLocale } from '../i18n/index.svelte';
import Checklist from './Checklist.svelte';

let mock: MockBackend;

const listed = (c: HTMLElement) => [...c.querySelectorAll('#checklist tbody tr')].map((r) => r.getAttribute('data-taxon'));

beforeEach(() => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('en');
});

describe('checklist editor', () => {
  it('removes a taxon, adds it back from a search, and saves a Kazakh name', async () => {
    const { container } = render(Checklist);
    await waitFor(() => expect(listed(container)).toContain('Canis lupus'));
    await fireEvent.click(container.querySelector('#checklist-edit')!);
    await fireEvent.click(container.querySelector('[data-remove="Canis lupus"]')!);
    await waitFor(() => expect(listed(container)).not.toContain('Canis lupus'));
    expect((await mock.countryChecklist('MN')).taxa.map((e) => e.taxon.scientific_name)).not.toContain('Canis lupus');

    await fireEvent.input(container.querySelector('#checklist-search')!, { target: { value: 'волк' } });
    await waitFor(() => expect(container.querySelector('[data-add="Canis lupus"]')).not.toBeNull());
    await fireEvent.click(container.querySelector('[data-add="Canis lupus"]')!);
    await waitFor(() => expect(listed(container)).toContain('Canis lupus'));

    const kk = container.querySelector('tr[data-taxon="Canis lupus"] input[data-locale="kk"]') as HTMLInputElement;
    kk.value = 'Қасқыр';
    await fireEvent.change(kk);
    await waitFor(async () => {
      const id = (await mock.countryChecklist('MN')).taxa.find((e) => e.taxon.scientific_name === 'Canis lupus')!.id;
      const wolf = await mock.getRecord(id);
      const names = wolf?.body?.kind === 'taxon' ? wolf.body.body.names : [];
      expect(names.find((n) => n.locale === 'kk')).toEqual({ locale: 'kk', name: 'Қасқыр', verified: false });
    });
  });

  it('says why a taxon already on the list cannot be added again', async () => {
    const { container } = render(Checklist);
    await waitFor(() => expect(listed(container)).toContain('Canis lupus'));
    await fireEvent.click(container.querySelector('#checklist-edit')!);
    await fireEvent.input(container.querySelector('#checklist-search')!, { target: { value: 'Canis' } });
    await waitFor(() => expect(container.querySelector('[data-add="Canis lupus"]')).not.toBeNull());
    expect((container.querySelector('[data-add="Canis lupus"]') as HTMLButtonElement).disabled).toBe(true);
  });
});
