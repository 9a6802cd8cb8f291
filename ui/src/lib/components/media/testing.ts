// Test photos: the files whose replies crates/app/tests/recorded.rs recorded from the real
// photo commands (ui/src/lib/backend/recorded/photos.json), which the mock backend serves.
import { recordedPhoto, type RecordedPhotoName } from '../../backend/mock-recorded';

/** The bytes of a recorded test file: `camera` (160 × 120 px with an EXIF time, 2026-06-01
 * 07:42 +08:00, and position, 49.71° N 115.12° E, 12 m), `plain-1` to `plain-4` (48 × 32 px, no
 * EXIF), `cut` (a JPEG cut short), `text` and `empty`. */
export function photo(name: RecordedPhotoName): Uint8Array {
  return recordedPhoto(name).bytes;
}

/** The SHA-256 the store keys a recorded photo by. */
export function photoSha(name: RecordedPhotoName): string {
  const stored = recordedPhoto(name).reply.stored;
  if (!stored) throw new Error(`${name} is not a photo the store keeps`);
  return stored.sha256;
}

/** A File as the picker or a drop hands it to the page. */
export function photoFile(bytes: Uint8Array, name: string, type = 'image/jpeg'): File {
  const f = new File([new Uint8Array(bytes)], name, { type });
  // jsdom's File has no arrayBuffer(); browsers and WebKitGTK do.
  if (typeof f.arrayBuffer !== 'function') {
    Object.defineProperty(f, 'arrayBuffer', { value: async () => new Uint8Array(bytes).buffer });
  }
  return f;
}
