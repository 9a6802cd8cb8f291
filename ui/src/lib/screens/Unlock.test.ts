import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { setLocale } from '../i18n/index.svelte';
import Encryption from '../components/settings/Encryption.svelte';
import Unlock from './Unlock.svelte';

let mock: MockBackend;

beforeEach(() => {
  mock = createMockBackend();
  useBackend(mock);
  setLocale('en');
});

describe('unlock screen', () => {
  it('refuses a wrong passphrase in the chosen language, lets the person try again, and opens with the right one', async () => {
    mock.lockStore('argali on the ridge');
    let opened = 0;
    const { container } = render(Unlock, { onunlocked: () => (opened += 1) });
    const q = (s: string) => container.querySelector(s) as HTMLInputElement;
    await fireEvent.change(q('#unlock-language'), { target: { value: 'ru' } });
    await fireEvent.input(q('#unlock-passphrase'), { target: { value: 'argali on the hill' } });
    await fireEvent.click(q('#unlock-submit'));
    await waitFor(() => expect(q('#unlock-error')?.textContent).toContain('Неверный пароль'));
    expect(opened).toBe(0);
    expect(q('#unlock-passphrase').value).toBe('');
    expect((await mock.storeLockState()).locked).toBe(true);

    await fireEvent.input(q('#unlock-passphrase'), { target: { value: 'argali on the ridge' } });
    await fireEvent.click(q('#unlock-submit'));
    await waitFor(() => expect(opened).toBe(1));
    expect((await mock.storeLockState()).locked).toBe(false);
  });
});

describe('settings encryption section', () => {
  it('needs the warning acknowledged and matching passphrases before encrypting, then changes the passphrase', async () => {
    const { container } = render(Encryption);
    const q = (s: string) => container.querySelector(s) as HTMLInputElement;
    await waitFor(() => expect(q('#encryption-status')?.textContent).toContain('not encrypted'));
    expect(container.textContent).toContain('there is no recovery');
    await fireEvent.input(q('#passphrase-new'), { target: { value: 'argali on the ridge' } });
    await fireEvent.input(q('#passphrase-again'), { target: { value: 'argali on the hill' } });
    expect(q('#encryption-submit').disabled).toBe(true);
    await fireEvent.click(q('#passphrase-understood'));
    await fireEvent.click(q('#encryption-submit'));
    await waitFor(() => expect(q('#encryption-error')?.textContent).toContain('differ'));
    expect((await mock.storeLockState()).encrypted).toBe(false);

    await fireEvent.input(q('#passphrase-again'), { target: { value: 'argali on the ridge' } });
    await fireEvent.click(q('#encryption-submit'));
    await waitFor(() => expect(q('#encryption-status')?.textContent).toContain('is encrypted'));
    expect((await mock.storeLockState()).encrypted).toBe(true);

    // Changing it: a wrong current passphrase is refused in words.
    await fireEvent.input(q('#passphrase-current'), { target: { value: 'not it at all' } });
    await fireEvent.input(q('#passphrase-new'), { target: { value: 'saker over the steppe' } });
    await fireEvent.input(q('#passphrase-again'), { target: { value: 'saker over the steppe' } });
    await fireEvent.click(q('#passphrase-understood'));
    await fireEvent.click(q('#encryption-submit'));
    await waitFor(() => expect(q('#encryption-error')?.textContent).toContain('Wrong passphrase'));
    await fireEvent.input(q('#passphrase-current'), { target: { value: 'argali on the ridge' } });
    await fireEvent.click(q('#encryption-submit'));
    await waitFor(() => expect(q('#passphrase-current').value).toBe(''));
    mock.lockStore('saker over the steppe');
    await expect(mock.storeUnlock('saker over the steppe')).resolves.toBeUndefined();
  });
});
