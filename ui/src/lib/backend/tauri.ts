// The Tauri implementation: every command through its generated signature
// (../bindings/commands.ts, made from the Rust command functions), so an argument renamed, added
// or retyped in Rust fails the type check here.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { SyncEvent } from '../bindings/app';
import { commands } from '../bindings/commands';
import { toBackendError, type Backend } from './types';

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toBackendError(e);
  }
}

/** Sends a file's bytes as the raw IPC body; other arguments go in percent-encoded headers. */
async function send<T>(cmd: string, bytes: Uint8Array, headers: Record<string, string | undefined>): Promise<T> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[`x-dauria-${k}`] = encodeURIComponent(v);
  try {
    return await invoke<T>(cmd, bytes, { headers: h });
  } catch (e) {
    throw toBackendError(e);
  }
}

const c = commands(call, send);

export const tauriBackend: Backend = {
  uiReady: () => c.uiReady(),
  storeLockState: () => c.storeLockState(),
  storeUnlock: (passphrase) => c.storeUnlock({ passphrase }),
  storeEncrypt: (passphrase) => c.storeEncrypt({ passphrase }),
  storeChangePassphrase: (current, next) => c.storeChangePassphrase({ old: current, new: next }),
  onEncryptProgress: (cb) => listen<{ done: number; total: number }>('encrypt-progress', (e) => cb(e.payload)),
  backupFolder: () => c.backupFolder(),
  backupCreate: (folder) => c.backupCreate({ folder }),
  backupRestore: (path) => c.backupRestore({ path }),
  dataDir: () => c.dataDir(),
  logDir: () => c.logDir(),
  openLogFolder: () => c.openLogFolder(),
  chooseFolder: (title, start) => c.chooseFolder({ title, start }),
  showInFolder: (path) => c.showInFolder({ path }),
  stats: () => c.stats(),
  searchTaxa: (query, limit, country) => c.searchTaxa({ query, limit, country: country ?? null }),
  listRecords: (kind) => c.listRecords({ kind }),
  getRecord: (id) => c.getRecord({ id }),
  createRecord: (body) => c.createRecord({ body }),
  updateRecord: (id, parentRev, body) => c.updateRecord({ id, parentRev, body }),
  deleteRecord: (id, parentRev) => c.deleteRecord({ id, parentRev }),
  mergeRecord: (id, body) => c.mergeRecord({ id, body }),
  history: (id) => c.recordHistory({ id }),
  heads: (id) => c.recordHeads({ id }),
  conflicts: () => c.conflicts(),
  observations: (filter, after, limit) => c.observations({ filter, after, limit }),
  speciesSummary: (site) => c.speciesSummary({ site }),
  countryChecklist: (country) => c.countryChecklist({ country }),
  parsePosition: (text) => c.parsePosition({ text }),
  getSetting: (key) => c.getSetting({ key }),
  setSetting: (key, value) => c.setSetting({ key, value }),
  syncStatus: () => c.syncStatus(),
  syncNow: () => c.syncNow(),
  syncEnroll: (server, code, fingerprint) => c.syncEnroll({ server, code, fingerprint: fingerprint ?? null }),
  syncDiscover: () => c.syncDiscover(),
  onSync: (cb) => listen<SyncEvent>('sync', (e) => cb(e.payload)),
  surveyProgress: (survey) => c.surveyProgress({ survey }),
  surveyBudget: (survey, currency) => c.surveyBudget({ survey, currency }),
  doubleBookings: () => c.doubleBookings(),
  schedule: (survey) => c.schedule({ survey }),
  dataSheets: () => c.dataSheets(),
  gpxImport: (survey, fileName, bytes) => c.gpxImport(bytes, { survey, name: fileName }),
  print: (name) => c.print({ name: name ?? null }),
  photoStore: (fileName, bytes) => c.photoStore(bytes, { name: fileName }),
  photoThumbnail: (sha) => c.photoThumbnail({ sha }),
  basemapFile: async (name) => new Uint8Array(await c.basemapFile({ name })),
  sightingPoints: async () => new Float32Array(await c.sightingPoints()),
  photoData: async (sha) => new Uint8Array(await c.photoData({ sha })),
  photoFetch: (sha) => c.photoFetch({ sha }),
  labResultsPreview: (bytes) => c.labResultsPreview(bytes, {}),
  labResultsImport: (bytes, columns) =>
    c.labResultsImport(bytes, { columns: columns ? JSON.stringify(columns) : undefined }),
  sampleSummary: () => c.sampleSummary(),
  shipmentList: () => c.shipmentList(),
  shipmentDetail: (key) => c.shipmentDetail({ key }),
  shipmentAdd: (input) => c.shipmentAdd({ input }),
  shipmentSend: (key, handover) => c.shipmentSend({ key, handover }),
  shipmentTransfer: (key, handover) => c.shipmentTransfer({ key, handover }),
  shipmentReceive: (key, receipt) => c.shipmentReceive({ key, receipt }),
  shipmentManifestCsv: (key) => c.shipmentManifestCsv({ key }),
  sampleHistory: (barcode) => c.sampleHistory({ barcode }),
  csvPreview: (bytes) => c.csvPreview(bytes, {}),
  csvImport: (bytes, columns, allOrNothing) =>
    c.csvImport(bytes, { columns: JSON.stringify(columns), 'all-or-nothing': String(allOrNothing) }),
  dwcaImport: (bytes, name) => c.dwcaImport(bytes, { name: name || undefined }),
  exportFile: (format, survey) => c.exportFile({ format, survey }),
  visitOpen: () => c.visitOpen(),
  visitStart: (start) => c.visitStart({ start }),
  visitEnd: (at) => c.visitEnd({ at }),
  visitList: (survey) => c.visitList({ survey }),
  visitFromGpx: (bytes, survey, protocol, observers) =>
    c.visitFromGpx(bytes, { survey: survey ?? '', protocol: protocol ?? '', observers: JSON.stringify(observers) }),
  placeAt: (lat, lon) => c.placeAt({ lat, lon }),
  siteSave: (id, input) => c.siteSave({ id, input }),
  siteDelete: (id) => c.siteDelete({ id }),
  siteMerge: (keep, gone) => c.siteMerge({ keep, gone }),
  checklistAdd: (country, taxon) => c.checklistAdd({ country, taxon }),
  checklistRemove: (country, taxon) => c.checklistRemove({ country, taxon }),
  taxonSetName: (taxon, locale, name) => c.taxonSetName({ taxon, locale, name }),
  reportTrends: (query) => c.reportTrends({ query }),
  reportSites: (period) => c.reportSites({ period }),
  reportPrevalence: (query) => c.reportPrevalence({ query }),
  reportHostsByPathogen: (period) => c.reportHostsByPathogen({ period }),
  reportRisk: (disease) => c.reportRisk({ disease }),
  riskSettings: () => c.riskSettings(),
  riskSettingsSave: (settings) => c.riskSettingsSave({ settings }),
  riskSettingsReset: (disease) => c.riskSettingsReset({ disease }),
  reportCountryProgress: () => c.reportCountryProgress(),
  needsAttentionSites: () => c.needsAttentionSites(),
  exportTable: (name, csv) => c.exportTable({ name, csv }),
};

/** Whether the page runs inside the Tauri window. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
