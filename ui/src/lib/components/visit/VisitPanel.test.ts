import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend';
import { createMockBackend, type MockBackend } from '../../backend/mock';
import { setLocale } from '../../i18n/index.svelte';
import VisitPanel from './VisitPanel.svelte';

let mock: MockBackend;

beforeEach(() => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('en');
});

async function type(c: HTMLElement, sel: string, value: string) {
  const i = c.querySelector(sel) as HTMLInputElement;
  i.value = value;
  await fireEvent.input(i);
}

describe('the visit on Home', () => {
  it('starts a visit, refuses a second, ends it and shows its effort', async () => {
    const { container } = render(VisitPanel);
    await waitFor(() => expect(container.querySelector('#visit-new')).not.toBeNull());
    await fireEvent.click(container.querySelector('#visit-new')!);
    // Without a protocol or observers nothing is started and the form says why.
    await type(container, '#visit-observers', '');
    await fireEvent.submit(container.querySelector('form')!);
    await waitFor(() => expect(container.querySelector('#visit-error')!.textContent).toContain('Name at least one observer'));
    expect(await mock.visitOpen()).toBeNull();

    await type(container, '#visit-protocol', 'line transect');
    await type(container, '#visit-observers', 'O. Goroshko, A. Batsaikhan');
    await fireEvent.submit(container.querySelector('form')!);
    await waitFor(() => expect(container.querySelector('#visit-open')!.textContent).toContain('line transect'));
    const open = (await mock.visitOpen())!;
    expect(open.visit.observers).toEqual(['O. Goroshko', 'A. Batsaikhan']);
    await expect(mock.visitStart({ survey: null, site: null, route: null, protocol: 'x', observers: ['y'], start: null, weather: null })).rejects.toMatchObject({ code: 'invalid' });

    await fireEvent.click(container.querySelector('#visit-end')!);
    await waitFor(() => expect(container.querySelector('#visit-effort')).not.toBeNull());
    expect(container.querySelector('#visit-effort')!.textContent).toMatch(/line transect.*\d+ min/);
    expect(await mock.visitOpen()).toBeNull();
    const [done] = await mock.visitList(null);
    expect(done.visit.effort_unit).toBe('h');
  });
});
