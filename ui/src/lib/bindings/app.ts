// Generated from the Rust types of the desktop shell by src-tauri/bindings.rs.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p dauria bindings`.
import type { ErrorPayload } from './core';

export type RejectedView = { rev_id: string, device_seq: number, reason: string, };

export type SyncView = { server: string | null, device_name: string | null, role: string | null, pending_ops: number, 
/**
 * RFC 3339 UTC.
 */
last_success: string | null, 
/**
 * In words, as the sync engine put it.
 */
last_error: string | null, conflicts: number, needs_attention: Array<RejectedView>, 
/**
 * A sync is running now.
 */
running: boolean, };

export type SyncTotals = { pushed: number, pulled: number, conflicts: number, rejected: number, };

export type SyncProgress = { "step": "push", done: number, total: number, } | { "step": "pull", received: number, } | { "step": "photos", done: number, total: number, };

export type SyncEvent = { "phase": "started" } | { "phase": "progress", progress: SyncProgress, } | { "phase": "finished", totals: SyncTotals, status: SyncView, } | { "phase": "failed", error: ErrorPayload, status: SyncView, };

export type ExportFormat = "dwca" | "csv" | "geojson" | "gpx";

export type Exported = { path: string, size_bytes: number, 
/**
 * Rows, features or points written (occurrences for an archive).
 */
records: number, };
