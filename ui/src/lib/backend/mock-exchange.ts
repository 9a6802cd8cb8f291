// The photos, samples and data-exchange part of the in-memory mock backend. It reads no file
// (photo, sighting CSV, lab results, Darwin Core Archive): for a fixed set of files it answers
// what the real commands answered, recorded by crates/app/tests/recorded.rs (recorded/*.json).
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
  Site,
  Taxon,
} from '../bindings/core';
import type { MockStore } from './mock-planning';
import { archiveByBytes, csvByBytes, labByBytes, photoByBytes, photoBySha } from './mock-recorded';
import { BackendError, type Backend } from './types';

type ExchangeApi = Pick<
  Backend,
  'photoStore' | 'photoThumbnail' | 'photoData' | 'photoFetch' | 'labResultsPreview' | 'labResultsImport' | 'sampleSummary' | 'csvPreview' | 'csvImport' | 'dwcaImport' | 'exportFile'
>;

/** The sync server the mock laptops share: photos it holds can be fetched with `photoFetch`. */
export const mockServer = { photos: new Map<string, Uint8Array>() };

const invalid = (field: string, rule: string, message: string): BackendError =>
  new BackendError({ code: 'invalid', message, fields: [{ field, rule, message }] });

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
      const r = labByBytes(bytes);
      if (!r) throw invalid('file', 'format', 'the mock backend has no recorded reply for this file (see crates/app/tests/recorded.rs)');
      if (r.preview.error) throw new BackendError(r.preview.error);
      return structuredClone(r.preview.preview!);
    },

    // What the real import answered for the same file and mapping; the samples it changed are
    // changed here too, found by barcode.
    async labResultsImport(this: Backend, bytes: Uint8Array, columns?: (string | null)[]): Promise<LabResultReport> {
      const r = labByBytes(bytes)?.imports.find((i) => JSON.stringify(i.columns) === JSON.stringify(columns ?? null));
      if (!r) throw invalid('columns', 'format', 'the mock backend has no recorded import of this file with this mapping (see crates/app/tests/recorded.rs)');
      if (r.reply.error) throw new BackendError(r.reply.error);
      for (const after of r.samples) {
        for (const s of bodies<Sample>('sample').filter((x) => x.body.barcode === after.barcode)) {
          const body = { ...s.body, ...after };
          if (JSON.stringify(body) !== JSON.stringify(s.body)) await this.updateRecord(s.id, s.rev, { kind: 'sample', body });
        }
      }
      return structuredClone(r.reply.report!);
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
