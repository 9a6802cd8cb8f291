// The photos, samples and data-exchange part of the in-memory mock backend. It checks and
// reads files the way the Rust backend does for what the UI relies on: photos are refused when
// empty, cut short or not an image, keyed by SHA-256, and their EXIF time and position read;
// CSV and Darwin Core imports map, check and write rows; lab results are matched by barcode.
import type {
  Body,
  Current,
  DwcaImportReport,
  DwcaRowError,
  ErrorPayload,
  FieldError,
  ImportReport,
  LabResultReport,
  Observation,
  ResultSummary,
  RowError,
  Sample,
  SampleResult,
  Site,
  StoredPhoto,
  Taxon,
} from '../bindings/core';
import type { MockStore } from './mock-planning';
import recordedPhotos from './recorded/photos.json';
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
// Photos: the mock reads none itself. It answers with what the real commands answered for the
// same bytes, recorded by crates/app/tests/recorded.rs (its test fails when the recording is
// stale); other bytes are refused.

interface Recorded {
  file: string;
  stored?: StoredPhoto;
  thumbnail?: string;
  error?: ErrorPayload;
}

export type RecordedPhotoName = keyof typeof recordedPhotos;

const base64Bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

function base64Of(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A recorded file's bytes and what the real `photo_store` answered for it. */
export function recordedPhoto(name: RecordedPhotoName): { bytes: Uint8Array; reply: Recorded } {
  const reply = recordedPhotos[name] as Recorded;
  return { bytes: base64Bytes(reply.file), reply };
}

const recordedByBytes = new Map<string, Recorded>(Object.values(recordedPhotos as Record<string, Recorded>).map((r) => [r.file, r]));
const recordedBySha = new Map<string, Recorded>(
  Object.values(recordedPhotos as Record<string, Recorded>).flatMap((r) => (r.stored ? [[r.stored.sha256, r] as const] : [])),
);

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
      const r = recordedByBytes.get(base64Of(bytes));
      const p: ErrorPayload | undefined = r
        ? r.error
        : {
            code: 'invalid',
            message: 'photo: the mock backend has no recorded reply for this file (see crates/app/tests/recorded.rs)',
            fields: [{ field: 'photo', rule: 'unsupported_format', message: 'the mock backend has no recorded reply for this file' }],
          };
      if (p) {
        // As the shell does: the file's name before the reason.
        const named = (m: string) => (fileName ? `${fileName}: ${m}` : m);
        throw new BackendError({ ...p, message: named(p.message), fields: p.fields.map((f: FieldError) => ({ ...f, message: named(f.message) })) });
      }
      const stored = r!.stored!;
      const newly_stored = !blobs.has(stored.sha256);
      if (newly_stored) blobs.set(stored.sha256, bytes.slice());
      return { ...stored, newly_stored };
    },
    async photoThumbnail(sha: string) {
      if (!/^[0-9a-f]{64}$/.test(sha)) throw invalid('sha', 'format', `'${sha}' is not a SHA-256`);
      return blobs.has(sha) ? (recordedBySha.get(sha)?.thumbnail ?? null) : null;
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
