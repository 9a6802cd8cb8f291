import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { withRegistryChecks } from '../backend/mock-registry';
import type { CooperationAction } from '../bindings/core';
import { today } from '../components/registry/registry';
import { setLocale } from '../i18n/index.svelte';
import { toast } from '../state.svelte';
import Cooperation from './Cooperation.svelte';

let mock: MockBackend;

const inDays = (n: number) => {
  const d = new Date();
  d.setDate(d.getDate() + n);
  return today(d);
};
const action = (title: string, extra: Partial<CooperationAction> = {}): CooperationAction => ({
  title, countries: [], owner: null, due: null, status: 'planned', notes: null, ...extra,
});

const rows = (c: HTMLElement) => [...c.querySelectorAll<HTMLElement>('[data-testid="coop-row"]')];
const titles = (c: HTMLElement) => rows(c).map((r) => r.querySelector('[data-testid="coop-title"]')!.textContent);

async function actions(): Promise<CooperationAction[]> {
  return (await mock.listRecords('cooperation_action')).flatMap((c) => (c.body?.kind === 'cooperation_action' ? [c.body.body] : []));
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

describe('cooperation plan', () => {
  beforeEach(async () => {
    await mock.createRecord({ kind: 'cooperation_action', body: action('Joint crane count', { countries: ['CN', 'MN', 'RU'], due: inDays(20) }) });
    await mock.createRecord({ kind: 'cooperation_action', body: action('Share plague results', { countries: ['MN', 'RU'], due: inDays(-5), status: 'in_progress' }) });
    await mock.createRecord({ kind: 'cooperation_action', body: action('Border permits', { countries: ['CN'], due: inDays(-40), status: 'done' }) });
    await mock.createRecord({ kind: 'cooperation_action', body: action('Someday workshop', { countries: ['KZ'] }) });
  });

  it('sorts by due date and highlights what is overdue', async () => {
    const { container } = render(Cooperation);
    await waitFor(() => expect(rows(container)).toHaveLength(4));
    expect(titles(container)).toEqual(['Border permits', 'Share plague results', 'Joint crane count', 'Someday workshop']);
    const overdue = rows(container).filter((r) => r.dataset.overdue === 'true').map((r) => r.querySelector('[data-testid="coop-title"]')!.textContent);
    // Done actions are never overdue.
    expect(overdue).toEqual(['Share plague results']);
    expect(container.querySelector('#coop-overdue-count')!.textContent).toBe('1 overdue');
  });

  it('filters by country and status', async () => {
    const { container } = render(Cooperation);
    await waitFor(() => expect(rows(container)).toHaveLength(4));
    await choose(container, '#coop-filter-country', 'MN');
    await waitFor(() => expect(titles(container)).toEqual(['Share plague results', 'Joint crane count']));
    await choose(container, '#coop-filter-status', 'planned');
    await waitFor(() => expect(titles(container)).toEqual(['Joint crane count']));
    await choose(container, '#coop-filter-country', 'KZ');
    await waitFor(() => expect(titles(container)).toEqual(['Someday workshop']));
    await choose(container, '#coop-filter-status', 'done');
    await waitFor(() => expect(container.querySelector('#coop-nomatch')).not.toBeNull());
  });

  it('changes the status from the list, which clears the overdue mark', async () => {
    const { container } = render(Cooperation);
    await waitFor(() => expect(rows(container)).toHaveLength(4));
    const late = rows(container).find((r) => r.dataset.overdue === 'true')!;
    const id = late.dataset.id!;
    const select = late.querySelector('[data-testid="coop-quick-status"]') as HTMLSelectElement;
    select.value = 'done';
    await fireEvent.change(select);
    await waitFor(() => expect(rows(container).find((r) => r.dataset.id === id)!.dataset.overdue).toBe('false'));
    expect(container.querySelector('#coop-overdue-count')).toBeNull();
    const now = await mock.getRecord(id);
    expect(now?.body?.kind === 'cooperation_action' && now.body.body).toEqual(
      action('Share plague results', { countries: ['MN', 'RU'], due: inDays(-5), status: 'done' }),
    );
  });

  it('creates an action owned by a person of the registry, and one by a free-text owner', async () => {
    const tumen = await mock.createRecord({ kind: 'person', body: { name: 'Tumen Bat', organisation: null, country: 'MN', roles: [], contact: null, languages: [] } });
    const { container } = render(Cooperation);
    await waitFor(() => expect(rows(container)).toHaveLength(4));

    await fireEvent.click(container.querySelector('#coop-new')!);
    const form = container.querySelector('#coop-form') as HTMLFormElement;
    await fireEvent.submit(form);
    await waitFor(() => expect(container.querySelector('[data-error="title"]')?.textContent).toBe('This is required.'));
    await fireEvent.input(container.querySelector('#coop-title')!, { target: { value: 'Transboundary gazelle census' } });
    await fireEvent.click(container.querySelector('#coop-countries input[data-country="RU"]')!);
    await fireEvent.click(container.querySelector('#coop-countries input[data-country="MN"]')!);
    await fireEvent.input(container.querySelector('#coop-owner')!, { target: { value: 'Tumen Bat' } });
    expect(container.querySelector('#coop-owner-free')).toBeNull();
    await fireEvent.input(container.querySelector('#coop-due')!, { target: { value: '2027-03-01' } });
    await choose(container, '#coop-status', 'in_progress');
    await fireEvent.input(container.querySelector('#coop-notes')!, { target: { value: 'Aerial and ground.' } });
    await fireEvent.keyDown(form, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(rows(container)).toHaveLength(5));
    const saved = (await actions()).find((a) => a.title === 'Transboundary gazelle census');
    // Countries in their usual order; the owner linked to the person record.
    expect(saved).toEqual({ title: 'Transboundary gazelle census', countries: ['MN', 'RU'], owner: tumen.id, due: '2027-03-01', status: 'in_progress', notes: 'Aerial and ground.' });
    const row = rows(container).find((r) => r.textContent!.includes('gazelle'))!;
    expect(row.textContent).toContain('Tumen Bat');
    expect(row.textContent).toContain('Mongolia, Russia');

    await fireEvent.click(container.querySelector('#coop-new')!);
    await fireEvent.input(container.querySelector('#coop-title')!, { target: { value: 'Invite Kazakh partners' } });
    await fireEvent.input(container.querySelector('#coop-owner')!, { target: { value: 'WWF Kazakhstan office' } });
    await waitFor(() => expect(container.querySelector('#coop-owner-free')).not.toBeNull());
    await fireEvent.submit(container.querySelector('#coop-form')!);
    await waitFor(() => expect(rows(container)).toHaveLength(6));
    expect((await actions()).find((a) => a.title === 'Invite Kazakh partners')!.owner).toBe('WWF Kazakhstan office');

    // Editing shows the person's name again, not the id.
    const gazelle = rows(container).find((r) => r.textContent!.includes('gazelle'))!;
    await fireEvent.click(gazelle.querySelector('[data-testid="coop-edit"]')!);
    expect((container.querySelector('#coop-owner') as HTMLInputElement).value).toBe('Tumen Bat');
    expect((container.querySelector('#coop-countries input[data-country="MN"]') as HTMLInputElement).checked).toBe(true);
    expect((container.querySelector('#coop-countries input[data-country="CN"]') as HTMLInputElement).checked).toBe(false);
  });

  it('deletes an action and brings it back with undo', async () => {
    const { container } = render(Cooperation);
    await waitFor(() => expect(rows(container)).toHaveLength(4));
    const row = rows(container).find((r) => r.textContent!.includes('Border permits'))!;
    await fireEvent.click(row.querySelector('[data-testid="coop-delete"]')!);
    await waitFor(() => expect(rows(container)).toHaveLength(3));
    expect(toast.text).toBe('Action “Border permits” removed.');
    await toast.action!.run();
    await waitFor(() => expect(rows(container)).toHaveLength(4));
    expect((await actions()).find((a) => a.title === 'Border permits')!.status).toBe('done');
  });
});
