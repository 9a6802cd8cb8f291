import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend';
import { createMockBackend, type MockBackend } from '../../backend/mock';
import { setLocale } from '../../i18n/index.svelte';
import { cache, loadCache, toast } from '../../state.svelte';
import SitePanel from './SitePanel.svelte';

let mock: MockBackend;

async function siteNames(): Promise<string[]> {
  return (await mock.listRecords('site')).flatMap((c) => (c.body?.kind === 'site' ? [c.body.body.name] : []));
}

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('en');
  await loadCache();
});

describe('site panel', () => {
  it('refuses a site without a name or off the map, then saves one with its derived country', async () => {
    const { container } = render(SitePanel, { props: { picked: null, onchange: () => {} } });
    await fireEvent.click(container.querySelector('#site-add')!);
    await fireEvent.input(container.querySelector('#site-position')!, { target: { value: '50.4, 116.5' } });
    await fireEvent.click(container.querySelector('#site-save')!);
    await waitFor(() => expect(container.querySelector('#site-name-error')?.textContent).toBe('This is required.'));
    expect(await siteNames()).not.toContain('');

    await fireEvent.input(container.querySelector('#site-name')!, { target: { value: 'Borzya steppe' } });
    await fireEvent.input(container.querySelector('#site-position')!, { target: { value: '10, 100' } });
    await fireEvent.click(container.querySelector('#site-save')!);
    await waitFor(() =>
      expect(container.querySelector('#site-position-error')?.textContent).toBe('This position is not in China, Mongolia, Russia or Kazakhstan.'),
    );
    expect(await siteNames()).not.toContain('Borzya steppe');

    await fireEvent.input(container.querySelector('#site-position')!, { target: { value: '50.4, 116.5' } });
    await waitFor(() => expect(container.querySelector('#site-country')?.getAttribute('data-country')).toBe('RU'));
    await fireEvent.click(container.querySelector('#site-save')!);
    await waitFor(() => expect(toast.text).toBe('Site Borzya steppe saved.'));
    expect(cache.sites.find((s) => s.site.name === 'Borzya steppe')?.site.country).toBe('RU');
  });

  it('fills the position from a point picked on the map', async () => {
    const { container, rerender } = render(SitePanel, { props: { picked: null, onchange: () => {} } });
    await fireEvent.click(container.querySelector('#site-add')!);
    await rerender({ picked: { lat: 49.71234, lon: 115.1 }, onchange: () => {} });
    await waitFor(() => expect((container.querySelector('#site-position') as HTMLInputElement).value).toBe('49.71234, 115.10000'));
    await waitFor(() => expect(container.querySelector('#site-country')?.getAttribute('data-country')).toBe('MN'));
  });

  it('merges a site into another and deletes an unused one with undo', async () => {
    const { container } = render(SitePanel, { props: { picked: null, onchange: () => {} } });
    const torey = cache.sites.find((s) => s.site.name === 'Torey Lakes')!;
    const ugtam = cache.sites.find((s) => s.site.name === 'Ugtam')!;
    await mock.createRecord({ kind: 'observation', body: { visit: null, site: torey.id, taxon: null, taxon_name: 'crane', count: 1, count_min: null, count_max: null, unit: 'individuals', sex: null, age: null, behaviour: null, lat: null, lon: null, uncertainty_m: null, observed_at: '2026-06-01T08:00:00+09:00', observers: [], detection_method: null, notes: null, photos: [] } });

    await fireEvent.click(container.querySelector(`[data-site="${torey.id}"]`)!);
    await fireEvent.click(container.querySelector('#site-delete')!);
    await waitFor(() => expect(container.querySelector('#site-error')?.textContent).toContain('merge it into another site'));

    const target = container.querySelector('#site-merge-target') as HTMLSelectElement;
    target.value = ugtam.id;
    await fireEvent.change(target);
    await fireEvent.click(container.querySelector('#site-merge')!);
    await waitFor(() => expect(toast.text).toBe('Merged into Ugtam: 1 sightings and 0 visits moved.'));
    expect(await siteNames()).not.toContain('Torey Lakes');

    const hulun = cache.sites.find((s) => s.site.name === 'Hulun Lake')!;
    await fireEvent.click(container.querySelector(`[data-site="${hulun.id}"]`)!);
    await fireEvent.click(container.querySelector('#site-delete')!);
    await waitFor(() => expect(toast.text).toBe('Site Hulun Lake deleted.'));
    expect(await siteNames()).not.toContain('Hulun Lake');
    await toast.action!.run();
    await waitFor(() => expect(cache.sites.some((s) => s.site.name === 'Hulun Lake')).toBe(true));
  });
});
