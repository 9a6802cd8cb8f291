// An in-memory twin of the Tauri backend for browser tests and UI development. It keeps
// revisions like the real store (parents, heads, tombstones) but validates only the basics.
import type {
  Body,
  Country,
  Current,
  FieldError,
  Kind,
  Observation,
  ObservationFilter,
  ObservationRow,
  RevisionInfo,
  Site,
  Taxon,
  TaxonMatch,
} from '../bindings/core';
import type { SyncEvent } from '../bindings/app';
import { custodyMock } from './mock-custody';
import { exchangeMock } from './mock-exchange';
import { monitoringMock } from './mock-monitoring';
import { planningMock, type MockStore } from './mock-planning';
import { registryMock, validateRegistry } from './mock-registry';
import { securityMock } from './mock-security';
import { backupMock } from './mock-backup';
import { sitesMock } from './mock-sites';
import { visitsMock } from './mock-visits';
import { BackendError, type Backend, type SettingKey } from './types';

interface Rev {
  rev_id: string;
  parents: string[];
  generation: number;
  deleted: boolean;
  body: Body | null;
  seq: number;
}

interface Rec {
  id: string;
  kind: Kind;
  revs: Rev[];
}

const fold = (s: string) => s.trim().toLowerCase().replaceAll('ё', 'е');

let counter = 0;
function newId(): string {
  counter += 1;
  const hex = (Date.now().toString(16) + counter.toString(16).padStart(8, '0')).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function taxon(sci: string, group: Taxon['group'], names: [string, string, boolean][], synonyms: string[] = [], iucn = 'LC'): Taxon {
  return {
    scientific_name: sci,
    rank: 'species',
    group,
    names: names.map(([locale, name, verified]) => ({ locale, name, verified })),
    synonyms,
    iucn_status: iucn,
    source: null,
  };
}

const TAXA: Taxon[] = [
  taxon('Marmota sibirica', 'small_mammal', [
    ['en', 'Tarbagan marmot (Mongolian marmot)', true],
    ['zh', '蒙古旱獭（西伯利亚旱獭）', true],
    ['ru', 'Тарбаган (монгольский сурок)', true],
    ['mn', 'Монгол тарвага', false],
  ], [], 'EN'),
  taxon('Procapra gutturosa', 'large_mammal', [
    ['en', 'Mongolian gazelle (dzeren)', true],
    ['zh', '蒙原羚（黄羊）', true],
    ['ru', 'Дзерен', true],
    ['mn', 'Цагаан зээр', true],
  ]),
  taxon('Canis lupus', 'large_mammal', [
    ['en', 'Grey wolf', true],
    ['zh', '狼', false],
    ['ru', 'Волк', false],
    ['mn', 'Чоно', false],
  ]),
  taxon('Antigone vipio', 'bird', [
    ['en', 'White-naped crane', true],
    ['zh', '白枕鹤', true],
    ['ru', 'Даурский журавль', true],
    ['mn', 'Цэн тогоруу', false],
  ], ['Grus vipio'], 'VU'),
];

const SITES: Site[] = [
  { name: 'Torey Lakes', country: 'RU', protected_area: null, lat: 50.067, lon: 115.517, uncertainty_m: 500, elevation_m: 600, habitat: 'steppe lake' },
  { name: 'Ugtam', country: 'MN', protected_area: null, lat: 49.7, lon: 115.1, uncertainty_m: 500, elevation_m: null, habitat: 'steppe' },
  { name: 'Hulun Lake', country: 'CN', protected_area: null, lat: 48.973, lon: 117.436, uncertainty_m: 1000, elevation_m: 545, habitat: 'lake shore' },
];

export interface MockBackend extends Backend {
  /** Adds a second head to a record, as if another laptop had edited the same revision. */
  injectConflict(id: string, body: Body): void;
  /** Adds `n` observations quickly (for list tests). */
  addObservations(n: number): void;
  /** Sends an event to every `onSync` listener, as the background sync task would. */
  emitSync(e: SyncEvent): void;
  /** Makes the store encrypted with `passphrase` and locked, as at the start of the app. */
  lockStore(passphrase: string): void;
}

export function createMockBackend(): MockBackend {
  const records = new Map<string, Rec>();
  const syncListeners = new Set<(e: SyncEvent) => void>();
  const settings = new Map<string, string>();
  let seq = 0;

  function head(r: Rec): Rev[] {
    const parents = new Set(r.revs.flatMap((v) => v.parents));
    return r.revs.filter((v) => !parents.has(v.rev_id));
  }
  function winner(r: Rec): Rev {
    return [...head(r)].sort((a, b) =>
      a.deleted !== b.deleted ? (a.deleted ? 1 : -1) : b.generation - a.generation || (a.rev_id < b.rev_id ? 1 : -1),
    )[0];
  }
  function current(r: Rec): Current {
    const w = winner(r);
    return { id: r.id, kind: r.kind, rev_id: w.rev_id, deleted: w.deleted, conflict: head(r).length > 1, body: w.body };
  }
  function append(r: Rec, parents: string[], body: Body | null) {
    seq += 1;
    const generation = 1 + Math.max(0, ...parents.map((p) => r.revs.find((v) => v.rev_id === p)?.generation ?? 0));
    const rev: Rev = { rev_id: newId(), parents, generation, deleted: body === null, body, seq };
    r.revs.push(rev);
    return { id: r.id, rev_id: rev.rev_id, device_seq: seq };
  }
  function seed(body: Body) {
    const r: Rec = { id: newId(), kind: body.kind, revs: [] };
    records.set(r.id, r);
    append(r, [], body);
    return r.id;
  }
  const taxonIds = TAXA.map((t) => seed({ kind: 'taxon', body: t }));
  SITES.forEach((s) => seed({ kind: 'site', body: s }));
  (['CN', 'MN', 'RU'] as Country[]).forEach((c) =>
    seed({ kind: 'checklist', body: { country: c, taxa: taxonIds, deadlines: [{ title: 'Data sheet 2026', due: '2026-10-01', submitted: false }] } }),
  );
  seed({ kind: 'protected_area', body: { name_en: 'Daursky State Nature Biosphere Reserve', name_local: 'Даурский заповедник', country: 'RU', category: null, lat: 50.067, lon: 115.517, area_km2: 2086, extent_note: null, partnership: 'engaged', contact: null, agreement_date: null, source: null } });
  const taxonOf = (id: string | null) => (id ? (records.get(id)?.revs[0].body as { body: Taxon } | undefined)?.body : undefined);

  function validate(body: Body) {
    const registry = validateRegistry(body);
    if (registry.length) throw new BackendError({ code: 'invalid', message: registry.map((e) => e.message).join('; '), fields: registry });
    if (body.kind !== 'observation') return;
    const o = body.body;
    const errs: FieldError[] = [];
    if (!o.taxon && !o.taxon_name?.trim()) errs.push({ field: 'taxon', rule: 'required', message: 'name the species' });
    if (o.count === null && (o.count_min === null || o.count_max === null))
      errs.push({ field: 'count', rule: 'required', message: 'give a count' });
    if (o.count_min !== null && o.count_max !== null && o.count_max < o.count_min)
      errs.push({ field: 'count_max', rule: 'order', message: 'max below min' });
    if (o.site === null && (o.lat === null || o.lon === null))
      errs.push({ field: 'position', rule: 'required', message: 'choose a site or give coordinates' });
    if (Number.isNaN(Date.parse(o.observed_at))) errs.push({ field: 'observed_at', rule: 'format', message: 'bad time' });
    if (errs.length) throw new BackendError({ code: 'invalid', message: errs.map((e) => e.message).join('; '), fields: errs });
  }
  function need(id: string): Rec {
    const r = records.get(id);
    if (!r) throw new BackendError({ code: 'not_found', message: `no record with id ${id}`, fields: [] });
    return r;
  }
  function rows(filter: ObservationFilter): ObservationRow[] {
    const out: ObservationRow[] = [];
    for (const r of records.values()) {
      if (r.kind !== 'observation') continue;
      const c = current(r);
      if (c.deleted || !c.body || c.body.kind !== 'observation') continue;
      const o: Observation = c.body.body;
      const t = taxonOf(o.taxon);
      const site = o.site ? (records.get(o.site)?.revs[0].body as { body: Site }).body : undefined;
      if (filter.taxon && o.taxon !== filter.taxon) continue;
      if (filter.site && o.site !== filter.site) continue;
      if (filter.country && site?.country !== filter.country) continue;
      if (filter.bbox) {
        const [x0, y0, x1, y1] = filter.bbox;
        const lat = o.lat ?? site?.lat;
        const lon = o.lon ?? site?.lon;
        if (lat == null || lon == null || lon < x0 || lon > x1 || lat < y0 || lat > y1) continue;
      }
      if (filter.from && Date.parse(o.observed_at) < Date.parse(filter.from)) continue;
      if (filter.to && Date.parse(o.observed_at) >= Date.parse(filter.to) + (filter.to.length === 10 ? 86400000 : 0)) continue;
      if (filter.text) {
        const q = fold(filter.text);
        const hay = [o.notes, o.taxon_name, ...o.observers, t?.scientific_name, ...(t?.names.map((n) => n.name) ?? [])]
          .filter(Boolean)
          .map((s) => fold(String(s)));
        if (!hay.some((h) => h.includes(q))) continue;
      }
      out.push({ id: r.id, rev_id: c.rev_id, conflict: c.conflict, scientific_name: t?.scientific_name ?? null, site_name: site?.name ?? null, country: site?.country ?? null, observation: o });
    }
    return out.sort((a, b) => Date.parse(b.observation.observed_at) - Date.parse(a.observation.observed_at) || (a.id < b.id ? 1 : -1));
  }
  function revInfo(r: Rec, v: Rev, heads: Rev[]): RevisionInfo {
    return { rev_id: v.rev_id, parents: v.parents, generation: v.generation, device_id: 'mock', device_seq: v.seq, hlc: String(v.seq), written_at: new Date().toISOString(), deleted: v.deleted, body: v.body, head: heads.includes(v) };
  }

  const store: MockStore = { list: () => [...records.values()].map(current).filter((c) => !c.deleted) };
  const api: MockBackend = {
    ...planningMock(store),
    ...exchangeMock(store),
    ...registryMock(store),
    ...sitesMock(() => api),
    ...custodyMock(() => api),
    ...visitsMock(() => api),
    ...monitoringMock(store, () => api),
    ...securityMock(),
    ...backupMock(records),
    uiReady: async () => {},
    dataDir: async () => '/tmp/dauria-mock',
    logDir: async () => '/tmp/dauria-mock/logs',
    openLogFolder: async () => {},
    chooseFolder: async () => '/tmp/dauria-mock/exports',
    showInFolder: async () => {},
    stats: async () => {
      const obs = rows({}).length;
      const conflicts = [...records.values()].filter((r) => head(r).length > 1).length;
      return { device_id: 'mock', records: [['observation', obs]], observations: obs, revisions: seq, pending_ops: seq, conflicts, size_bytes: 0 };
    },
    searchTaxa: async (query, limit) => {
      const q = fold(query);
      if (!q) return [];
      const hits: [number, number, TaxonMatch][] = [];
      taxonIds.forEach((id, i) => {
        const t = TAXA[i];
        const names: [string, string, boolean][] = [
          [t.scientific_name, 'sci', true],
          ...t.synonyms.map((s): [string, string, boolean] => [s, 'sci', true]),
          ...t.names.map((n): [string, string, boolean] => [n.name, n.locale, n.verified]),
        ];
        let best: [number, TaxonMatch] | null = null;
        for (const [name, locale, verified] of names) {
          const parts = [name, ...name.split(/[()（）/,]/).map((p) => p.trim()).filter(Boolean)].map(fold);
          let score = 9;
          for (const f of parts) {
            if (f === q) score = Math.min(score, 0);
            else if (f.startsWith(q)) score = Math.min(score, 1);
            else if (f.split(/\s+/).some((w) => w.startsWith(q))) score = Math.min(score, 2);
            else if (f.includes(q)) score = Math.min(score, 3);
          }
          // The real search also matches other scripts, pinyin and typos; the mock matches
          // names as written.
          const how = score === 0 ? 'exact' : 'prefix';
          if (score < 9 && (!best || score < best[0])) best = [score, { id, taxon: t, matched: name, locale, verified, how, via: null }];
        }
        if (best) hits.push([best[0], i, best[1]]);
      });
      return hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, limit).map((h) => h[2]);
    },
    listRecords: async (kind) => [...records.values()].filter((r) => r.kind === kind).map(current).filter((c) => !c.deleted),
    getRecord: async (id) => (records.has(id) ? current(need(id)) : null),
    createRecord: async (body) => {
      validate(body);
      const r: Rec = { id: newId(), kind: body.kind, revs: [] };
      records.set(r.id, r);
      return append(r, [], body);
    },
    updateRecord: async (id, parentRev, body) => {
      validate(body);
      return append(need(id), [parentRev], body);
    },
    deleteRecord: async (id, parentRev) => append(need(id), [parentRev], null),
    mergeRecord: async (id, body) => {
      if (body) validate(body);
      const r = need(id);
      return append(r, head(r).map((h) => h.rev_id), body);
    },
    history: async (id) => {
      const r = need(id);
      const heads = head(r);
      return r.revs.map((v) => revInfo(r, v, heads));
    },
    heads: async (id) => {
      const r = need(id);
      const heads = head(r);
      const w = winner(r);
      return [w, ...heads.filter((h) => h !== w)].map((v) => revInfo(r, v, heads));
    },
    conflicts: async () => [...records.values()].filter((r) => head(r).length > 1).map((r): [string, Kind] => [r.id, r.kind]),
    observations: async (filter, after, limit) => {
      const all = rows(filter);
      const start = after ? Number(after) : 0;
      const page = all.slice(start, start + limit);
      return { rows: page, next: start + limit < all.length ? String(start + limit) : null };
    },
    basemapFile: async (name) => {
      // In a browser the files are served beside the page.
      const res = await fetch(`/basemap/${name}`);
      if (!res.ok) throw new BackendError({ code: 'not_found', message: `no basemap file ${name}`, fields: [] });
      return new Uint8Array(await res.arrayBuffer());
    },
    sightingPoints: async () => {
      const out: number[] = [];
      for (const r of rows({})) {
        const o = r.observation;
        const site = o.site ? (current(need(o.site)).body as { body: Site } | null)?.body : undefined;
        const lat = o.lat ?? site?.lat;
        const lon = o.lon ?? site?.lon;
        if (lat != null && lon != null) out.push(lat, lon);
      }
      return new Float32Array(out);
    },
    speciesSummary: async () => [],
    countryChecklist: async (country) => {
      const c = [...records.values()].map(current).find((x) => x.body?.kind === 'checklist' && x.body.body.country === country);
      if (!c || c.body?.kind !== 'checklist') throw new BackendError({ code: 'not_found', message: `no checklist for ${country}`, fields: [] });
      return { id: c.id, rev_id: c.rev_id, country, taxa: c.body.body.taxa.map((id) => ({ id, taxon: taxonOf(id)! })), deadlines: c.body.body.deadlines };
    },
    parsePosition: async (text) => {
      const m = text.match(/^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$/);
      if (!m) throw new BackendError({ code: 'invalid', message: `cannot read the position '${text}'`, fields: [{ field: 'position', rule: 'format', message: 'cannot read the position' }] });
      return { lat: Number(m[1]), lon: Number(m[2]) };
    },
    getSetting: async (key: SettingKey) => settings.get(key) ?? null,
    setSetting: async (key: SettingKey, value: string) => {
      settings.set(key, value);
    },
    syncStatus: async () => ({
      server: settings.get('sync.server') ?? null,
      device_name: settings.get('sync.server') ? 'mock laptop' : null,
      role: settings.get('sync.server') ? 'field' : null,
      pending_ops: seq,
      last_success: null,
      last_error: null,
      last_error_code: null,
      conflicts: [...records.values()].filter((r) => head(r).length > 1).length,
      needs_attention: [],
      // The mock's station hub is the one it finds on the network.
      relays: settings.get('sync.server') === 'https://192.168.1.20:8787',
      upstream_contact: settings.get('sync.server') === 'https://192.168.1.20:8787' ? '2026-06-01T08:00:00Z' : null,
      running: false,
    }),
    syncNow: async () => {},
    syncDiscover: async () => [
      { name: 'Dauria station-laptop', url: 'https://192.168.1.20:8787', relays: true, fingerprint: 'AB:CD:EF' },
    ],
    syncEnroll: async (server, code) => {
      if (!/^[A-Z0-9-]{4,}$/i.test(code.trim()))
        throw new BackendError({ code: 'sync.forbidden', message: 'the server refused: unknown code', fields: [] });
      settings.set('sync.server', server);
      return api.syncStatus();
    },
    onSync: async (cb) => {
      syncListeners.add(cb);
      return () => syncListeners.delete(cb);
    },
    emitSync(e) {
      for (const cb of syncListeners) cb(e);
    },
    injectConflict(id, body) {
      const r = need(id);
      const base = winner(r);
      // This laptop edits too (the same body again), so both edits share the parent `base`.
      append(r, [base.rev_id], base.body);
      seq += 1;
      r.revs.push({ rev_id: newId(), parents: [base.rev_id], generation: base.generation + 1, deleted: false, body, seq });
    },
    addObservations(n) {
      const t0 = Date.parse('2026-06-01T00:00:00Z');
      for (let i = 0; i < n; i++) {
        const r: Rec = { id: newId(), kind: 'observation', revs: [] };
        records.set(r.id, r);
        const at = new Date(t0 + i * 60000).toISOString().replace('Z', '+00:00').replace(/\.\d{3}/, '');
        append(r, [], { kind: 'observation', body: { visit: null, site: null, taxon: taxonIds[i % taxonIds.length], taxon_name: null, count: 1 + (i % 7), count_min: null, count_max: null, unit: 'individuals', sex: null, age: null, behaviour: null, lat: 49.7, lon: 115.1, uncertainty_m: null, observed_at: at, observers: ['Bat'], detection_method: 'visual', notes: null, photos: [] } });
      }
    },
  };
  return api;
}
