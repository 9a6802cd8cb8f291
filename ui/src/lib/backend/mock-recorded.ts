// What the real commands answered for a fixed set of files, recorded through the Host trait by
// crates/app/tests/recorded.rs into recorded/*.json (that test fails when a recording is stale).
// The mock backend serves these instead of reading photos, archives, GPX and CSV files itself; the
// UI's tests use the same files. Like every mock module, none of it is in the production build.
import type {
  Body,
  CsvPreview,
  DwcaImportReport,
  ErrorPayload,
  GpxImportSummary,
  ImportReport,
  LabResultReport,
  Observation,
  Sample,
  StoredPhoto,
} from '../bindings/core';
import recordedArchives from './recorded/archives.json';
import recordedCsv from './recorded/csv.json';
import recordedGpx from './recorded/gpx.json';
import recordedLab from './recorded/lab-results.json';
import recordedPhotos from './recorded/photos.json';

const base64Bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

function base64Of(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Recordings keyed by the bytes of their file. */
function byFile<T extends { file: string }>(all: Record<string, T>): (bytes: Uint8Array) => T | undefined {
  const m = new Map(Object.values(all).map((r) => [r.file, r]));
  return (bytes) => m.get(base64Of(bytes));
}

// Photos: `photo_store` and the thumbnail.

export interface RecordedPhoto {
  file: string;
  stored?: StoredPhoto;
  thumbnail?: string;
  error?: ErrorPayload;
}

export type RecordedPhotoName = keyof typeof recordedPhotos;
const photos = recordedPhotos as Record<RecordedPhotoName, RecordedPhoto>;

/** A recorded photo's bytes and what `photo_store` answered for it. */
export function recordedPhoto(name: RecordedPhotoName): { bytes: Uint8Array; reply: RecordedPhoto } {
  return { bytes: base64Bytes(photos[name].file), reply: photos[name] };
}

export const photoByBytes = byFile(photos);
const photosBySha = new Map(Object.values(photos).flatMap((r) => (r.stored ? [[r.stored.sha256, r] as const] : [])));
export const photoBySha = (sha: string) => photosBySha.get(sha);

// Darwin Core Archives: the report and the sightings the import added, each with its taxon's
// scientific name (the recording store's taxon ids are not the mock's).

export interface RecordedArchive {
  file: string;
  report?: DwcaImportReport;
  imported?: { scientific_name: string | null; observation: Observation }[];
  error?: ErrorPayload;
}

export type RecordedArchiveName = keyof typeof recordedArchives;
const archives = recordedArchives as unknown as Record<RecordedArchiveName, RecordedArchive>;

/** A recorded archive's bytes. */
export function recordedArchive(name: RecordedArchiveName): Uint8Array {
  return base64Bytes(archives[name].file);
}

export const archiveByBytes = byFile(archives);

// GPX: a survey's import (its summary and the routes and visits it made, in the summary's
// order) and the visits made from the tracks on Home. `<survey>` stands for the survey's id.

export interface RecordedGpx {
  file: string;
  import: { summary?: GpxImportSummary; created?: Body[]; error?: ErrorPayload };
  visits: { created?: Body[]; error?: ErrorPayload };
}

export type RecordedGpxName = keyof typeof recordedGpx;
const gpx = recordedGpx as unknown as Record<RecordedGpxName, RecordedGpx>;

/** A recorded GPX file's bytes. */
export function recordedGpxFile(name: RecordedGpxName): Uint8Array {
  return base64Bytes(gpx[name].file);
}

export const gpxByBytes = byFile(gpx);

// CSV sightings: the preview, and for each column mapping the UI's tests use the report and the
// sightings the import added (each with its taxon's scientific name).

export interface RecordedCsv {
  file: string;
  preview: CsvPreview;
  imports: {
    columns: (string | null)[];
    all_or_nothing: boolean;
    report: ImportReport;
    imported: { scientific_name: string | null; observation: Observation }[];
  }[];
}

export type RecordedCsvName = keyof typeof recordedCsv;
const csv = recordedCsv as unknown as Record<RecordedCsvName, RecordedCsv>;

/** A recorded CSV file's text. */
export function recordedCsvText(name: RecordedCsvName): string {
  return new TextDecoder().decode(base64Bytes(csv[name].file));
}

export const csvByBytes = byFile(csv);

// Lab results: the preview, and for each column mapping the UI's tests use the report (or the
// refusal) with every sample as the import left it.

export interface RecordedLabFile {
  file: string;
  preview: { preview?: CsvPreview; error?: ErrorPayload };
  imports: {
    columns: (string | null)[];
    reply: { report?: LabResultReport; error?: ErrorPayload };
    samples: Pick<Sample, 'barcode' | 'result' | 'result_date' | 'test' | 'pathogen' | 'lab'>[];
  }[];
}

export type RecordedLabName = keyof typeof recordedLab;
const lab = recordedLab as unknown as Record<RecordedLabName, RecordedLabFile>;

/** A recorded lab file's text. */
export function recordedLabText(name: RecordedLabName): string {
  return new TextDecoder().decode(base64Bytes(lab[name].file));
}

export const labByBytes = byFile(lab);
