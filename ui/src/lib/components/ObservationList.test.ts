import { render, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend } from '../backend/mock';
import { loadCache } from '../state.svelte';
import ObservationList from './ObservationList.svelte';

describe('observation list', () => {
  it('renders only the rows in view and fetches pages by cursor', async () => {
    const mock = createMockBackend();
    mock.addObservations(5000);
    let calls = 0;
    useBackend({
      ...mock,
      observations: (f, after, limit) => {
        calls += 1;
        return mock.observations(f, after, limit);
      },
    });
    await loadCache();
    const { container } = render(ObservationList, { filter: {}, onselect: () => {} });
    const list = container.querySelector('#observation-list') as HTMLElement;
    await waitFor(() => expect(list.dataset.loaded).toBe('200'));
    expect(container.querySelectorAll('.obs-row').length).toBeLessThanOrEqual(60);
    expect(calls).toBe(1);
    // The newest observation comes first.
    expect(container.querySelector('.obs-row')!.textContent).toContain('06/04/2026');
  });
});
