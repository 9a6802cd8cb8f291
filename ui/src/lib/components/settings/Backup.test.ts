import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend';
import { createMockBackend, type MockBackend } from '../../backend/mock';
import { setLocale } from '../../i18n/index.svelte';
import Backup from './Backup.svelte';

let mock: MockBackend;

beforeEach(() => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('en');
});

const sighting = (name: string) => ({
  kind: 'observation' as const,
  body: {
    visit: null, site: null, taxon: null, taxon_name: name, count: 1, count_min: null, count_max: null,
    unit: 'individuals' as const, sex: null, age: null, behaviour: null, lat: 50, lon: 115, uncertainty_m: null,
    observed_at: '2026-06-01T08:00:00+08:00', observers: [], detection_method: null, notes: null, photos: [],
  },
});

describe('backup in Settings', () => {
  it('makes a backup, and a restore after a confirmation brings back what it held', async () => {
    const { container } = render(Backup);
    const q = (s: string) => container.querySelector(s) as HTMLElement;
    await waitFor(() => expect((q('#backup-folder') as HTMLInputElement).value).toBe('/tmp/dauria-mock/Backups'));
    await fireEvent.click(q('#backup-make'));
    await waitFor(() => expect(q('#backup-made')?.textContent).toContain('/tmp/dauria-mock/Backups/dauria-backup-1'));
    const saved = await mock.createRecord(sighting('logged after the backup'));
    expect((await mock.getRecord(saved.id))?.deleted).toBe(false);

    await fireEvent.click(q('#backup-restore'));
    expect(q('#backup-confirm-text').textContent).toContain('Everything saved here since that backup was made will be gone');
    await fireEvent.click(q('#backup-confirm'));
    await waitFor(() => expect(q('#backup-restored')).not.toBeNull());
    expect(await mock.getRecord(saved.id)).toBeNull();
  });

  it('refuses a backup from a newer version saying why, in the UI language', async () => {
    setLocale('ru');
    const { container } = render(Backup);
    const q = (s: string) => container.querySelector(s) as HTMLElement;
    await fireEvent.input(q('#backup-restore-path'), { target: { value: '/media/usb/newer' } });
    await fireEvent.click(q('#backup-restore'));
    await fireEvent.click(q('#backup-confirm'));
    await waitFor(() => expect(q('#backup-error')?.textContent).toContain('более новой версией'));
  });
});
