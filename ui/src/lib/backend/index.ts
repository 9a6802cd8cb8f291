// The only module of the UI that talks to the backend (and the only one importing @tauri-apps/*).
// In a plain browser or under Vitest it uses the in-memory mock.
import { createMockBackend } from './mock';
import { inTauri, tauriBackend } from './tauri';
import type { Backend } from './types';

export { BackendError, toBackendError } from './types';
export type { Backend, SettingKey } from './types';

export let backend: Backend = inTauri() ? tauriBackend : createMockBackend();

/** Replaces the backend (tests). */
export function useBackend(b: Backend): void {
  backend = b;
}
