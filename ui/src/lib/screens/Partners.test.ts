import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { withRegistryChecks } from '../backend/mock-registry';
import type { ProtectedArea } from '../bindings/core';
import { setLocale } from '../i18n/index.svelte';
import { toast } from '../state.svelte';
import Partners from './Partners.svelte';

let mock: MockBackend;

const rows = (c: HTMLElement) => [...c.querySelectorAll<HTMLElement>('[data-testid="reserve-row"]')];
const names = (c: HTMLElement) => rows(c).map((r) => r.querySelector('[data-testid="reserve-name"]')!.textContent);

async function areas(): Promise<ProtectedArea[]> {
  return (await mock.listRecords('protected_area')).flatMap((c) => (c.body?.kind === 'protected_area' ? [c.body.body] : []));
}

async function type(c: HTMLElement, sel: string, value: string) {
  await fireEvent.input(c.querySelector(sel)!, { target: { value } });
}

async function choose(c: HTMLElement, sel: string, value: string) {
  const s = c.querySelector(sel) as HTMLSelectElement;
  s.value = value;
  await fireEvent.change(s);
}

beforeEach(() => {
  mock = withRegistryChecks(createMockBackend());
  useBackend(mock);
  setLocale('en');
});

describe('partner reserves', () => {
  it('lists the reserves with status, and draws them on the small map', async () => {
    const { container } = render(Partners);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    const row = rows(container)[0];
    expect(row.textContent).toContain('Daursky State Nature Biosphere Reserve');
    expect(row.textContent).toContain('Даурский заповедник');
    expect(row.textContent).toContain('Russia');
    expect(row.querySelector('[data-testid="reserve-status"]')!.textContent).toBe('Engaged');
    await waitFor(() => expect(container.querySelector('#partners-map')?.getAttribute('data-count')).toBe('1'));
    expect(container.querySelectorAll('#partnership-legend li')).toHaveLength(4);
  });

  it('shows impossible coordinates by the field, then saves the reserve with every field', async () => {
    const { container } = render(Partners);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    await fireEvent.click(container.querySelector('#pa-new')!);
    const form = container.querySelector('#pa-form') as HTMLFormElement;
    // Empty form: what is missing is said by each field, nothing is sent.
    await fireEvent.submit(form);
    await waitFor(() => expect(container.querySelector('[data-error="name_en"]')).not.toBeNull());
    expect(container.querySelector('[data-error="country"]')).not.toBeNull();
    expect(container.querySelector('[data-error="lat"]')!.textContent).toBe('This is required.');

    await type(container, '#pa-name-en', 'Mongol Daguur Strictly Protected Area');
    await type(container, '#pa-name-local', 'Монгол Дагуурын дархан цаазат газар');
    await choose(container, '#pa-country', 'MN');
    await type(container, '#pa-category', 'Strictly Protected Area');
    await type(container, '#pa-lat', '149.7');
    await type(container, '#pa-lon', '115,1');
    await type(container, '#pa-area', '2100');
    await type(container, '#pa-extent', 'Ramsar site point');
    await choose(container, '#pa-partnership', 'agreement');
    await type(container, '#pa-contact', 'director@daguur.mn');
    await type(container, '#pa-agreement-date', '2026-04-22');
    await type(container, '#pa-source', 'Ramsar site information');
    await fireEvent.keyDown(form, { key: 'Enter', ctrlKey: true });
    // The backend refuses the latitude; the message sits by the field.
    await waitFor(() => expect(container.querySelector('[data-error="lat"]')?.textContent).toBe('Latitude must be between -90 and 90.'));
    expect(container.querySelector('#pa-form-error')!.textContent).toBe('Some fields need attention.');
    expect(container.querySelector('#pa-lat')!.classList.contains('invalid')).toBe(true);
    expect(await areas()).toHaveLength(1);

    await type(container, '#pa-lat', '49.7');
    await fireEvent.keyDown(form, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(rows(container)).toHaveLength(2));
    expect(container.querySelector('#pa-form')).toBeNull();
    const saved = (await areas()).find((a) => a.country === 'MN');
    expect(saved).toEqual({
      name_en: 'Mongol Daguur Strictly Protected Area', name_local: 'Монгол Дагуурын дархан цаазат газар', country: 'MN',
      category: 'Strictly Protected Area', lat: 49.7, lon: 115.1, area_km2: 2100, extent_note: 'Ramsar site point',
      partnership: 'agreement', contact: 'director@daguur.mn', agreement_date: '2026-04-22', source: 'Ramsar site information',
    });
    const row = rows(container).find((r) => r.textContent!.includes('Mongol Daguur'))!;
    expect(row.querySelector('[data-testid="reserve-status"]')!.textContent).toBe('Agreement signed');
    expect(row.textContent).toContain('director@daguur.mn');
    expect(row.textContent).toContain('04/22/2026');
    await waitFor(() => expect(container.querySelector('#partners-map')?.getAttribute('data-count')).toBe('2'));
  });

  it('says when a coordinate cannot be read', async () => {
    const { container } = render(Partners);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    await fireEvent.click(container.querySelector('#pa-new')!);
    await type(container, '#pa-name-en', 'Somewhere');
    await choose(container, '#pa-country', 'CN');
    await type(container, '#pa-lat', 'N48');
    await type(container, '#pa-lon', '117.4');
    await fireEvent.submit(container.querySelector('#pa-form')!);
    await waitFor(() => expect(container.querySelector('[data-error="lat"]')?.textContent).toBe('This is not in a format the app can read.'));
    expect(container.querySelector('[data-error="lon"]')).toBeNull();
  });

  it('changes the partnership status of a seeded reserve', async () => {
    const { container } = render(Partners);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    await fireEvent.click(container.querySelector('[data-testid="reserve-edit"]')!);
    expect((container.querySelector('#pa-name-en') as HTMLInputElement).value).toBe('Daursky State Nature Biosphere Reserve');
    expect((container.querySelector('#pa-lat') as HTMLInputElement).value).toBe('50.067');
    await choose(container, '#pa-partnership', 'invited');
    await type(container, '#pa-contact', 'Vadim, +7 914 000 00 00');
    await fireEvent.click(container.querySelector('#pa-save')!);
    await waitFor(() => expect(rows(container)[0].querySelector('[data-testid="reserve-status"]')!.textContent).toBe('Invited'));
    const [pa] = await areas();
    expect(pa.partnership).toBe('invited');
    expect(pa.contact).toBe('Vadim, +7 914 000 00 00');
    expect(pa.area_km2).toBe(2086);
    expect(pa.lat).toBe(50.067);
  });

  it('deletes a reserve and brings it back with undo', async () => {
    const { container } = render(Partners);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    await fireEvent.click(container.querySelector('[data-testid="reserve-delete"]')!);
    await waitFor(() => expect(container.querySelector('#partners-empty')).not.toBeNull());
    expect(await areas()).toHaveLength(0);
    expect(toast.text).toContain('Daursky');
    await toast.action!.run();
    await waitFor(() => expect(names(container)).toEqual(['Daursky State Nature Biosphere Reserve']));
    expect((await areas())[0].partnership).toBe('engaged');
  });
});
