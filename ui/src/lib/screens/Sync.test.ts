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
  it('finds a station hub on the network, fills its address in, and then shows that it relays', async () => {
    const { container } = render(Sync);
    const q = (s: string) => container.querySelector(s);
    await waitFor(() => expect(q('#sync-find')).not.toBeNull());
    (q('#sync-find') as HTMLButtonElement).click();
    await waitFor(() => expect(q('#sync-found')?.textContent).toContain('Dauria station-laptop'));
    expect(q('#sync-found')?.textContent).toContain('station hub');
    expect(q('#sync-found')?.textContent).toContain('AB:CD:EF');
    (q('#sync-found button') as HTMLButtonElement).click();
    await waitFor(() => expect((q('#sync-server') as HTMLInputElement).value).toBe('https://192.168.1.20:8787'));
    (q('#sync-code') as HTMLInputElement).value = 'ABCD-1234';
    q('#sync-code')!.dispatchEvent(new Event('input'));
    await waitFor(() => expect((q('#sync-enroll') as HTMLButtonElement).disabled).toBe(false));
    (q('#sync-enroll') as HTMLButtonElement).click();
    await waitFor(() => expect(q('#sync-relays')?.textContent).toContain('yes — last reached it 2026-06-01 08:00:00 UTC'));
    setLocale('kk');
    await waitFor(() => expect(q('#sync-relays')?.textContent).toContain('иә'));
    setLocale('en');
  });

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

describe('last problem', () => {
  it('is worded in the window language from its code, and kept as written when it has none', async () => {
    await mock.syncEnroll('https://sync.example', 'ABCD-1234');
    const { container } = render(Sync);
    const q = (s: string) => container.querySelector(s);
    await waitFor(() => expect(q('#sync-enrolled')).not.toBeNull());
    const status = await mock.syncStatus();
    const failed = (code: string | null, message: string) =>
      mock.emitSync({
        phase: 'failed',
        error: { code: code ? `sync.${code}` : 'internal', message, fields: [] },
        status: { ...status, last_error: message, last_error_code: code },
      });
    setLocale('ru');
    failed('unreachable', 'gave up after 3 attempts: cannot reach the server');
    await waitFor(() => expect(q('#sync-last-error')?.textContent).not.toContain('gave up'));
    expect(q('#sync-last-error')?.textContent).toMatch(/[а-я]/);
    setLocale('en');
    failed(null, 'something the engine said');
    await waitFor(() => expect(q('#sync-last-error')?.textContent).toBe('something the engine said'));
  });
});
