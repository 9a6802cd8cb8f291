import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import type { Observation } from '../bindings/core';
import { setLocale } from '../i18n/index.svelte';
import { loadCache, nav, toast } from '../state.svelte';
import Observations from './Observations.svelte';

let mock: MockBackend;
let id: string;
let body: Observation;

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  await loadCache();
  setLocale('en');
  mock.addObservations(1);
  const row = (await mock.observations({}, null, 1)).rows[0];
  id = row.id;
  body = row.observation;
  nav.selectId = id;
});

describe('observations screen', () => {
  it('deletes a sighting and brings it back with undo', async () => {
    const { container } = render(Observations);
    await waitFor(() => expect(container.querySelector('#delete')).not.toBeNull());
    await fireEvent.click(container.querySelector('#delete')!);
    await waitFor(() => expect(toast.action).not.toBeNull());
    expect((await mock.stats()).observations).toBe(0);
    await toast.action!.run();
    await waitFor(async () => expect((await mock.stats()).observations).toBe(1));
    const history = await mock.history(id);
    expect(history.map((r) => r.deleted)).toEqual([false, true, false]);
  });

  it('shows a conflict badge and merges the two versions field by field', async () => {
    mock.injectConflict(id, { kind: 'observation', body: { ...body, count: 42, notes: 'other laptop' } });
    const { container } = render(Observations);
    await waitFor(() => expect(container.querySelector('#conflict-badge')).not.toBeNull());
    await fireEvent.click(container.querySelector('#resolve')!);
    await waitFor(() => expect(container.querySelector('#merge-view')).not.toBeNull());
    const heads = await mock.heads(id);
    expect(heads).toHaveLength(2);
    // Keep the count of the second version; the notes of the first.
    const versionOfCount42 = heads.findIndex((h) => h.body?.kind === 'observation' && h.body.body.count === 42);
    const radios = container.querySelectorAll<HTMLInputElement>('input[name="f-count"]');
    await waitFor(() => expect(radios.length).toBe(2));
    await fireEvent.click(radios[versionOfCount42]);
    await fireEvent.click(container.querySelector('#merge-apply')!);
    await waitFor(async () => expect((await mock.conflicts()).length).toBe(0));
    const merged = await mock.getRecord(id);
    expect(merged?.body?.kind === 'observation' && merged.body.body.count).toBe(42);
    await waitFor(() => expect(container.querySelector('#conflict-badge')).toBeNull());
  });
});
