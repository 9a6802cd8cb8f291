import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import type { Observation } from '../bindings/core';
import { setLocale } from '../i18n/index.svelte';
import { mockServer } from '../backend/mock-exchange';
import { samplesNav } from '../components/exchange/samples-state.svelte';
import { photo, photoSha } from '../components/media/testing';
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

describe('photos of a sighting', () => {
  it('shows the thumbnails, fetches a photo this laptop lacks and opens one larger', async () => {
    const here = await mock.photoStore('a.jpg', photo('plain-1'));
    const remoteBytes = photo('plain-2');
    const remote = photoSha('plain-2');
    const absent = photoSha('plain-3');
    mockServer.photos.set(remote, remoteBytes);
    const cur = (await mock.getRecord(id))!;
    await mock.updateRecord(id, cur.rev_id, { kind: 'observation', body: { ...body, photos: [here.sha256, remote, absent] } });
    const { container } = render(Observations);
    await waitFor(() => expect(container.querySelectorAll('#photo-strip [data-testid="photo-open"] img')).toHaveLength(1));
    await waitFor(() => expect(container.querySelectorAll('[data-testid="photo-missing"]')).toHaveLength(2));
    expect(container.querySelector(`[data-sha="${remote}"]`)!.textContent).toContain('Not on this laptop yet');

    await fireEvent.click(container.querySelector(`[data-sha="${remote}"] [data-testid="photo-fetch"]`)!);
    await waitFor(() => expect(container.querySelector(`[data-sha="${remote}"] img`)).not.toBeNull());
    await fireEvent.click(container.querySelector(`[data-sha="${absent}"] [data-testid="photo-fetch"]`)!);
    await waitFor(() => expect(container.querySelector(`[data-sha="${absent}"] [data-testid="photo-message"]`)).not.toBeNull());
    expect(container.querySelector(`[data-sha="${absent}"] [data-testid="photo-message"]`)!.textContent).toContain('The server does not have this photo yet');

    await fireEvent.click(container.querySelector(`[data-sha="${here.sha256}"] [data-testid="photo-open"]`)!);
    expect(container.querySelector('#photo-viewer img')!.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(container.querySelector('#photo-viewer')).toBeNull();
    mockServer.photos.delete(remote);
  });

  it('counts the photos of each revision in the history', async () => {
    const here = await mock.photoStore('a.jpg', photo('plain-4'));
    const cur = (await mock.getRecord(id))!;
    await mock.updateRecord(id, cur.rev_id, { kind: 'observation', body: { ...body, photos: [here.sha256] } });
    const { container } = render(Observations);
    await waitFor(() => expect(container.querySelector('#history-toggle')).not.toBeNull());
    await fireEvent.click(container.querySelector('#history-toggle')!);
    await waitFor(() => expect(container.querySelectorAll('#history li')).toHaveLength(2));
    expect(container.querySelectorAll('[data-testid="history-photos"]')).toHaveLength(1);
    expect(container.querySelector('[data-testid="history-photos"]')!.textContent).toBe('photos: 1');
  });

  it('sends the user to Samples with this sighting as the host', async () => {
    const { container } = render(Observations);
    await waitFor(() => expect(container.querySelector('#add-sample')).not.toBeNull());
    await fireEvent.click(container.querySelector('#add-sample')!);
    expect(nav.screen).toBe('samples');
    expect(samplesNav.hostId).toBe(id);
    samplesNav.hostId = null;
  });
});
