// The photos, samples and data-exchange part of the in-memory mock backend. It checks and
// reads files the way the Rust backend does for what the UI relies on: photos are refused when
// empty, cut short or not an image, keyed by SHA-256, and their EXIF time and position read;
// CSV and Darwin Core imports map, check and write rows; lab results are matched by barcode.
import type {
  Body,
  Current,
  DwcaImportReport,
  DwcaRowError,
  FieldError,
  ImportReport,
  LabResultReport,
  Observation,
  PhotoInfo,
  ResultSummary,
  RowError,
  Sample,
  SampleResult,
  Site,
  Taxon,
} from '../bindings/core';
import type { MockStore } from './mock-planning';
import { BackendError, type Backend } from './types';

type ExchangeApi = Pick<
  Backend,
  'photoStore' | 'photoThumbnail' | 'photoData' | 'photoFetch' | 'labResultsPreview' | 'labResultsImport' | 'sampleSummary' | 'csvPreview' | 'csvImport' | 'dwcaImport' | 'exportFile'
>;

/** The sync server the mock laptops share: photos it holds can be fetched with `photoFetch`. */
export const mockServer = { photos: new Map<string, Uint8Array>() };

const invalid = (field: string, rule: string, message: string): BackendError =>
  new BackendError({ code: 'invalid', message, fields: [{ field, rule, message }] });

// ---------------------------------------------------------------------------------------------
// SHA-256 (the blob store's key), in plain TypeScript so it runs anywhere synchronously.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export function sha256Hex(data: Uint8Array): string {
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const len = data.length;
  const total = Math.ceil((len + 9) / 64) * 64;
  const buf = new Uint8Array(total);
  buf.set(data);
  buf[len] = 0x80;
  const view = new DataView(buf.buffer);
  view.setUint32(total - 8, Math.floor((len * 8) / 2 ** 32));
  view.setUint32(total - 4, (len * 8) >>> 0);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  return [...h].map((x) => x.toString(16).padStart(8, '0')).join('');
}

// ---------------------------------------------------------------------------------------------
// Photos: format check, size and EXIF.

type Format = 'JPEG' | 'PNG' | 'GIF' | 'WEBP' | 'TIFF';

function formatOf(b: Uint8Array): Format | null {
  const at = (i: number, ...xs: number[]) => xs.every((x, j) => b[i + j] === x);
  if (at(0, 0xff, 0xd8, 0xff)) return 'JPEG';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'PNG';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'GIF';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'WEBP';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'TIFF';
  return null;
}

function lastIndexOfPair(b: Uint8Array, x: number, y: number, from = b.length - 2): number {
  for (let i = from; i >= 0; i--) if (b[i] === x && b[i + 1] === y) return i;
  return -1;
}

interface Decoded {
  width: number;
  height: number;
  info: PhotoInfo;
}

const NO_INFO: PhotoInfo = { local_time: null, utc_offset: null, taken_at: null, lat: null, lon: null, altitude_m: null, uncertainty_m: null };

function readExif(tiff: DataView): PhotoInfo {
  const le = tiff.getUint16(0) === 0x4949;
  const u16 = (o: number) => tiff.getUint16(o, le);
  const u32 = (o: number) => tiff.getUint32(o, le);
  const sizes: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };
  function ifd(off: number): Map<number, { type: number; count: number; at: number }> {
    const out = new Map<number, { type: number; count: number; at: number }>();
    if (off <= 0 || off + 2 > tiff.byteLength) return out;
    const n = u16(off);
    for (let i = 0; i < n; i++) {
      const e = off + 2 + i * 12;
      if (e + 12 > tiff.byteLength) break;
      const type = u16(e + 2);
      const count = u32(e + 4);
      const size = (sizes[type] ?? 1) * count;
      out.set(u16(e), { type, count, at: size <= 4 ? e + 8 : u32(e + 8) });
    }
    return out;
  }
  const ascii = (m: Map<number, { type: number; count: number; at: number }>, tag: number) => {
    const e = m.get(tag);
    if (!e) return null;
    let s = '';
    for (let i = 0; i < e.count && e.at + i < tiff.byteLength; i++) {
      const c = tiff.getUint8(e.at + i);
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s.trim() || null;
  };
  const rationals = (m: Map<number, { type: number; count: number; at: number }>, tag: number) => {
    const e = m.get(tag);
    if (!e || e.type !== 5) return null;
    const out: number[] = [];
    for (let i = 0; i < e.count; i++) {
      const d = u32(e.at + i * 8 + 4);
      out.push(d === 0 ? NaN : u32(e.at + i * 8) / d);
    }
    return out;
  };
  const ifd0 = ifd(u32(4));
  const exifIfd = ifd0.has(0x8769) ? ifd(u32(ifd0.get(0x8769)!.at)) : new Map();
  const gps = ifd0.has(0x8825) ? ifd(u32(ifd0.get(0x8825)!.at)) : new Map();
  const raw = ascii(exifIfd, 0x9003);
  const m = raw?.match(/^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/);
  const local_time = m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : null;
  const off = ascii(exifIfd, 0x9011);
  const utc_offset = off && /^[+-]\d{2}:\d{2}$/.test(off) ? off : null;
  const dms = (v: number[] | null) => (v && v.length === 3 && v.every(Number.isFinite) ? v[0] + v[1] / 60 + v[2] / 3600 : null);
  let lat = dms(rationals(gps, 2));
  let lon = dms(rationals(gps, 4));
  if (lat !== null && ascii(gps, 1) === 'S') lat = -lat;
  if (lon !== null && ascii(gps, 3) === 'W') lon = -lon;
  const alt = rationals(gps, 6)?.[0] ?? null;
  const below = gps.get(5) ? tiff.getUint8(gps.get(5)!.at) === 1 : false;
  const err = rationals(gps, 0x1f)?.[0] ?? null;
  return {
    local_time,
    utc_offset,
    taken_at: local_time && utc_offset ? `${local_time}${utc_offset}` : null,
    lat: lat !== null && lon !== null ? lat : null,
    lon: lat !== null && lon !== null ? lon : null,
    altitude_m: alt === null || !Number.isFinite(alt) ? null : below ? -alt : alt,
    uncertainty_m: err === null || !Number.isFinite(err) ? null : err,
  };
}

function decodeJpeg(b: Uint8Array): Decoded {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let width = 0;
  let height = 0;
  let info = NO_INFO;
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const marker = b[i + 1];
    if (marker === 0xda || marker === 0xd9) break;
    const len = view.getUint16(i + 2);
    if (marker === 0xe1 && String.fromCharCode(...b.subarray(i + 4, i + 8)) === 'Exif') {
      try {
        info = readExif(new DataView(b.buffer, b.byteOffset + i + 10, len - 8));
      } catch {
        info = NO_INFO;
      }
    }
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      height = view.getUint16(i + 5);
      width = view.getUint16(i + 7);
    }
    i += 2 + len;
  }
  if (!width || !height) throw invalid('photo', 'corrupt', 'the JPEG file is damaged and cannot be read: no frame header');
  return { width, height, info };
}

function decodePhoto(b: Uint8Array): Decoded {
  if (b.length === 0) throw invalid('photo', 'empty', 'the file is empty');
  const format = formatOf(b);
  if (!format) {
    throw invalid('photo', 'unsupported_format', 'the file is not a photo in a format Dauria Field reads (JPEG, PNG, WebP, TIFF, GIF)');
  }
  if (format === 'JPEG') {
    const sos = lastIndexOfPair(b, 0xff, 0xda);
    if (sos < 0 || lastIndexOfPair(b, 0xff, 0xd9) < sos) {
      throw invalid('photo', 'truncated', 'the JPEG is cut short (it has no end-of-image marker); copy it from the camera again');
    }
    return decodeJpeg(b);
  }
  if (format === 'PNG') {
    if (b.length < 33) throw invalid('photo', 'truncated', 'the PNG file is cut short');
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { width: view.getUint32(16), height: view.getUint32(20), info: NO_INFO };
  }
  if (b.length < 16) throw invalid('photo', 'truncated', `the ${format} file is cut short`);
  return { width: 1, height: 1, info: NO_INFO };
}

function dataUrl(b: Uint8Array): string {
  const mime = { JPEG: 'image/jpeg', PNG: 'image/png', GIF: 'image/gif', WEBP: 'image/webp', TIFF: 'image/tiff' }[formatOf(b) ?? 'JPEG'];
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return `data:${mime};base64,${btoa(s)}`;
}

// ---------------------------------------------------------------------------------------------
// CSV

/** Rows of a CSV with the 1-based line each starts on (quoted fields may span lines). */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"') {
      quoted = true;
      any = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      if (any || cell) out.push({ line: start, cells: [...cells, cell] });
      cells = [];
      cell = '';
      any = false;
      line++;
      start = line;
    } else {
      cell += c;
      any = true;
    }
  }
  if (any || cell) out.push({ line: start, cells: [...cells, cell] });
  return out;
}

const decode = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);

const COLUMNS = ['id', 'taxon', 'count', 'count_min', 'count_max', 'unit', 'site', 'lat', 'lon', 'uncertainty_m', 'observed_at', 'observers', 'detection_method', 'behaviour', 'notes'];
const MAPPABLE = [...COLUMNS, 'position'];
// The mock reads UTF-8 comma-separated text only; the core detects the rest.
const DETECTED = { encoding: 'UTF-8', bom: false, separator: ',', decimal_comma: false };

const OBS_ALIASES: Record<string, string[]> = {
  taxon: ['taxon', 'species', 'scientific_name', 'scientificname', 'name'],
  count: ['count', 'individualcount', 'individual_count', 'n'],
  count_min: ['count_min', 'min'],
  count_max: ['count_max', 'max'],
  unit: ['unit', 'units'],
  site: ['site', 'locality', 'site_name'],
  lat: ['lat', 'latitude', 'decimallatitude'],
  lon: ['lon', 'lng', 'long', 'longitude', 'decimallongitude'],
  position: ['position', 'coordinates', 'coords'],
  uncertainty_m: ['uncertainty_m', 'uncertainty', 'coordinateuncertaintyinmeters'],
  observed_at: ['observed_at', 'time', 'date', 'datetime', 'eventdate', 'event_date'],
  observers: ['observers', 'observer', 'recordedby', 'recorded_by'],
  detection_method: ['detection_method', 'method', 'detection'],
  behaviour: ['behaviour', 'behavior'],
  notes: ['notes', 'remarks', 'occurrenceremarks', 'comment'],
  id: ['id'],
};
const LAB_ALIASES: Record<string, string[]> = {
  barcode: ['barcode', 'sample_barcode', 'sample_id', 'sample'],
  result: ['result', 'outcome', 'test_result'],
  result_date: ['result_date', 'date', 'tested_on', 'date_tested'],
  test: ['test', 'method', 'assay'],
  pathogen: ['pathogen', 'target', 'target_pathogen'],
  lab: ['lab', 'laboratory'],
};
const LAB_COLUMNS = Object.keys(LAB_ALIASES);
const aliasOf = (aliases: Record<string, string[]>, header: string): string | null => {
  const h = header.trim().toLowerCase().replace(/[ -]/g, '_');
  return Object.entries(aliases).find(([, xs]) => xs.includes(h))?.[0] ?? null;
};

function parseResult(s: string): SampleResult | null {
  const v = s.trim().toLowerCase();
  if (['pending', 'not tested', ''].includes(v)) return 'pending';
  if (['negative', 'neg', '-', 'not detected'].includes(v)) return 'negative';
  if (['positive', 'pos', '+', 'detected'].includes(v)) return 'positive';
  if (['inconclusive', 'equivocal', 'indeterminate'].includes(v)) return 'inconclusive';
  return null;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
const fold = (s: string) => s.trim().toLowerCase().replaceAll('ё', 'е');

// ---------------------------------------------------------------------------------------------
// Zip (stored or deflated entries), for Darwin Core Archives.

async function unzip(b: Uint8Array): Promise<Map<string, Uint8Array>> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 65557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw invalid('file', 'format', 'not a Darwin Core Archive (zip): no end of central directory');
  const n = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let k = 0; k < n; k++) {
    if (view.getUint32(p, true) !== 0x02014b50) throw invalid('file', 'format', 'not a Darwin Core Archive (zip): bad central directory');
    const method = view.getUint16(p + 10, true);
    const size = view.getUint32(p + 20, true);
    const nameLen = view.getUint16(p + 28, true);
    const extra = view.getUint16(p + 30, true);
    const comment = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    const name = decode(b.subarray(p + 46, p + 46 + nameLen));
    const dataAt = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = b.subarray(dataAt, dataAt + size);
    if (method === 0) out.set(name, raw);
    else if (method === 8 && typeof DecompressionStream !== 'undefined') {
      const stream = new Blob([new Uint8Array(raw)]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
      out.set(name, new Uint8Array(await new Response(stream).arrayBuffer()));
    } else throw invalid('file', 'format', `${name}: compression method ${method} is not supported`);
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

export function exchangeMock(store: MockStore): ExchangeApi {
  const blobs = new Map<string, Uint8Array>();

  const bodies = <T>(kind: string) =>
    store.list().flatMap((c: Current) => (c.body?.kind === kind ? [{ id: c.id, rev: c.rev_id, body: c.body.body as T }] : []));

  /** Resolves a name to one taxon id like the checklist does: scientific, synonym or vernacular. */
  function resolveTaxon(name: string): { id: string } | { error: string } {
    const q = fold(name);
    const hits = new Set<string>();
    for (const t of bodies<Taxon>('taxon')) {
      const b = t.body;
      const names = [b.scientific_name, ...b.synonyms, ...b.names.map((n) => n.name)];
      const parts = names.flatMap((n) => [n, ...n.split(/[()（）]/).map((p) => p.trim()).filter(Boolean)]);
      if (parts.some((p) => fold(p) === q)) hits.add(t.id);
    }
    if (hits.size === 1) return { id: [...hits][0] };
    if (hits.size > 1) return { error: `'${name}' matches ${hits.size} taxa; use the scientific name` };
    return { error: `no taxon named '${name}' on the checklist` };
  }

  function resolveSite(name: string): { id: string } | { error: string } {
    const hits = bodies<Site>('site').filter((s) => fold(s.body.name) === fold(name));
    if (hits.length === 1) return { id: hits[0].id };
    return { error: hits.length ? `'${name}' matches ${hits.length} sites` : `no site named '${name}'` };
  }

  return {
    async photoStore(fileName: string, bytes: Uint8Array) {
      let d: Decoded;
      try {
        d = decodePhoto(bytes);
      } catch (e) {
        if (e instanceof BackendError && fileName) {
          const p = e.payload;
          throw new BackendError({
            code: p.code,
            message: `${fileName}: ${p.message}`,
            fields: p.fields.map((f: FieldError) => ({ ...f, message: `${fileName}: ${f.message}` })),
          });
        }
        throw e;
      }
      const sha256 = sha256Hex(bytes);
      const newly_stored = !blobs.has(sha256);
      if (newly_stored) blobs.set(sha256, bytes.slice());
      return { sha256, newly_stored, width: d.width, height: d.height, info: d.info };
    },
    async photoThumbnail(sha: string) {
      if (!/^[0-9a-f]{64}$/.test(sha)) throw invalid('sha', 'format', `'${sha}' is not a SHA-256`);
      const b = blobs.get(sha);
      return b ? dataUrl(b) : null;
    },
    async photoData(sha: string) {
      const b = blobs.get(sha);
      if (!b) throw new BackendError({ code: 'not_found', message: `no photo with hash ${sha}`, fields: [] });
      return b.slice();
    },
    async photoFetch(sha: string) {
      if (!/^[0-9a-f]{64}$/.test(sha)) throw invalid('sha', 'format', `'${sha}' is not a SHA-256`);
      const b = mockServer.photos.get(sha);
      if (!b) return false;
      blobs.set(sha, b.slice());
      return true;
    },

    async labResultsPreview(bytes: Uint8Array) {
      const rows = parseCsv(decode(bytes));
      if (!rows.length) throw invalid('file', 'format', 'cannot read the CSV header: the file is empty');
      const headers = rows[0].cells;
      const seen = new Set<string>();
      const guessed = headers.map((h) => {
        const c = aliasOf(LAB_ALIASES, h);
        if (!c || seen.has(c)) return null;
        seen.add(c);
        return c;
      });
      return { headers, guessed, rows: rows.slice(1, 9).map((r) => r.cells), columns: [...LAB_COLUMNS], ...DETECTED };
    },

    async labResultsImport(this: Backend, bytes: Uint8Array, columns?: (string | null)[]): Promise<LabResultReport> {
      const rows = parseCsv(decode(bytes));
      const headers = rows.shift()?.cells ?? [];
      const cols = new Map<string, number>();
      if (columns) {
        if (columns.length !== headers.length) {
          throw invalid('columns', 'count', `the mapping names ${columns.length} columns but the CSV has ${headers.length}`);
        }
        columns.forEach((c, i) => {
          if (!c) return;
          if (!LAB_COLUMNS.includes(c)) throw invalid('columns', 'unknown_column', `'${c}' is not a lab results column`);
          if (cols.has(c)) throw invalid('columns', 'duplicate', `two headers are mapped to '${c}'`);
          cols.set(c, i);
        });
      } else {
        headers.forEach((h, i) => {
          const c = aliasOf(LAB_ALIASES, h);
          if (c && !cols.has(c)) cols.set(c, i);
        });
      }
      for (const needed of ['barcode', 'result']) {
        if (!cols.has(needed)) {
          throw invalid('file', 'missing_column', `the CSV has no '${needed}' column (headers found: ${headers.join(', ')})`);
        }
      }
      const byBarcode = new Map<string, { id: string; rev: string; body: Sample }[]>();
      for (const s of bodies<Sample>('sample')) {
        const k = s.body.barcode.trim().toLowerCase();
        byBarcode.set(k, [...(byBarcode.get(k) ?? []), s]);
      }
      const header = (c: string) => (cols.has(c) ? headers[cols.get(c)!] : c);
      const report: LabResultReport = { rows: 0, updated: 0, unchanged: 0, unmatched: [], errors: [] };
      const updates = new Map<string, { rev: string; old: Sample; body: Sample }>();
      for (const { line, cells } of rows) {
        report.rows += 1;
        const get = (c: string) => {
          const v = cols.has(c) ? cells[cols.get(c)!]?.trim() : undefined;
          return v ? v : null;
        };
        const err = (c: string, reason: string, rule = 'format', value: string | null = null) =>
          report.errors.push({ line, column: header(c), field: c, rule, value, reason });
        const barcode = get('barcode');
        if (!barcode) {
          err('barcode', 'the barcode is missing', 'required');
          continue;
        }
        const raw = get('result') ?? '';
        const result = parseResult(raw);
        if (!result) {
          err('result', `'${raw}' is not one of pending, negative, positive, inconclusive`, 'unknown_result', raw);
          continue;
        }
        const date = get('result_date');
        if (date && !isDate(date)) {
          err('result_date', `'${date}' is not a date like 2026-06-01`);
          continue;
        }
        const matches = byBarcode.get(barcode.toLowerCase()) ?? [];
        if (matches.length === 0) {
          report.unmatched.push({ line, barcode });
          continue;
        }
        if (matches.length > 1) {
          err('barcode', `barcode ${barcode} is on ${matches.length} samples; fix the labels first`, 'ambiguous_barcode', barcode);
          continue;
        }
        const m = matches[0];
        const s: Sample = { ...(updates.get(m.id)?.body ?? m.body), result };
        if (date) s.result_date = date;
        for (const c of ['test', 'pathogen', 'lab'] as const) {
          const v = get(c);
          if (v) s[c] = v;
        }
        updates.set(m.id, { rev: m.rev, old: m.body, body: s });
      }
      for (const [id, u] of updates) {
        if (JSON.stringify(u.old) === JSON.stringify(u.body)) report.unchanged += 1;
        else {
          await this.updateRecord(id, u.rev, { kind: 'sample', body: u.body });
          report.updated += 1;
        }
      }
      return report;
    },

    async sampleSummary(): Promise<ResultSummary[]> {
      const obs = new Map(bodies<Observation>('observation').map((o) => [o.id, o.body]));
      const sites = new Map(bodies<Site>('site').map((s) => [s.id, s.body]));
      const taxa = new Map(bodies<Taxon>('taxon').map((t) => [t.id, t.body]));
      const groups = new Map<string, ResultSummary>();
      for (const { body: s } of bodies<Sample>('sample')) {
        const host = obs.get(s.host_observation);
        const site_id = host?.site ?? null;
        const site_name = site_id ? (sites.get(site_id)?.name ?? null) : null;
        const host_taxon = host?.taxon ?? null;
        const host_name = (host_taxon ? taxa.get(host_taxon)?.scientific_name : null) ?? host?.taxon_name ?? null;
        const key = JSON.stringify([site_name, site_id, host_name, host_taxon, s.pathogen]);
        const g = groups.get(key) ?? { site_id, site_name, host_taxon, host_name, pathogen: s.pathogen, pending: 0, negative: 0, positive: 0, inconclusive: 0 };
        g[s.result] += 1;
        groups.set(key, g);
      }
      const k = (x: string | null) => x ?? '';
      return [...groups.values()].sort(
        (a, b) => k(a.site_name).localeCompare(k(b.site_name)) || k(a.host_name).localeCompare(k(b.host_name)) || k(a.pathogen).localeCompare(k(b.pathogen)),
      );
    },

    async csvPreview(bytes: Uint8Array) {
      const rows = parseCsv(decode(bytes));
      if (!rows.length) throw invalid('file', 'format', 'cannot read the CSV header: the file is empty');
      const headers = rows[0].cells;
      const seen = new Set<string>();
      const guessed = headers.map((h) => {
        const c = aliasOf(OBS_ALIASES, h);
        if (!c || seen.has(c)) return null;
        seen.add(c);
        return c;
      });
      return { headers, guessed, rows: rows.slice(1, 9).map((r) => r.cells), columns: [...MAPPABLE], ...DETECTED };
    },

    async csvImport(this: Backend, bytes: Uint8Array, columns: (string | null)[], allOrNothing: boolean): Promise<ImportReport> {
      const rows = parseCsv(decode(bytes));
      const headers = rows.shift()?.cells ?? [];
      if (columns.length !== headers.length) {
        throw invalid('columns', 'count', `the mapping names ${columns.length} columns but the CSV has ${headers.length}`);
      }
      const cols = new Map<string, number>();
      columns.forEach((c, i) => {
        if (!c) return;
        if (!MAPPABLE.includes(c)) throw invalid('columns', 'unknown_column', `'${c}' is not a column an observation has`);
        if (cols.has(c)) throw invalid('columns', 'duplicate', `two headers are mapped to '${c}'`);
        cols.set(c, i);
      });
      for (const needed of ['taxon', 'observed_at']) {
        if (!cols.has(needed)) {
          throw invalid('file', 'missing_column', `the CSV has no '${needed}' column (headers found: ${headers.join(', ')})`);
        }
      }
      if (!cols.has('count') && !cols.has('count_min')) throw invalid('file', 'missing_column', "the CSV has no 'count' column");
      const header = (c: string) => (cols.has(c) ? headers[cols.get(c)!] : c);
      const report: ImportReport = { rows: 0, imported: 0, already_imported: 0, errors: [], rolled_back: false };
      const good: Observation[] = [];
      for (const { line, cells } of rows) {
        report.rows += 1;
        const get = (c: string) => {
          const v = cols.has(c) ? cells[cols.get(c)!]?.trim() : undefined;
          return v ? v : null;
        };
        const errs: RowError[] = [];
        const err = (c: string, reason: string, rule = 'format', value: string | null = null) =>
          errs.push({ line, column: header(c), field: c, rule, value, reason });
        let taxon: string | null = null;
        const name = get('taxon');
        if (!name) err('taxon', 'the species is missing', 'required');
        else {
          const r = resolveTaxon(name);
          if ('id' in r) taxon = r.id;
          else err('taxon', r.error, 'unknown_taxon', name);
        }
        let site: string | null = null;
        const siteName = get('site');
        if (siteName) {
          const r = resolveSite(siteName);
          if ('id' in r) site = r.id;
          else err('site', r.error, 'unknown_site', siteName);
        }
        const number = (c: string, whole: boolean) => {
          const v = get(c);
          if (v === null) return null;
          const n = Number(v);
          if (!Number.isFinite(n) || (whole && !Number.isInteger(n))) {
            err(c, whole ? `'${v}' is not a whole number` : `'${v}' is not a number`, whole ? 'not_integer' : 'not_number', v);
            return null;
          }
          if (whole && n < 0) {
            err(c, `count ${n} is negative`, 'negative', v);
            return null;
          }
          return n;
        };
        let lat: number | null = null;
        let lon: number | null = null;
        const pos = get('position');
        if (pos) {
          const m = pos.match(/^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$/);
          if (m) [lat, lon] = [Number(m[1]), Number(m[2])];
          else err('position', `cannot read the position '${pos}'`);
        } else {
          lat = number('lat', false);
          lon = number('lon', false);
        }
        const unitRaw = get('unit');
        const units = ['individuals', 'pairs', 'nests', 'burrows', 'colonies'] as const;
        const unit = units.find((u) => u === unitRaw?.toLowerCase()) ?? 'individuals';
        if (unitRaw && !units.some((u) => u === unitRaw.toLowerCase())) {
          err('unit', `unit '${unitRaw}' is not one of individuals, pairs, nests, burrows, colonies`, 'unknown_unit', unitRaw);
        }
        const at = get('observed_at');
        if (!at) err('observed_at', 'the time is missing', 'required');
        else if (!RFC3339.test(at)) err('observed_at', `'${at}' is not a date and time with offset like 2026-06-01T07:30:00+08:00`);
        const o: Observation = {
          visit: null,
          site,
          taxon,
          taxon_name: null,
          count: number('count', true),
          count_min: number('count_min', true),
          count_max: number('count_max', true),
          unit,
          sex: null,
          age: null,
          behaviour: get('behaviour'),
          lat,
          lon,
          uncertainty_m: number('uncertainty_m', false),
          observed_at: at ?? '',
          observers: (get('observers') ?? '').split(';').map((s) => s.trim()).filter(Boolean),
          detection_method: get('detection_method'),
          notes: get('notes'),
          photos: [],
        };
        if (!errs.length) {
          if (o.count === null && (o.count_min === null || o.count_max === null)) err('count', 'give a count, or a minimum and a maximum');
          if (o.site === null && (o.lat === null || o.lon === null)) err('lat', 'choose a site or give coordinates');
          if (o.lat !== null && Math.abs(o.lat) > 90) err('lat', `latitude ${o.lat} is out of range`);
          if (o.lon !== null && Math.abs(o.lon) > 180) err('lon', `longitude ${o.lon} is out of range`);
        }
        if (errs.length) report.errors.push(...errs);
        else good.push(o);
      }
      if (allOrNothing && report.errors.length) {
        report.rolled_back = true;
        return report;
      }
      for (const o of good) await this.createRecord({ kind: 'observation', body: o });
      report.imported = good.length;
      return report;
    },

    async dwcaImport(this: Backend, bytes: Uint8Array): Promise<DwcaImportReport> {
      const files = await unzip(bytes);
      const meta = files.get('meta.xml');
      if (!meta) throw invalid('file', 'format', 'the archive has no meta.xml');
      const xml = decode(meta);
      const core = xml.match(/<core\b([^>]*)>([\s\S]*?)<\/core>/);
      if (!core) throw invalid('file', 'format', 'meta.xml has no core');
      const rowType = core[1].match(/rowType="([^"]+)"/)?.[1] ?? '';
      if (!rowType.endsWith('/Occurrence')) {
        throw invalid('file', 'format', `the core is ${rowType}; the preview imports occurrence cores only`);
      }
      const location = core[2].match(/<location>([^<]+)<\/location>/)?.[1]?.trim() ?? '';
      const skip = Number(core[1].match(/ignoreHeaderLines="(\d+)"/)?.[1] ?? '0');
      const sep = (core[1].match(/fieldsTerminatedBy="([^"]*)"/)?.[1] ?? '\\t').replace('\\t', '\t');
      const terms = new Map<string, number>();
      for (const f of core[2].matchAll(/<field\b[^>]*index="(\d+)"[^>]*term="([^"]+)"/g)) terms.set(f[2].split('/').pop()!, Number(f[1]));
      const data = files.get(location);
      if (!data) throw invalid('file', 'format', `the archive has no ${location}`);
      const lines = decode(data).split(/\r?\n/);
      const report: DwcaImportReport = { rows: 0, imported: 0, already_imported: 0, unmatched_names: [], errors: [], taxa: { rows: 0, added: 0, already_listed: 0, synonyms: 0, names_added: 0, added_names: [], skipped: [] } };
      const unmatched = new Map<string, number>();
      const errors: DwcaRowError[] = [];
      for (let i = skip; i < lines.length; i++) {
        if (!lines[i].trim()) continue;
        const cells = lines[i].split(sep);
        const line = i + 1;
        report.rows += 1;
        const get = (term: string) => {
          const v = terms.has(term) ? cells[terms.get(term)!]?.trim() : undefined;
          return v ? v : null;
        };
        const err = (term: string, reason: string) => errors.push({ file: location, line, term, reason });
        const name = get('scientificName') ?? get('vernacularName');
        if (!name) {
          err('scientificName', 'the name is missing');
          continue;
        }
        const date = get('eventDate');
        if (!date) {
          err('eventDate', 'the date is missing');
          continue;
        }
        const observed_at = RFC3339.test(date) ? date : isDate(date) ? `${date}T00:00:00+00:00` : null;
        if (!observed_at) {
          err('eventDate', `'${date}' is not a date`);
          continue;
        }
        const lat = get('decimalLatitude');
        const lon = get('decimalLongitude');
        if (lat === null || lon === null || !Number.isFinite(Number(lat)) || !Number.isFinite(Number(lon))) {
          err('decimalLatitude', 'the position is missing');
          continue;
        }
        const r = resolveTaxon(name);
        if (!('id' in r)) unmatched.set(name, (unmatched.get(name) ?? 0) + 1);
        const count = Number(get('individualCount') ?? '1');
        const body: Body = {
          kind: 'observation',
          body: {
            visit: null, site: null, taxon: 'id' in r ? r.id : null, taxon_name: 'id' in r ? null : name,
            count: Number.isInteger(count) && count >= 0 ? count : 1, count_min: null, count_max: null, unit: 'individuals',
            sex: null, age: null, behaviour: null, lat: Number(lat), lon: Number(lon),
            uncertainty_m: get('coordinateUncertaintyInMeters') === null ? null : Number(get('coordinateUncertaintyInMeters')),
            observed_at, observers: (get('recordedBy') ?? '').split('|').map((s) => s.trim()).filter(Boolean),
            detection_method: null, notes: get('occurrenceRemarks'), photos: [],
          },
        };
        await this.createRecord(body);
        report.imported += 1;
      }
      report.unmatched_names = [...unmatched.entries()].sort((a, b) => a[0].localeCompare(b[0]));
      report.errors = errors;
      return report;
    },

    async exportFile(this: Backend, format, survey) {
      if (format === 'gpx' && !survey) throw invalid('survey', 'required', 'choose a survey to export its routes');
      const dir = ((await this.getSetting('export_dir')) ?? '').trim() || '/home/mock/Documents/Dauria Field';
      const stem = { dwca: 'dwca', csv: 'observations', geojson: 'observations', gpx: 'routes' }[format];
      const ext = { dwca: 'zip', csv: 'csv', geojson: 'geojson', gpx: 'gpx' }[format];
      const records = format === 'gpx' ? 0 : (await this.observations({}, null, 1_000_000)).rows.length;
      return { path: `${dir}/dauria-${stem}-20260601-120000.${ext}`, size_bytes: 512 + records * 180, records };
    },
  };
}
