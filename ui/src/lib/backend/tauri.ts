// The Tauri implementation: one invoke per command of src-tauri/commands.rs.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { SyncEvent } from '../bindings/app';
import { toBackendError, type Backend } from './types';

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toBackendError(e);
  }
}

/** Sends a file's bytes as the raw IPC body; other arguments go in percent-encoded headers. */
async function send<T>(cmd: string, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<T> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) h[`x-dauria-${k}`] = encodeURIComponent(v);
  try {
    return await invoke<T>(cmd, bytes, { headers: h });
  } catch (e) {
    throw toBackendError(e);
  }
}

export const tauriBackend: Backend = {
  uiReady: () => call('ui_ready'),
  storeLockState: () => call('store_lock_state'),
  storeUnlock: (passphrase) => call('store_unlock', { passphrase }),
  storeEncrypt: (passphrase) => call('store_encrypt', { passphrase }),
  storeChangePassphrase: (current, next) => call('store_change_passphrase', { old: current, new: next }),
  onEncryptProgress: (cb) => listen<{ done: number; total: number }>('encrypt-progress', (e) => cb(e.payload)),
  backupFolder: () => call('backup_folder'),
  backupCreate: (folder) => call('backup_create', { folder }),
  backupRestore: (path) => call('backup_restore', { path }),
  dataDir: () => call('data_dir'),
  logDir: () => call('log_dir'),
  openLogFolder: () => call('open_log_folder'),
  chooseFolder: (title, start) => call('choose_folder', { title, start }),
  showInFolder: (path) => call('show_in_folder', { path }),
  stats: () => call('stats'),
  searchTaxa: (query, limit, country) => call('search_taxa', { query, limit, country: country ?? null }),
  listRecords: (kind) => call('list_records', { kind }),
  getRecord: (id) => call('get_record', { id }),
  createRecord: (body) => call('create_record', { body }),
  updateRecord: (id, parentRev, body) => call('update_record', { id, parent_rev: parentRev, body }),
  deleteRecord: (id, parentRev) => call('delete_record', { id, parent_rev: parentRev }),
  mergeRecord: (id, body) => call('merge_record', { id, body }),
  history: (id) => call('record_history', { id }),
  heads: (id) => call('record_heads', { id }),
  conflicts: () => call('conflicts'),
  observations: (filter, after, limit) => call('observations', { filter, after, limit }),
  speciesSummary: (site) => call('species_summary', { site }),
  countryChecklist: (country) => call('country_checklist', { country }),
  parsePosition: (text) => call('parse_position', { text }),
  getSetting: (key) => call('get_setting', { key }),
  setSetting: (key, value) => call('set_setting', { key, value }),
  syncStatus: () => call('sync_status'),
  syncNow: () => call('sync_now'),
  syncEnroll: (server, code, fingerprint) => call('sync_enroll', { server, code, fingerprint: fingerprint ?? null }),
  syncDiscover: () => call('sync_discover'),
  onSync: (cb) => listen<SyncEvent>('sync', (e) => cb(e.payload)),
  surveyProgress: (survey) => call('survey_progress', { survey }),
  surveyBudget: (survey, currency) => call('survey_budget', { survey, currency }),
  doubleBookings: () => call('double_bookings'),
  schedule: (survey) => call('schedule', { survey }),
  dataSheets: () => call('data_sheets'),
  gpxImport: (survey, fileName, bytes) => send('gpx_import', bytes, { survey, name: fileName }),
  print: (name) => call('print', { name: name ?? null }),
  photoStore: (fileName, bytes) => send('photo_store', bytes, { name: fileName }),
  photoThumbnail: (sha) => call('photo_thumbnail', { sha }),
  basemapFile: async (name) => new Uint8Array(await call<ArrayBuffer>('basemap_file', { name })),
  sightingPoints: async () => new Float32Array(await call<ArrayBuffer>('sighting_points')),
  photoData: async (sha) => new Uint8Array(await call<ArrayBuffer>('photo_data', { sha })),
  photoFetch: (sha) => call('photo_fetch', { sha }),
  labResultsPreview: (bytes) => send('lab_results_preview', bytes),
  labResultsImport: (bytes, columns) =>
    send('lab_results_import', bytes, columns ? { columns: JSON.stringify(columns) } : {}),
  sampleSummary: () => call('sample_summary'),
  shipmentList: () => call('shipment_list'),
  shipmentDetail: (key) => call('shipment_detail', { key }),
  shipmentAdd: (input) => call('shipment_add', { input }),
  shipmentSend: (key, handover) => call('shipment_send', { key, handover }),
  shipmentTransfer: (key, handover) => call('shipment_transfer', { key, handover }),
  shipmentReceive: (key, receipt) => call('shipment_receive', { key, receipt }),
  shipmentManifestCsv: (key) => call('shipment_manifest_csv', { key }),
  sampleHistory: (barcode) => call('sample_history', { barcode }),
  csvPreview: (bytes) => send('csv_preview', bytes),
  csvImport: (bytes, columns, allOrNothing) =>
    send('csv_import', bytes, { columns: JSON.stringify(columns), 'all-or-nothing': String(allOrNothing) }),
  dwcaImport: (bytes, name) => send('dwca_import', bytes, name ? { name } : {}),
  exportFile: (format, survey) => call('export_file', { format, survey }),
  visitOpen: () => call('visit_open'),
  visitStart: (start) => call('visit_start', { start }),
  visitEnd: (at) => call('visit_end', { at }),
  visitList: (survey) => call('visit_list', { survey }),
  visitFromGpx: (bytes, survey, protocol, observers) =>
    send('visit_from_gpx', bytes, { survey: survey ?? '', protocol: protocol ?? '', observers: JSON.stringify(observers) }),
  placeAt: (lat, lon) => call('place_at', { lat, lon }),
  siteSave: (id, input) => call('site_save', { id, input }),
  siteDelete: (id) => call('site_delete', { id }),
  siteMerge: (keep, gone) => call('site_merge', { keep, gone }),
  checklistAdd: (country, taxon) => call('checklist_add', { country, taxon }),
  checklistRemove: (country, taxon) => call('checklist_remove', { country, taxon }),
  taxonSetName: (taxon, locale, name) => call('taxon_set_name', { taxon, locale, name }),
  reportTrends: (query) => call('report_trends', { query }),
  reportSites: (period) => call('report_sites', { period }),
  reportPrevalence: (query) => call('report_prevalence', { query }),
  reportHostsByPathogen: (period) => call('report_hosts_by_pathogen', { period }),
  reportRisk: (disease) => call('report_risk', { disease }),
  riskSettings: () => call('risk_settings'),
  riskSettingsSave: (settings) => call('risk_settings_save', { settings }),
  riskSettingsReset: (disease) => call('risk_settings_reset', { disease }),
  reportCountryProgress: () => call('report_country_progress'),
  needsAttentionSites: () => call('needs_attention_sites'),
  exportTable: (name, csv) => call('export_table', { name, csv }),
};

/** Whether the page runs inside the Tauri window. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
