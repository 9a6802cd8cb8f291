// The backend contract the UI depends on. The Tauri implementation calls the Rust commands in
// src-tauri/commands.rs; the mock implements the same contract in memory for browser tests.
import type {
  Body,
  BudgetSummary,
  CountrySheet,
  CsvPreview,
  DoubleBooking,
  DwcaImportReport,
  GpxImportSummary,
  ImportReport,
  LabResultReport,
  Progress,
  ResultSummary,
  ScheduleItem,
  StoredPhoto,
  Place,
  SiteInput,
  SiteMerge,
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
  VisitStart,
  VisitSummary,
  CountryProgress,
  HostPathogen,
  Period,
  PrevalenceQuery,
  PrevalenceRow,
  RiskSettings,
  SiteRisk,
  SiteSummary,
  TrendPoint,
  TrendQuery,
} from '../bindings/core';
import type { Exported, ExportFormat, LockState, SyncEvent, SyncView, BackupDone, FoundServer } from '../bindings/app';
import type {
  Handover,
  NewShipment,
  Receipt,
  ReceiptReport,
  SampleHistory,
  ShipmentDetail,
  ShipmentSummary,
} from '../bindings/core';

export type SettingKey = 'language' | 'observer' | 'observers' | 'last_site' | 'export_dir' | 'survey';

export interface Backend {
  /** Tells the shell the first screen is interactive (start-up timing). */
  uiReady(): Promise<void>;
  /** Whether the store is encrypted and still locked (the unlock screen comes before anything). */
  storeLockState(): Promise<LockState>;
  /** Unlocks the encrypted store; a wrong passphrase rejects with `wrong_passphrase`. */
  storeUnlock(passphrase: string): Promise<void>;
  /** Encrypts the plain store and its photos in place; the app then restarts and asks for it. */
  storeEncrypt(passphrase: string): Promise<void>;
  /** Changes the passphrase (a wrong current one rejects with `wrong_passphrase`). */
  storeChangePassphrase(current: string, next: string): Promise<void>;
  /** Photos encrypted so far while `storeEncrypt` runs. */
  onEncryptProgress(cb: (p: { done: number; total: number }) => void): Promise<() => void>;
  /** The folder backups go to unless another is chosen. */
  backupFolder(): Promise<string>;
  /** Makes a backup of the store and photos in a new folder inside `folder`. */
  backupCreate(folder: string): Promise<BackupDone>;
  /** Replaces the store and photos with the backup in `path`; `too_new` or `invalid` (damaged) change nothing. */
  backupRestore(path: string): Promise<BackupDone>;
  dataDir(): Promise<string>;
  logDir(): Promise<string>;
  /** Opens the log folder in the system's file manager. */
  openLogFolder(): Promise<void>;
  /** Asks for a folder with the system's folder chooser; null when the user cancels. */
  chooseFolder(title: string, start: string | null): Promise<string | null>;
  /** Shows a file selected in the system's file manager. */
  showInFolder(path: string): Promise<void>;
  stats(): Promise<Stats>;
  /** Species search (any name, any script, typos); `country` (the survey's) wins ties. */
  searchTaxa(query: string, limit: number, country?: Country | null): Promise<TaxonMatch[]>;
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
  /** Every live sighting's position, as lat, lon, lat, lon, … (its own position, else its site's). */
  sightingPoints(): Promise<Float32Array>;
  /** A data file of the bundled basemap (`daur.pmtiles`, `relief.json`), as bytes. */
  basemapFile(name: 'daur.pmtiles' | 'relief.json'): Promise<Uint8Array>;
  speciesSummary(site: string | null): Promise<SpeciesSummary[]>;
  countryChecklist(country: Country): Promise<CountryChecklist>;
  parsePosition(text: string): Promise<Position>;
  getSetting(key: SettingKey): Promise<string | null>;
  setSetting(key: SettingKey, value: string): Promise<void>;
  syncStatus(): Promise<SyncView>;
  syncNow(): Promise<void>;
  /** `fingerprint`: the SHA-256 the server printed, to trust a field station's own certificate. */
  syncEnroll(server: string, code: string, fingerprint?: string): Promise<SyncView>;
  /** Sync servers announcing themselves on the local network (a station hub). */
  syncDiscover(): Promise<FoundServer[]>;
  /** Calls `cb` for every event of the background sync task; returns the unsubscribe. */
  onSync(cb: (e: SyncEvent) => void): Promise<() => void>;

  // Planning (issue: survey planning). Records themselves go through create/update/delete.
  /** Routes, visits, records, effort and team of a survey, against its plan. */
  surveyProgress(survey: string): Promise<Progress>;
  /** Budget totals per currency, and per category and overall in `currency` when given. */
  surveyBudget(survey: string, currency: string | null): Promise<BudgetSummary>;
  /** Everyone booked in two places at once, across all surveys. */
  doubleBookings(): Promise<DoubleBooking[]>;
  /** Schedule items of one survey, or of all surveys when `survey` is null. */
  schedule(survey: string | null): Promise<ScheduleItem[]>;
  /** Per country: records collected, next data-sheet deadline and status (as of today). */
  dataSheets(): Promise<CountrySheet[]>;
  /** Imports a GPX file (its name and bytes) into a survey: routes, waypoints, tracks as visits. */
  gpxImport(survey: string, fileName: string, bytes: Uint8Array): Promise<GpxImportSummary>;
  /**
   * Opens the system print dialog for the current page. With `name`, the dialog is set up to save
   * a PDF of that name in the export folder; the file it would write is returned.
   */
  print(name?: string): Promise<string | null>;

  // Photos, samples and data exchange.
  /** Checks, stores (by SHA-256) and thumbnails a photo; reads its EXIF. Nothing is attached yet. */
  photoStore(fileName: string, bytes: Uint8Array): Promise<StoredPhoto>;
  /** The thumbnail as a `data:` URL; null when the photo is not on this laptop (not synced yet). */
  photoThumbnail(sha: string): Promise<string | null>;
  /** The whole photo, for viewing it at full size (refused as not found when it is not on this laptop). */
  photoData(sha: string): Promise<Uint8Array>;
  /** Fetches a photo this laptop lacks from the sync server; false when no server has it. */
  photoFetch(sha: string): Promise<boolean>;
  /** The header, guessed column mapping and first rows of a lab-results CSV. */
  labResultsPreview(bytes: Uint8Array): Promise<CsvPreview>;
  /**
   * Imports lab results (CSV) matched to samples by barcode; `columns` gives the column per
   * header (null: ignore); without it, headers are recognised by name.
   */
  labResultsImport(bytes: Uint8Array, columns?: (string | null)[]): Promise<LabResultReport>;
  /** Sample results counted by site, host species and pathogen. */
  sampleSummary(): Promise<ResultSummary[]>;

  // Chain of custody of samples (crates/core/src/custody.rs). `key`: a shipment's id or reference.
  shipmentList(): Promise<ShipmentSummary[]>;
  shipmentDetail(key: string): Promise<ShipmentDetail>;
  /** Packs a shipment; answers its reference. */
  shipmentAdd(input: NewShipment): Promise<string>;
  shipmentSend(key: string, handover: Handover): Promise<Saved>;
  shipmentTransfer(key: string, handover: Handover): Promise<Saved>;
  /** Receives a shipment: the barcodes scanned checked against the manifest. */
  shipmentReceive(key: string, receipt: Receipt): Promise<ReceiptReport>;
  /** The manifest as CSV text. */
  shipmentManifestCsv(key: string): Promise<string>;
  sampleHistory(barcode: string): Promise<SampleHistory>;
  /** The header, guessed column mapping and first rows of an observation CSV. */
  csvPreview(bytes: Uint8Array): Promise<CsvPreview>;
  /** Imports observations from CSV with the given column per header (null: ignore). */
  csvImport(bytes: Uint8Array, columns: (string | null)[], allOrNothing: boolean): Promise<ImportReport>;
  /** Imports a Darwin Core Archive (occurrence core, or event core with occurrences). */
  /** Imports a Darwin Core Archive; `name` (the file's) names its dataset where rows name none. */
  dwcaImport(bytes: Uint8Array, name?: string): Promise<DwcaImportReport>;
  /** Writes an export into the export folder (setting `export_dir`, else Documents/Dauria Field). */
  exportFile(format: ExportFormat, survey: string | null): Promise<Exported>;

  // Visits: sampling events with their effort. Sightings saved while one is open belong to it.
  /** The visit open on this laptop (started here, not ended), if any. */
  visitOpen(): Promise<VisitSummary | null>;
  /** Starts a visit; refused (`already_open`) while another is open on this laptop. */
  visitStart(start: VisitStart): Promise<Saved>;
  /** Ends the open visit at `at` (now when null) and records its effort. */
  visitEnd(at: string | null): Promise<Saved>;
  /** Visits (of one survey, when given) with their effort, newest first. */
  visitList(survey: string | null): Promise<VisitSummary[]>;
  /** One finished visit per track of a GPX file (times, track and distance from the file). */
  visitFromGpx(bytes: Uint8Array, survey: string | null, protocol: string | null, observers: string[]): Promise<string[]>;

  // Sites and country checklists. A site's country and reserve are derived from its position.
  /** The country and partner reserve a position lies in. */
  placeAt(lat: number, lon: number): Promise<Place>;
  /** Adds a site (`id` null) or edits/moves one. */
  siteSave(id: string | null, input: SiteInput): Promise<Saved>;
  /** Deletes a site no sighting or visit uses (refused with `site_in_use` otherwise). */
  siteDelete(id: string): Promise<Saved>;
  /** Moves every sighting and visit of `gone` to `keep`, then deletes `gone`. */
  siteMerge(keep: string, gone: string): Promise<SiteMerge>;
  checklistAdd(country: Country, taxon: string): Promise<Saved>;
  checklistRemove(country: Country, taxon: string): Promise<Saved>;
  /** Sets (or, empty, removes) a taxon's name in a locale (`en`, `zh`, `ru`, `mn`, `kk`). */
  taxonSetName(taxon: string, locale: string, name: string): Promise<Saved>;

  // Monitoring reports: every figure is computed in dauria-core's monitoring module.
  /** Abundance per year or season, with the visits and effort behind each point. */
  reportTrends(query: TrendQuery): Promise<TrendPoint[]>;
  /** The dashboard figures of every site over a period. */
  reportSites(period: Period): Promise<SiteSummary[]>;
  /** Prevalence with its 95% Wilson interval, grouped by site, host, pathogen or period. */
  reportPrevalence(query: PrevalenceQuery): Promise<PrevalenceRow[]>;
  /** Positive and tested samples by pathogen and host species. */
  reportHostsByPathogen(period: Period): Promise<HostPathogen[]>;
  /** The risk of one disease (by its settings key) at every site with data, riskiest first. */
  reportRisk(disease: string): Promise<SiteRisk[]>;
  /** The risk profile of every disease (the lead's saved one, else the default). */
  riskSettings(): Promise<RiskSettings[]>;
  riskSettingsSave(settings: RiskSettings): Promise<void>;
  riskSettingsReset(disease: string): Promise<void>;
  /** Per country: records by group against the data-sheet deadlines. */
  reportCountryProgress(): Promise<CountryProgress[]>;
  /** Sites over the threshold of any disease, highest score first (Home's "needs attention"). */
  needsAttentionSites(): Promise<SiteRisk[]>;
  /** Writes a table as CSV into the export folder, named after `name`. */
  exportTable(name: string, csv: string): Promise<Exported>;
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
