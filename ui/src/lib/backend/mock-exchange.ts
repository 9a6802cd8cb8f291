// The photos, samples and data-exchange part of the in-memory mock backend. Photos, sighting
// CSVs and Darwin Core Archives are not read here: for a fixed set of files the mock answers
// what the real commands answered, recorded by crates/app/tests/recorded.rs (recorded/*.json).
// Lab results are still read, mapped and matched by barcode here.
import type {
  Body,
  Current,
  DwcaImportReport,
  ErrorPayload,
  FieldError,
  ImportReport,
  LabResultReport,
  Observation,
  ResultSummary,
  Sample,
  SampleResult,
  Site,
  Taxon,
} from '../bindings/core';
import type { MockStore } from './mock-planning';
import { archiveByBytes, csvByBytes, photoByBytes, photoBySha } from './mock-recorded';
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

const DETECTED = { encoding: 'UTF-8', bom: false, separator: ',', decimal_comma: false };

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

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
const fold = (s: string) => s.trim().toLowerCase().replaceAll('ё', 'е');

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

  /** Adds the sightings a recorded import made. Their taxon ids are the recording store's, so
   * each gets the mock's own taxon of the same scientific name. */
  async function addRecorded(api: Backend, rows: { scientific_name: string | null; observation: Observation }[]) {
    for (const { scientific_name, observation } of rows) {
      const t = scientific_name ? resolveTaxon(scientific_name) : null;
      const taxon = t && 'id' in t ? t.id : null;
      await api.createRecord({ kind: 'observation', body: { ...observation, taxon, taxon_name: taxon ? null : (observation.taxon_name ?? scientific_name) } });
    }
  }

  return {
    async photoStore(fileName: string, bytes: Uint8Array) {
      const r = photoByBytes(bytes);
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
      return blobs.has(sha) ? (photoBySha(sha)?.thumbnail ?? null) : null;
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
      const r = csvByBytes(bytes);
      if (!r) throw invalid('file', 'format', 'the mock backend has no recorded reply for this file (see crates/app/tests/recorded.rs)');
      return structuredClone(r.preview);
    },

    async csvImport(this: Backend, bytes: Uint8Array, columns: (string | null)[], allOrNothing: boolean): Promise<ImportReport> {
      const r = csvByBytes(bytes)?.imports.find((i) => JSON.stringify(i.columns) === JSON.stringify(columns) && i.all_or_nothing === allOrNothing);
      if (!r) throw invalid('columns', 'format', 'the mock backend has no recorded import of this file with this mapping (see crates/app/tests/recorded.rs)');
      await addRecorded(this, r.imported);
      return structuredClone(r.report);
    },

    async dwcaImport(this: Backend, bytes: Uint8Array): Promise<DwcaImportReport> {
      const r = archiveByBytes(bytes);
      if (!r) throw invalid('file', 'dwca', 'the mock backend has no recorded reply for this archive (see crates/app/tests/recorded.rs)');
      if (r.error) throw new BackendError(r.error);
      await addRecorded(this, r.imported ?? []);
      return structuredClone(r.report!);
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
