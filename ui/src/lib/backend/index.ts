// The only module of the UI that talks to the backend (and the only one importing @tauri-apps/*).
// Under Vitest and the development server outside the app it uses the in-memory mock. The
// production build is for the app window only: `import.meta.env.PROD` is a constant there, so
// the bundler drops the mock (ui/scripts/check-bundle.mjs checks that it did).
import { createMockBackend } from './mock';
import { inTauri, tauriBackend } from './tauri';
import type { Backend } from './types';

export { BackendError, toBackendError } from './types';
export type { Backend, SettingKey } from './types';

export let backend: Backend = import.meta.env.PROD || inTauri() ? tauriBackend : createMockBackend();

/** Replaces the backend (tests). */
export function useBackend(b: Backend): void {
  backend = b;
}
