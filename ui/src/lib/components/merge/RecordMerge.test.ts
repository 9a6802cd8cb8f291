import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend';
import { createMockBackend, type MockBackend } from '../../backend/mock';
import type { Body, CooperationAction, Survey } from '../../bindings/core';
import { setLocale } from '../../i18n/index.svelte';
import ConflictBadge from './ConflictBadge.svelte';
import ConflictList from './ConflictList.svelte';

let mock: MockBackend;

const survey = (extra: Partial<Survey> = {}): Survey => ({
  title: 'Torey lakes cranes', region: 'Daursky', target_groups: ['bird'], target_taxa: [], methods: [],
  start_date: '2026-06-01', end_date: '2026-06-10', status: 'approved', lead: null, exchange_rates: [], ...extra,
});

beforeEach(() => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('en');
});

/** A survey edited here (region) and on another laptop (status and title). */
async function conflicted(): Promise<string> {
  const { id } = await mock.createRecord({ kind: 'survey', body: survey() });
  mock.injectConflict(id, { kind: 'survey', body: survey({ title: 'Torey cranes 2026', status: 'in_field' }) });
  return id;
}

describe('merging any record kind', () => {
  it('picks each differing field from either version and saves one resolved survey', async () => {
    const id = await conflicted();
    let resolved = 0;
    const { container } = render(ConflictBadge, { id, onresolved: () => (resolved += 1) });
    await fireEvent.click(container.querySelector(`[data-conflict="${id}"]`)!);
    await waitFor(() => expect(container.querySelectorAll('tr.diff')).toHaveLength(2));
    const diff = [...container.querySelectorAll<HTMLElement>('tr.diff')].map((r) => r.dataset.field);
    expect(diff).toEqual(['title', 'status']);
    expect(container.querySelector('tr[data-field="title"] th')!.textContent).toBe('Title');
    // The title from the other laptop, the status from this one.
    const heads = await mock.heads(id);
    const other = heads.findIndex((h) => h.body?.kind === 'survey' && h.body.body.title === 'Torey cranes 2026');
    await fireEvent.click(container.querySelector(`input[name="f-title"][data-head="${other}"]`)!);
    await fireEvent.click(container.querySelector(`input[name="f-status"][data-head="${1 - other}"]`)!);
    await fireEvent.click(container.querySelector('#merge-apply')!);
    await waitFor(() => expect(resolved).toBe(1));
    const c = await mock.getRecord(id);
    expect(c!.conflict).toBe(false);
    expect(c!.body).toEqual({ kind: 'survey', body: survey({ title: 'Torey cranes 2026', status: 'approved' }) });
  });

  it('keeps one version whole, or deletes the record', async () => {
    const a = await conflicted();
    const { container, unmount } = render(ConflictBadge, { id: a });
    await fireEvent.click(container.querySelector('.resolve')!);
    await waitFor(() => expect(container.querySelector('[data-keep="1"]')).not.toBeNull());
    const second = (await mock.heads(a))[1].body as Body;
    await fireEvent.click(container.querySelector('[data-keep="1"]')!);
    await waitFor(async () => expect((await mock.getRecord(a))!.conflict).toBe(false));
    expect((await mock.getRecord(a))!.body).toEqual(second);
    unmount();

    const action: CooperationAction = { title: 'Joint crane count', countries: ['CN', 'RU'], owner: null, due: null, status: 'planned', notes: null };
    const { id: b } = await mock.createRecord({ kind: 'cooperation_action', body: action });
    mock.injectConflict(b, { kind: 'cooperation_action', body: { ...action, notes: 'moved to July' } });
    const list = render(ConflictList);
    await waitFor(() => expect(list.container.querySelectorAll('#conflict-list li')).toHaveLength(1));
    expect(list.container.querySelector('#conflict-list li')!.textContent).toContain('Cooperation action');
    await fireEvent.click(list.container.querySelector(`[data-conflict="${b}"]`)!);
    await waitFor(() => expect(list.container.querySelector('#merge-delete')).not.toBeNull());
    await fireEvent.click(list.container.querySelector('#merge-delete')!);
    await waitFor(() => expect(list.container.querySelectorAll('#conflict-list li')).toHaveLength(0));
    expect(await mock.getRecord(b)).toMatchObject({ deleted: true, conflict: false });
  });
});
