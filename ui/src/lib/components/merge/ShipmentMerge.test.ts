import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend';
import { createMockBackend, type MockBackend } from '../../backend/mock';
import type { Shipment } from '../../bindings/core';
import { setLocale } from '../../i18n/index.svelte';
import ConflictBadge from './ConflictBadge.svelte';

let mock: MockBackend;

const shipment = (extra: Partial<Shipment> = {}): Shipment => ({
  reference: 'SHP-20260602-7F3A', samples: [], from: 'Mongol Daguur station', to: 'NCZD Ulaanbaatar', carrier: 'MIAT cargo',
  cold_chain: 'frozen', packed_on: '2026-06-02', expected_on: null, notes: null, ...extra,
});

beforeEach(() => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('ru');
});

describe('merging a shipment edited on two laptops', () => {
  it('shows the manifest fields under their own labels and keeps the values picked', async () => {
    const { id } = await mock.createRecord({ kind: 'shipment', body: shipment({ carrier: 'Station vehicle' }) });
    mock.injectConflict(id, { kind: 'shipment', body: shipment({ expected_on: '2026-06-05', cold_chain: 'deep_frozen' }) });
    const { container } = render(ConflictBadge, { id });
    await fireEvent.click(container.querySelector(`[data-conflict="${id}"]`)!);
    await waitFor(() => expect(container.querySelectorAll('tr.diff')).toHaveLength(3));
    expect(container.querySelector('#merge-view h2')!.textContent).toContain('Отправка');
    expect(container.querySelector('tr[data-field="cold_chain"] th')!.textContent).toBe('Холодовая цепь');
    const heads = await mock.heads(id);
    const other = heads.findIndex((h) => h.body?.kind === 'shipment' && h.body.body.cold_chain === 'deep_frozen');
    await fireEvent.click(container.querySelector(`input[name="f-cold_chain"][data-head="${other}"]`)!);
    await fireEvent.click(container.querySelector(`input[name="f-expected_on"][data-head="${other}"]`)!);
    await fireEvent.click(container.querySelector(`input[name="f-carrier"][data-head="${1 - other}"]`)!);
    await fireEvent.click(container.querySelector('#merge-apply')!);
    await waitFor(async () => expect((await mock.getRecord(id))!.conflict).toBe(false));
    expect((await mock.getRecord(id))!.body).toEqual({
      kind: 'shipment',
      body: shipment({ carrier: 'Station vehicle', expected_on: '2026-06-05', cold_chain: 'deep_frozen' }),
    });
  });
});
