import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { withRegistryChecks } from '../backend/mock-registry';
import type { Person } from '../bindings/core';
import { setLocale } from '../i18n/index.svelte';
import { toast } from '../state.svelte';
import People from './People.svelte';

let mock: MockBackend;

const person = (name: string, extra: Partial<Person> = {}): Person => ({
  name, organisation: null, country: null, roles: [], contact: null, languages: [], ...extra,
});

async function people(): Promise<Person[]> {
  return (await mock.listRecords('person')).flatMap((c) => (c.body?.kind === 'person' ? [c.body.body] : []));
}

const rows = (c: HTMLElement) => [...c.querySelectorAll<HTMLElement>('[data-testid="person-row"]')];
const names = (c: HTMLElement) => rows(c).map((r) => r.querySelector('[data-testid="person-name"]')!.textContent);

beforeEach(() => {
  mock = withRegistryChecks(createMockBackend());
  useBackend(mock);
  setLocale('en');
});

describe('people registry', () => {
  it('refuses a person without a name, then saves one with roles and languages as chips', async () => {
    const { container } = render(People);
    await waitFor(() => expect(container.querySelector('#people-empty')).not.toBeNull());
    await fireEvent.click(container.querySelector('#person-new')!);
    const form = container.querySelector('#person-form') as HTMLFormElement;
    await fireEvent.submit(form);
    await waitFor(() => expect(container.querySelector('[data-error="name"]')?.textContent).toBe('This is required.'));
    expect(await people()).toHaveLength(0);

    await fireEvent.input(container.querySelector('#person-name')!, { target: { value: '  Bat-Erdene Dorj ' } });
    await fireEvent.input(container.querySelector('#person-organisation')!, { target: { value: 'Mongol Daguur SPA' } });
    const country = container.querySelector('#person-country') as HTMLSelectElement;
    country.value = 'MN';
    await fireEvent.change(country);
    // A role from the suggestions, one typed and confirmed with Enter.
    await fireEvent.click(container.querySelector('[data-testid="person-roles-suggestions"] [data-suggest="driver"]')!);
    const roleInput = container.querySelector('#person-roles') as HTMLInputElement;
    await fireEvent.input(roleInput, { target: { value: 'ranger' } });
    await fireEvent.keyDown(roleInput, { key: 'Enter' });
    expect(roleInput.value).toBe('');
    await fireEvent.click(container.querySelector('[data-testid="person-languages-suggestions"] [data-suggest="mn"]')!);
    await fireEvent.click(container.querySelector('[data-testid="person-languages-suggestions"] [data-suggest="ru"]')!);
    // A chip can be removed again.
    await fireEvent.click(container.querySelector('[data-testid="person-languages-chips"] [data-remove="ru"]')!);
    await fireEvent.input(container.querySelector('#person-contact')!, { target: { value: '+976 9911 2233' } });
    await fireEvent.keyDown(form, { key: 'Enter', ctrlKey: true });

    await waitFor(() => expect(names(container)).toEqual(['Bat-Erdene Dorj']));
    expect(container.querySelector('#person-form')).toBeNull();
    expect(await people()).toEqual([
      { name: 'Bat-Erdene Dorj', organisation: 'Mongol Daguur SPA', country: 'MN', roles: ['driver', 'ranger'], contact: '+976 9911 2233', languages: ['mn'] },
    ]);
    const row = rows(container)[0];
    expect(row.textContent).toContain('Driver');
    expect(row.textContent).toContain('ranger');
    expect(row.textContent).toContain('Mongolian');
    expect(row.textContent).toContain('Mongolia');
  });

  it('searches by name and organisation', async () => {
    await mock.createRecord({ kind: 'person', body: person('Vadim Kirilyuk', { organisation: 'Daursky reserve' }) });
    await mock.createRecord({ kind: 'person', body: person('Li Wei', { organisation: 'Hulun Lake NNR' }) });
    await mock.createRecord({ kind: 'person', body: person('Fёdor Ivanov', { organisation: 'Chita university' }) });
    const { container } = render(People);
    await waitFor(() => expect(names(container)).toEqual(['Fёdor Ivanov', 'Li Wei', 'Vadim Kirilyuk']));
    const search = container.querySelector('#people-search') as HTMLInputElement;
    await fireEvent.input(search, { target: { value: 'hulun' } });
    await waitFor(() => expect(names(container)).toEqual(['Li Wei']));
    await fireEvent.input(search, { target: { value: 'vadim' } });
    await waitFor(() => expect(names(container)).toEqual(['Vadim Kirilyuk']));
    await fireEvent.input(search, { target: { value: 'nobody here' } });
    await waitFor(() => expect(container.querySelector('#people-nomatch')).not.toBeNull());
  });

  it('edits a person on top of the revision shown', async () => {
    const saved = await mock.createRecord({ kind: 'person', body: person('Li Wei', { roles: ['lab'] }) });
    const { container } = render(People);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    await fireEvent.click(container.querySelector('[data-testid="person-edit"]')!);
    const name = container.querySelector('#person-name') as HTMLInputElement;
    expect(name.value).toBe('Li Wei');
    expect(container.querySelector('[data-testid="person-roles-chips"] [data-chip="lab"]')).not.toBeNull();
    await fireEvent.input(name, { target: { value: 'Li Wei (李伟)' } });
    await fireEvent.submit(container.querySelector('#person-form')!);
    await waitFor(() => expect(names(container)).toEqual(['Li Wei (李伟)']));
    const history = await mock.history(saved.id);
    expect(history).toHaveLength(2);
    expect(history[1].parents).toEqual([saved.rev_id]);
    const now = await mock.getRecord(saved.id);
    expect(now?.body?.kind === 'person' && now.body.body.roles).toEqual(['lab']);
  });

  it('deletes a person and brings them back with undo', async () => {
    const saved = await mock.createRecord({ kind: 'person', body: person('Oyunaa') });
    const { container } = render(People);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    await fireEvent.click(container.querySelector('[data-testid="person-delete"]')!);
    await waitFor(() => expect(toast.action).not.toBeNull());
    expect(toast.text).toContain('Oyunaa');
    expect(await people()).toHaveLength(0);
    await waitFor(() => expect(rows(container)).toHaveLength(0));
    await toast.action!.run();
    await waitFor(() => expect(names(container)).toEqual(['Oyunaa']));
    expect((await mock.history(saved.id)).map((r) => r.deleted)).toEqual([false, true, false]);
  });

  it('lists survey assignments and warns about double bookings in words', async () => {
    const p = await mock.createRecord({ kind: 'person', body: person('Bat') });
    const other = await mock.createRecord({ kind: 'person', body: person('Sara') });
    const survey = (title: string) => mock.createRecord({ kind: 'survey', body: { title, region: null, target_groups: [], target_taxa: [], methods: [], start_date: null, end_date: null, status: 'approved', lead: null } });
    const a = await survey('Marmot plague 2026');
    const b = await survey('Crane count Torey');
    const a1 = await mock.createRecord({ kind: 'assignment', body: { survey: a.id, person: p.id, role: 'driver', from: '2026-06-01', to: '2026-06-20' } });
    const a2 = await mock.createRecord({ kind: 'assignment', body: { survey: b.id, person: p.id, role: 'field', from: '2026-06-15', to: '2026-06-30' } });
    mock.doubleBookings = async () => [{
      person: p.id, person_name: 'Bat', first_assignment: a1.id, first_survey: a.id, first_survey_title: 'Marmot plague 2026',
      second_assignment: a2.id, second_survey: b.id, second_survey_title: 'Crane count Torey', from: '2026-06-15', to: '2026-06-20',
    }];
    const { container } = render(People);
    await waitFor(() => expect(rows(container)).toHaveLength(2));
    const bat = rows(container).find((r) => r.dataset.id === p.id)!;
    const sara = rows(container).find((r) => r.dataset.id === other.id)!;
    const assignments = [...bat.querySelectorAll('[data-testid="person-assignment"]')].map((e) => e.textContent);
    expect(assignments).toEqual([
      'Marmot plague 2026 · Driver · 2026-06-01 to 2026-06-20',
      'Crane count Torey · Field worker · 2026-06-15 to 2026-06-30',
    ]);
    expect(bat.querySelector('[data-testid="person-double-badge"]')).not.toBeNull();
    expect(bat.querySelector('[data-testid="person-double"]')!.textContent!.trim()).toBe(
      '⚠ Booked in two places from 06/15/2026 to 06/20/2026: Marmot plague 2026 and Crane count Torey.',
    );
    expect(sara.querySelector('[data-testid="person-double"]')).toBeNull();
    expect(sara.textContent).toContain('Not assigned to any survey.');
  });

  it('speaks the language chosen', async () => {
    await mock.createRecord({ kind: 'person', body: person('Бат', { roles: ['vet'], languages: ['kk'] }) });
    setLocale('ru');
    const { container } = render(People);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    expect(container.querySelector('h1')!.textContent).toBe('Люди');
    expect(rows(container)[0].textContent).toContain('Ветеринар');
    expect(rows(container)[0].textContent).toContain('казахский');
    setLocale('en');
  });
});
