// Camera-like test photos for the end-to-end specs: a real JPEG encoded by ImageMagick, with
// an EXIF APP1 segment (time with offset, GPS position) spliced in after the start of image,
// laid out as cameras write it (TIFF header, IFD0 → Exif IFD and GPS IFD).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const u16 = (v) => [v & 255, (v >> 8) & 255];
const u32 = (v) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255];
const be16 = (v) => [(v >> 8) & 255, v & 255];
const ascii = (s) => [...s].map((c) => c.charCodeAt(0));

function tiff({ time, offset, lat, lon }) {
  const str = (tag, s) => ({ tag, type: 2, count: s.length + 1, bytes: [...ascii(s), 0] });
  const rational = (xs) => xs.flatMap((x) => [...u32(Math.round(x * 100)), ...u32(100)]);
  const ex = [str(0x9003, time), str(0x9011, offset)];
  const gps = [
    str(1, 'N'),
    { tag: 2, type: 5, count: 3, bytes: rational(lat) },
    str(3, 'E'),
    { tag: 4, type: 5, count: 3, bytes: rational(lon) },
  ];
  const exifAt = 8 + 2 + 12 * 2 + 4;
  const gpsAt = exifAt + 2 + 12 * ex.length + 4;
  const dataAt = gpsAt + 2 + 12 * gps.length + 4;
  const data = [];
  const entry = (e) => {
    let value;
    if (e.bytes.length <= 4) value = [...e.bytes, 0, 0, 0, 0].slice(0, 4);
    else {
      value = u32(dataAt + data.length);
      data.push(...e.bytes);
      if (data.length % 2) data.push(0);
    }
    return [...u16(e.tag), ...u16(e.type), ...u32(e.count), ...value];
  };
  const ifd = (es) => [...u16(es.length), ...es.flatMap(entry), ...u32(0)];
  const ifd0 = ifd([
    { tag: 0x8769, type: 4, count: 1, bytes: u32(exifAt) },
    { tag: 0x8825, type: 4, count: 1, bytes: u32(gpsAt) },
  ]);
  return [...ascii('II'), ...u16(42), ...u32(8), ...ifd0, ...ifd(ex), ...ifd(gps), ...data];
}

/** Writes a `width`×`height` JPEG with the given EXIF to `path`. */
export function cameraPhoto(path, { width = 1600, height = 1200, exif }) {
  execFileSync('convert', ['-size', `${width}x${height}`, 'gradient:#c9b27c-#4f6b3a', '-quality', '90', `jpeg:${path}`]);
  const jpeg = readFileSync(path);
  const body = [...ascii('Exif'), 0, 0, ...tiff(exif)];
  const app1 = Buffer.from([0xff, 0xe1, ...be16(body.length + 2), ...body]);
  writeFileSync(path, Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]));
}
