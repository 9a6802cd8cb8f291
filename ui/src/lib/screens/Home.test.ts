import { render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend } from '../backend/mock';
import { setLocale } from '../i18n/index.svelte';
import Home from './Home.svelte';

describe('Home needs attention', () => {
  beforeEach(() => {
    setLocale('en');
  });

  it('tells changes the server refused from changes set aside from other laptops', async () => {
    const mock = createMockBackend();
    const status = await mock.syncStatus();
    const refused = { rev_id: 'r1', device_seq: 4, reason: 'not the creator', code: 'not_creator', incoming: false };
    const incoming = (n: number) => ({ rev_id: `x${n}`, device_seq: 0, reason: 'unknown kind', code: 'unknown_kind', incoming: true });
    mock.syncStatus = async () => ({ ...status, needs_attention: [refused, incoming(1), incoming(2)] });
    useBackend(mock);
    const { container } = render(Home);
    await waitFor(() => expect(container.querySelector('#home-set-aside')).not.toBeNull());
    expect(container.querySelector('#home-set-aside')!.textContent).toContain('2 changes from other laptops set aside');
    expect(container.textContent).toContain('the server refused');
  });
});
