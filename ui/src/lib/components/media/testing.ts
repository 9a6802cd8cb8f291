// Test photos: small but well-formed JPEGs, optionally with an EXIF time and GPS position.
const u16 = (v: number) => [v & 255, (v >> 8) & 255];
const u32 = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255];
const be16 = (v: number) => [(v >> 8) & 255, v & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

export interface TestExif {
  /** `2026:06:01 07:42:00` */
  time?: string;
  offset?: string;
  /** Degrees, minutes, seconds. */
  lat?: [number, number, number];
  latRef?: 'N' | 'S';
  lon?: [number, number, number];
  lonRef?: 'E' | 'W';
  errorM?: number;
}

type Entry = { tag: number; type: number; count: number; bytes: number[] };

function tiff(exif: TestExif): number[] {
  const ex: Entry[] = [];
  if (exif.time) ex.push({ tag: 0x9003, type: 2, count: exif.time.length + 1, bytes: [...ascii(exif.time), 0] });
  if (exif.offset) ex.push({ tag: 0x9011, type: 2, count: exif.offset.length + 1, bytes: [...ascii(exif.offset), 0] });
  const rational = (xs: number[]) => xs.flatMap((x) => [...u32(Math.round(x * 100)), ...u32(100)]);
  const gps: Entry[] = [];
  if (exif.lat && exif.lon) {
    gps.push({ tag: 1, type: 2, count: 2, bytes: [...ascii(exif.latRef ?? 'N'), 0] });
    gps.push({ tag: 2, type: 5, count: 3, bytes: rational(exif.lat) });
    gps.push({ tag: 3, type: 2, count: 2, bytes: [...ascii(exif.lonRef ?? 'E'), 0] });
    gps.push({ tag: 4, type: 5, count: 3, bytes: rational(exif.lon) });
    if (exif.errorM !== undefined) gps.push({ tag: 0x1f, type: 5, count: 1, bytes: rational([exif.errorM]) });
  }
  const ifd0At = 8;
  const exifAt = ifd0At + 2 + 12 * 2 + 4;
  const gpsAt = exifAt + 2 + 12 * ex.length + 4;
  const dataAt = gpsAt + 2 + 12 * gps.length + 4;
  const data: number[] = [];
  const entry = (e: Entry) => {
    let value: number[];
    if (e.bytes.length <= 4) value = [...e.bytes, 0, 0, 0, 0].slice(0, 4);
    else {
      value = u32(dataAt + data.length);
      data.push(...e.bytes);
      if (data.length % 2) data.push(0);
    }
    return [...u16(e.tag), ...u16(e.type), ...u32(e.count), ...value];
  };
  const ifd = (es: Entry[]) => [...u16(es.length), ...es.flatMap(entry), ...u32(0)];
  const ifd0 = ifd([
    { tag: 0x8769, type: 4, count: 1, bytes: u32(exifAt) },
    { tag: 0x8825, type: 4, count: 1, bytes: u32(gpsAt) },
  ]);
  const exifIfd = ifd(ex);
  const gpsIfd = ifd(gps);
  return [...ascii('II'), ...u16(42), ...u32(8), ...ifd0, ...exifIfd, ...gpsIfd, ...data];
}

/** A JPEG of `width`×`height`; `seed` changes its bytes (and so its hash). */
export function jpeg(opts: { width?: number; height?: number; exif?: TestExif; seed?: number; truncated?: boolean } = {}): Uint8Array {
  const { width = 640, height = 480, exif, seed = 0, truncated = false } = opts;
  const out: number[] = [0xff, 0xd8];
  if (exif) {
    const body = [...ascii('Exif'), 0, 0, ...tiff(exif)];
    out.push(0xff, 0xe1, ...be16(body.length + 2), ...body);
  }
  out.push(0xff, 0xc0, ...be16(11), 8, ...be16(height), ...be16(width), 1, 1, 0x11, 0);
  out.push(0xff, 0xda, ...be16(8), 1, 1, 0, 0, 0x3f, 0);
  for (let i = 0; i < 64; i++) out.push((seed * 31 + i * 7) % 0xfe);
  if (!truncated) out.push(0xff, 0xd9);
  return new Uint8Array(out);
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
