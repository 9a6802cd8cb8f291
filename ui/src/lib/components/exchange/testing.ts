import { recordedArchive, recordedGpxFile, type RecordedArchiveName, type RecordedGpxName } from '../../backend/mock-recorded';
// Test files for imports: CSV text as a File and a zip archive (stored entries) for DwC-A.
/** The bytes of a Darwin Core Archive whose import crates/app/tests/recorded.rs recorded
 * (`hulun-2018`: four occurrences, one of a name not on the checklist twice and one with a bad
 * date) or of a file that is none (`not-an-archive`). */
export function archive(name: RecordedArchiveName): Uint8Array {
  return recordedArchive(name);
}

/** The bytes of a GPX file whose imports crates/app/tests/recorded.rs recorded (`day1`: a
 * waypoint, a route of two points and a track of two timed points; `not-gpx`). */
export function gpxFile(name: RecordedGpxName): Uint8Array {
  return recordedGpxFile(name);
}

export function bytesFile(bytes: Uint8Array, name: string, type = 'application/zip'): File {
  const f = new File([new Uint8Array(bytes)], name, { type });
  // jsdom's File has no arrayBuffer(); browsers and WebKitGTK do.
  if (typeof f.arrayBuffer !== 'function') {
    Object.defineProperty(f, 'arrayBuffer', { value: async () => new Uint8Array(bytes).buffer });
  }
  return f;
}

export function textFile(text: string, name: string, type = 'text/csv'): File {
  return bytesFile(new TextEncoder().encode(text), name, type);
}

/** Hands `files` to a file input the way a person choosing them does. */
export function choose(input: Element, files: File[]): void {
  Object.defineProperty(input, 'files', { value: files, configurable: true });
}
