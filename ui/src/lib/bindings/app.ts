// Generated from the Rust types of the app by crates/app/src/signatures.rs.
// Do not edit: run `UPDATE_BINDINGS=1 cargo nextest run --workspace -E 'test(committed_typescript_bindings)'`.
import type { ErrorPayload } from './core';

export type RejectedOp = { rev_id: string, device_seq: number, reason: string, 
/**
 * Stable code of the rule it broke (`kind_mismatch`, `not_creator`, ...), for the window
 * to word it in its own language.
 */
code: string | null, 
/**
 * A change pulled from the server that this laptop could not apply; it is tried again
 * after an upgrade.
 */
incoming: boolean, };

export type SyncStatus = { server: string | null, device_name: string | null, role: string | null, pending_ops: number, last_success: string | null, 
/**
 * In words, as the engine put it (English).
 */
last_error: string | null, 
/**
 * The stable code of that error ([`SyncError::code`]), for a window to word it in its
 * own language.
 */
last_error_code: string | null, conflicts: number, needs_attention: Array<RejectedOp>, 
/**
 * The server is a station hub that relays to a central server (as of the last sync).
 */
relays: boolean, 
/**
 * When that hub last reached the central server (RFC 3339 UTC), as it said.
 */
upstream_contact: string | null, };

export type FoundServer = { 
/**
 * Its instance name (`Dauria station-laptop`).
 */
name: string, 
/**
 * The address to enroll with (`https://192.168.1.20:8787`).
 */
url: string, 
/**
 * It relays to a central server (a station hub).
 */
relays: boolean, 
/**
 * The fingerprint of its certificate as it announces it: to compare with the one the
 * server printed, never to trust unseen.
 */
fingerprint: string | null, };

export type SyncView = { 
/**
 * A sync is running now.
 */
running: boolean, server: string | null, device_name: string | null, role: string | null, pending_ops: number, last_success: string | null, 
/**
 * In words, as the engine put it (English).
 */
last_error: string | null, 
/**
 * The stable code of that error ([`SyncError::code`]), for a window to word it in its
 * own language.
 */
last_error_code: string | null, conflicts: number, needs_attention: Array<RejectedOp>, 
/**
 * The server is a station hub that relays to a central server (as of the last sync).
 */
relays: boolean, 
/**
 * When that hub last reached the central server (RFC 3339 UTC), as it said.
 */
upstream_contact: string | null, };

export type SyncTotals = { pushed: number, pulled: number, conflicts: number, rejected: number, };

export type SyncProgress = { "step": "push", done: number, total: number, } | { "step": "pull", received: number, } | { "step": "photos", done: number, total: number, };

export type SyncEvent = { "phase": "started" } | { "phase": "progress", progress: SyncProgress, } | { "phase": "finished", totals: SyncTotals, status: SyncView, } | { "phase": "failed", error: ErrorPayload, status: SyncView, };

export type ExportFormat = "dwca" | "csv" | "geojson" | "gpx";

export type Exported = { path: string, size_bytes: number, 
/**
 * Rows, features or points written (occurrences for an archive).
 */
records: number, };

export type LockState = { 
/**
 * The store is encrypted (or its encryption was begun).
 */
encrypted: boolean, 
/**
 * It needs the passphrase before anything can be shown.
 */
locked: boolean, 
/**
 * An encryption was cut before it finished; unlocking finishes it.
 */
interrupted: boolean, };

export type BackupDone = { 
/**
 * The backup's folder.
 */
path: string, store_bytes: number, photos: number, };
