import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatDate } from '../intl';
import { BackendError, useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { withRegistryChecks } from '../backend/mock-registry';
import type { Checklist, Country, Deadline } from '../bindings/core';
import { today } from '../components/registry/registry';
import { setLocale } from '../i18n/index.svelte';
import { nav, toast } from '../state.svelte';
import DataSheets from './DataSheets.svelte';

let mock: MockBackend;

const inDays = (n: number) => {
  const d = new Date();
  d.setDate(d.getDate() + n);
  return today(d);
};

async function checklist(c: Country): Promise<{ id: string; body: Checklist }> {
  const cl = await mock.countryChecklist(c);
  const rec = await mock.getRecord(cl.id);
  if (rec?.body?.kind !== 'checklist') throw new Error('no checklist');
  return { id: cl.id, body: rec.body.body };
}

async function setDeadlines(c: Country, deadlines: Deadline[]) {
  const cl = await mock.countryChecklist(c);
  const { body } = await checklist(c);
  await mock.updateRecord(cl.id, cl.rev_id, { kind: 'checklist', body: { ...body, deadlines } });
}

const card = (c: HTMLElement, country: Country) => c.querySelector<HTMLElement>(`#sheet-${country}`)!;
const status = (c: HTMLElement, country: Country) => card(c, country).querySelector<HTMLElement>('[data-testid="sheet-status"]')!;

beforeEach(() => {
  mock = withRegistryChecks(createMockBackend());
  useBackend(mock);
  setLocale('en');
});

describe('data sheets dashboard', () => {
  it('shows records, next deadline, status and checklist per country', async () => {
    mock.addObservations(3); // no site: counted nowhere
    const sites = await mock.listRecords('site');
    const ugtam = sites.find((s) => s.body?.kind === 'site' && s.body.body.name === 'Ugtam')!.id;
    const rows = (await mock.observations({}, null, 3)).rows;
    for (const r of rows.slice(0, 2)) await mock.updateRecord(r.id, r.rev_id, { kind: 'observation', body: { ...r.observation, site: ugtam } });
    await setDeadlines('CN', [{ title: 'Spring sheet', due: inDays(-3), submitted: false }, { title: 'Autumn sheet', due: inDays(60), submitted: false }]);
    await setDeadlines('MN', [{ title: 'Summer sheet', due: inDays(5), submitted: false }]);
    await setDeadlines('RU', [{ title: 'Spring sheet', due: inDays(-30), submitted: true }]);

    const { container } = render(DataSheets);
    await waitFor(() => expect(container.querySelectorAll('[data-testid="sheet"]')).toHaveLength(4));
    expect(status(container, 'CN').dataset.status).toBe('overdue');
    expect(status(container, 'CN').textContent).toBe('Overdue');
    expect(card(container, 'CN').querySelector('[data-testid="sheet-next"]')!.textContent!.trim()).toBe(`Spring sheet · ${formatDate(inDays(-3), 'en')}`);
    expect(status(container, 'MN').textContent).toBe('Due soon');
    expect(card(container, 'MN').querySelector('[data-testid="sheet-records"]')!.textContent).toBe('2');
    expect(status(container, 'RU').textContent).toBe('Submitted');
    expect(card(container, 'CN').querySelector('[data-testid="sheet-taxa"]')!.textContent).toBe('4 taxa');
    // Kazakhstan has no checklist in this store yet.
    expect(card(container, 'KZ').querySelector('[data-testid="sheet-no-checklist"]')).not.toBeNull();
    expect(status(container, 'KZ').textContent).toBe('On track');

    await fireEvent.click(card(container, 'MN').querySelector('[data-testid="sheet-checklist"]')!);
    expect(nav.screen).toBe('checklist');
  });

  it('adds a deadline to the checklist, keeping its taxa, and marks it submitted', async () => {
    await setDeadlines('MN', [{ title: 'Data sheet 2027', due: inDays(90), submitted: false }]);
    const before = await checklist('MN');
    const { container } = render(DataSheets);
    await waitFor(() => expect(card(container, 'MN')?.querySelector('#deadline-add-MN')).toBeTruthy());
    expect(status(container, 'MN').dataset.status).toBe('on_track');
    // Nothing typed: the fields say what is missing and nothing is saved.
    const revisions = (await mock.history(before.id)).length;
    await fireEvent.click(container.querySelector('#deadline-add-MN')!);
    await waitFor(() => expect(container.querySelector('[data-error="deadline-title-MN"]')?.textContent).toBe('This is required.'));
    expect(await mock.history(before.id)).toHaveLength(revisions);

    await fireEvent.input(container.querySelector('#deadline-title-MN')!, { target: { value: 'Early sheet' } });
    await fireEvent.input(container.querySelector('#deadline-due-MN')!, { target: { value: inDays(3) } });
    await fireEvent.keyDown(container.querySelector('#deadline-title-MN')!, { key: 'Enter' });
    await waitFor(() => expect(status(container, 'MN').dataset.status).toBe('due'));
    expect(card(container, 'MN').querySelector('[data-testid="sheet-next"]')!.textContent).toContain('Early sheet');
    let after = await checklist('MN');
    expect(after.body.taxa).toEqual(before.body.taxa);
    expect(after.body.deadlines).toEqual([...before.body.deadlines, { title: 'Early sheet', due: inDays(3), submitted: false }]);
    expect((container.querySelector('#deadline-title-MN') as HTMLInputElement).value).toBe('');

    // Submitting it moves the dashboard on to the next one.
    const early = [...card(container, 'MN').querySelectorAll<HTMLElement>('[data-testid="deadline"]')].find((li) => li.dataset.title === 'Early sheet')!;
    await fireEvent.click(early.querySelector('[data-testid="deadline-submitted"]')!);
    await waitFor(() => expect(card(container, 'MN').querySelector('[data-testid="sheet-next"]')!.textContent).toContain('Data sheet 2027'));
    expect(status(container, 'MN').dataset.status).toBe('on_track');
    after = await checklist('MN');
    expect(after.body.deadlines.find((d) => d.title === 'Early sheet')!.submitted).toBe(true);
    expect(after.body.taxa).toEqual(before.body.taxa);
  });

  it('removes a deadline with undo', async () => {
    const { container } = render(DataSheets);
    await waitFor(() => expect(card(container, 'RU')?.querySelector('[data-testid="deadline-remove"]')).toBeTruthy());
    await fireEvent.click(card(container, 'RU').querySelector('[data-testid="deadline-remove"]')!);
    await waitFor(() => expect(card(container, 'RU').querySelector('[data-testid="deadline"]')).toBeNull());
    expect((await checklist('RU')).body.deadlines).toEqual([]);
    expect(toast.text).toContain('Data sheet 2026');
    await toast.action!.run();
    await waitFor(() => expect(card(container, 'RU').querySelectorAll('[data-testid="deadline"]')).toHaveLength(1));
    expect((await checklist('RU')).body.deadlines).toEqual([{ title: 'Data sheet 2026', due: '2026-10-01', submitted: false }]);
  });

  it('shows a conflict in words when the checklist changed elsewhere, and merges both versions', async () => {
    const { container } = render(DataSheets);
    await waitFor(() => expect(card(container, 'CN')?.querySelector('#deadline-add-CN')).toBeTruthy());
    // Another laptop's edit arrives while the screen is open.
    const other = await checklist('CN');
    await setDeadlines('CN', [...other.body.deadlines, { title: 'Partner report', due: '2026-11-15', submitted: false }]);
    await fireEvent.input(container.querySelector('#deadline-title-CN')!, { target: { value: 'Winter sheet' } });
    await fireEvent.input(container.querySelector('#deadline-due-CN')!, { target: { value: '2026-12-20' } });
    await fireEvent.click(container.querySelector('#deadline-add-CN')!);
    await waitFor(() => expect(card(container, 'CN').querySelector('[data-testid="sheet-conflict"]')).not.toBeNull());
    expect(card(container, 'CN').querySelector('[data-testid="sheet-conflict"]')!.textContent).toContain('changed on two laptops at once');
    expect(await mock.conflicts()).toHaveLength(1);

    await fireEvent.click(card(container, 'CN').querySelector('[data-testid="sheet-merge"]')!);
    await waitFor(() => expect(card(container, 'CN').querySelector('[data-testid="sheet-conflict"]')).toBeNull());
    expect(await mock.conflicts()).toHaveLength(0);
    const merged = (await checklist('CN')).body;
    expect(merged.deadlines.map((d) => d.title).sort()).toEqual(['Data sheet 2026', 'Partner report', 'Winter sheet']);
    expect(merged.taxa).toEqual(other.body.taxa);
  });

  it('shows a refusal in words and keeps the list as it was', async () => {
    mock.updateRecord = async () => {
      throw new BackendError({ code: 'not_allowed', message: 'viewers cannot edit checklists', fields: [] });
    };
    const { container } = render(DataSheets);
    await waitFor(() => expect(card(container, 'MN')?.querySelector('[data-testid="deadline-submitted"]')).toBeTruthy());
    await fireEvent.click(card(container, 'MN').querySelector('[data-testid="deadline-submitted"]')!);
    await waitFor(() => expect(card(container, 'MN').querySelector('[data-testid="sheet-error"]')?.textContent).toBe(
      'You are not allowed to make this change. Ask the survey lead.',
    ));
    expect((await checklist('MN')).body.deadlines[0].submitted).toBe(false);
  });

  it('shows field errors the backend returns for a deadline', async () => {
    mock.updateRecord = async () => {
      throw new BackendError({ code: 'invalid', message: 'deadlines.due: bad', fields: [{ field: 'deadlines.due', rule: 'format', message: "'2026-02-30' is not a date like 2026-06-01" }] });
    };
    const { container } = render(DataSheets);
    await waitFor(() => expect(container.querySelector('#deadline-add-MN')).toBeTruthy());
    await fireEvent.input(container.querySelector('#deadline-title-MN')!, { target: { value: 'Odd date' } });
    await fireEvent.input(container.querySelector('#deadline-due-MN')!, { target: { value: '2026-12-01' } });
    await fireEvent.click(container.querySelector('#deadline-add-MN')!);
    await waitFor(() => expect(card(container, 'MN').querySelector('[data-testid="sheet-error"]')?.textContent).toBe(
      'Some fields need attention. This is not in a format the app can read.',
    ));
    // What was typed stays for the person to correct.
    expect((container.querySelector('#deadline-title-MN') as HTMLInputElement).value).toBe('Odd date');
  });
});
