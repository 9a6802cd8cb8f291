import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend';
import { createMockBackend, type MockBackend } from '../../backend/mock';
import type { SensitivityRule } from '../../bindings/core';
import { setLocale } from '../../i18n/index.svelte';
import { cache, loadCache } from '../../state.svelte';
import ObservationList from '../ObservationList.svelte';
import SensitiveRule from './SensitiveRule.svelte';
import { loadSensitive, sensitive } from './sensitive.svelte';

let mock: MockBackend;
let crane: string;

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  await loadCache();
  setLocale('en');
  crane = [...cache.taxa.entries()].find(([, t]) => t.scientific_name === 'Antigone vipio')![0];
  sensitive.loaded = false;
});

const rules = async () =>
  (await mock.listRecords('sensitivity_rule')).flatMap((c) => (c.body?.kind === 'sensitivity_rule' ? [c.body.body as SensitivityRule] : []));

describe('sensitive species rules', () => {
  it('a lead sets a taxon to a 25 km grid, then withholds it, editing the same rule', async () => {
    const { container: c } = render(SensitiveRule, { taxon: crane, name: 'Antigone vipio', editing: true });
    const action = await waitFor(() => c.querySelector('[data-testid="rule-action"]') as HTMLSelectElement);
    action.value = 'generalise';
    await fireEvent.change(action);
    const km = c.querySelector('[data-testid="rule-km"]') as HTMLInputElement;
    km.value = '25';
    await fireEvent.input(km);
    await fireEvent.click(c.querySelector('[data-testid="rule-save"]')!);
    await waitFor(async () => expect(await rules()).toEqual([expect.objectContaining({ taxon: crane, action: 'generalise', grid_km: 25 })]));
    action.value = 'withhold';
    await fireEvent.change(action);
    await fireEvent.click(c.querySelector('[data-testid="rule-save"]')!);
    await waitFor(async () => expect(await rules()).toEqual([expect.objectContaining({ action: 'withhold', grid_km: null })]));
  });

  it('a viewer laptop marks sightings of a sensitive species as generalised', async () => {
    await mock.createRecord({
      kind: 'sensitivity_rule',
      body: { taxon: crane, scientific_name: 'Antigone vipio', action: 'generalise', grid_km: 10, reason: null, source: null, verified: true },
    });
    await mock.createRecord({
      kind: 'observation',
      body: {
        visit: null, site: null, taxon: crane, taxon_name: null, count: 1, count_min: null, count_max: null, unit: 'individuals',
        sex: null, age: null, behaviour: null, lat: 49.7, lon: 115.1, uncertainty_m: 7100,
        observed_at: '2026-06-01T12:00:00+08:00', observers: [], detection_method: null, notes: null, photos: [],
      },
    });
    const status = await mock.syncStatus();
    useBackend({ ...mock, syncStatus: async () => ({ ...status, role: 'viewer' }) });
    await loadSensitive(true);
    const { container: c } = render(ObservationList, { filter: {}, onselect: () => {} });
    await waitFor(() => expect(c.querySelector('[data-generalised="10"]')?.textContent).toBe('Position generalised to 10 km'));
    // A lead's laptop shows the same sighting unmarked.
    useBackend({ ...mock, syncStatus: async () => ({ ...status, role: 'lead' }) });
    await loadSensitive(true);
    await waitFor(() => expect(c.querySelector('[data-generalised]')).toBeNull());
  });
});
