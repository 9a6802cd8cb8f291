import { render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { setLocale } from '../i18n/index.svelte';
import Sync from './Sync.svelte';

let mock: MockBackend;

beforeEach(() => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('en');
});

describe('sync screen', () => {
  it('shows the progress of a running sync, photos included, and the totals when it ends', async () => {
    await mock.syncEnroll('https://sync.example', 'ABCD-1234');
    const { container } = render(Sync);
    const q = (s: string) => container.querySelector(s);
    await waitFor(() => expect(q('#sync-enrolled')).not.toBeNull());
    const status = await mock.syncStatus();

    mock.emitSync({ phase: 'started' });
    mock.emitSync({ phase: 'progress', progress: { step: 'push', done: 200, total: 500 } });
    await waitFor(() => expect(q('#sync-progress')?.textContent).toContain('Sending changes: 200 of 500'));
    expect((q('#sync-progress progress') as HTMLProgressElement).value).toBe(200);

    mock.emitSync({ phase: 'progress', progress: { step: 'photos', done: 3 * 1048576, total: 12 * 1048576 } });
    await waitFor(() => expect(q('#sync-progress')?.textContent).toContain('Uploading photos: 3.0 of 12.0 MB'));
    expect(q('#sync-now')?.hasAttribute('disabled')).toBe(true);

    setLocale('ru');
    await waitFor(() => expect(q('#sync-progress')?.textContent).toContain('Загрузка фотографий: 3.0 из 12.0 МБ'));
    setLocale('en');

    mock.emitSync({ phase: 'finished', totals: { pushed: 500, pulled: 7, conflicts: 0, rejected: 0 }, status: { ...status, running: false } });
    await waitFor(() => expect(q('#sync-note')?.textContent).toContain('500 sent, 7 received'));
    expect(q('#sync-progress')).toBeNull();
  });
});
