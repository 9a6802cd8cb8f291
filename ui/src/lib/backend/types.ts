// The backend contract the UI depends on. The Tauri implementation calls the Rust commands in
// src-tauri/commands.rs; the mock implements the same contract in memory for browser tests.
import type {
  Body,
  CountryChecklist,
  Country,
  Current,
  ErrorPayload,
  Kind,
  ObservationFilter,
  ObservationPage,
  Position,
  RevisionInfo,
  Saved,
  SpeciesSummary,
  Stats,
  TaxonMatch,
} from '../bindings/core';
import type { SyncEvent, SyncView } from '../bindings/app';

export type SettingKey = 'language' | 'observer' | 'observers' | 'last_site';

export interface Backend {
  /** Tells the shell the first screen is interactive (start-up timing). */
  uiReady(): Promise<void>;
  dataDir(): Promise<string>;
  logDir(): Promise<string>;
  stats(): Promise<Stats>;
  searchTaxa(query: string, limit: number): Promise<TaxonMatch[]>;
  listRecords(kind: Kind): Promise<Current[]>;
  getRecord(id: string): Promise<Current | null>;
  createRecord(body: Body): Promise<Saved>;
  updateRecord(id: string, parentRev: string, body: Body): Promise<Saved>;
  deleteRecord(id: string, parentRev: string): Promise<Saved>;
  mergeRecord(id: string, body: Body | null): Promise<Saved>;
  history(id: string): Promise<RevisionInfo[]>;
  heads(id: string): Promise<RevisionInfo[]>;
  conflicts(): Promise<[string, Kind][]>;
  observations(filter: ObservationFilter, after: string | null, limit: number): Promise<ObservationPage>;
  speciesSummary(site: string | null): Promise<SpeciesSummary[]>;
  countryChecklist(country: Country): Promise<CountryChecklist>;
  parsePosition(text: string): Promise<Position>;
  getSetting(key: SettingKey): Promise<string | null>;
  setSetting(key: SettingKey, value: string): Promise<void>;
  syncStatus(): Promise<SyncView>;
  syncNow(): Promise<void>;
  syncEnroll(server: string, code: string): Promise<SyncView>;
  /** Calls `cb` for every event of the background sync task; returns the unsubscribe. */
  onSync(cb: (e: SyncEvent) => void): Promise<() => void>;
}

/** An error from the backend, with the `{code, message, fields}` payload it carried. */
export class BackendError extends Error {
  readonly payload: ErrorPayload;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.payload = payload;
  }
  get code(): string {
    return this.payload.code;
  }
}

/** Turns whatever a call rejected with into a BackendError. */
export function toBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const p = e as Partial<ErrorPayload>;
    return new BackendError({ code: String(p.code), message: String(p.message), fields: p.fields ?? [] });
  }
  return new BackendError({ code: 'internal', message: String(e), fields: [] });
}
