// The mock's encrypted store: a passphrase, whether it is locked, and photo progress while
// encrypting. Checks the same rules as the core (at least 8 characters, wrong passphrase
// refused) so the screens can be tested in a browser.
import { BackendError, type Backend } from './types';

type Security = Pick<Backend, 'storeLockState' | 'storeUnlock' | 'storeEncrypt' | 'storeChangePassphrase' | 'onEncryptProgress'> & {
  /** Makes the mock store encrypted with `passphrase` and locked, as at the start of the app. */
  lockStore(passphrase: string): void;
};

const wrong = () => new BackendError({ code: 'wrong_passphrase', message: 'wrong passphrase', fields: [] });
const tooShort = () =>
  new BackendError({
    code: 'invalid',
    message: 'the passphrase must have at least 8 characters',
    fields: [{ field: 'passphrase', rule: 'too_short', message: 'the passphrase must have at least 8 characters' }],
  });

export function securityMock(): Security {
  let passphrase: string | null = null;
  let locked = false;
  const listeners = new Set<(p: { done: number; total: number }) => void>();
  return {
    lockStore(p) {
      passphrase = p;
      locked = true;
    },
    storeLockState: async () => ({ encrypted: passphrase !== null, locked, interrupted: false }),
    storeUnlock: async (p) => {
      if (p !== passphrase) throw wrong();
      locked = false;
    },
    storeEncrypt: async (p) => {
      if (p.length < 8) throw tooShort();
      for (const cb of listeners) cb({ done: 1, total: 1 });
      passphrase = p;
      // The real app restarts here and asks for the passphrase.
      locked = true;
    },
    storeChangePassphrase: async (current, next) => {
      if (current !== passphrase) throw wrong();
      if (next.length < 8) throw tooShort();
      passphrase = next;
    },
    onEncryptProgress: async (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  };
}
