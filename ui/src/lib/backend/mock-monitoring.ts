// The monitoring part of the in-memory mock backend (browser tests and UI development). It
// computes trends, site dashboards, prevalence with Wilson intervals, risk and country progress
// from the mock's own records, by the rules of dauria-core's monitoring module, simplified where
// a browser preview does not need the detail (no routes as effort, one laptop's settings).
import type {
  Country,
  CountryProgress,
  Current,
  HostPathogen,
  Observation,
  Period,
  PrevalenceRow,
  RiskSettings,
  Sample,
  Season,
  Site,
  SiteRisk,
  SiteSummary,
  Taxon,
  TaxonGroup,
  TrendBy,
  TrendPoint,
  Visit,
} from '../bindings/core';
import { lengthKm } from '../plan/geo';
import { BackendError, type Backend } from './types';
import type { MockStore } from './mock-planning';

type MonitoringApi = Pick<
  Backend,
  | 'reportTrends'
  | 'reportSites'
  | 'reportPrevalence'
  | 'reportHostsByPathogen'
  | 'reportRisk'
  | 'riskSettings'
  | 'riskSettingsSave'
  | 'riskSettingsReset'
  | 'reportCountryProgress'
  | 'needsAttentionSites'
  | 'exportTable'
>;

const Z_95 = 1.959963984540054;

/** The Wilson score interval of `positive` in `tested` (null when nothing was tested). */
export function wilson(positive: number, tested: number, z = Z_95): [number, number] | null {
  if (tested === 0) return null;
  const p = positive / tested;
  const z2 = z * z;
  const denom = 1 + z2 / tested;
  const centre = (p + z2 / (2 * tested)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / tested + z2 / (4 * tested * tested))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const DEFAULT_RISK: RiskSettings[] = [
  {
    disease: 'plague',
    label: 'Plague (Yersinia pestis)',
    pathogens: ['Yersinia pestis', 'Y. pestis', 'plague'],
    hosts: ['Marmota sibirica', 'Ochotona dauurica', 'Lasiopodomys brandtii', 'Spermophilus dauricus'],
    vectors: ['Oropsylla silantiewi', 'Citellophilus tesquorum'],
    months: 12,
    host_weight: 1,
    vector_weight: 1,
    positivity_weight: 2,
    host_ref_per_km: 10,
    host_ref_per_hour: 5,
    vector_ref_per_km: 5,
    vector_ref_per_hour: 2.5,
    positivity_ref: 0.05,
    threshold: 0.5,
  },
];

const date = (s: string) => s.slice(0, 10);
const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const inPeriod = (d: string, p: Period) => (!p.from || d >= p.from) && (!p.to || d <= p.to);
const individuals = (o: Observation) => (o.unit === 'individuals' ? (o.count ?? o.count_min ?? 0) : 0);

function periodOf(d: string, by: TrendBy): { period: string; year: number; season: Season | null } {
  const year = Number(d.slice(0, 4));
  const month = Number(d.slice(5, 7));
  if (by === 'year') return { period: String(year), year, season: null };
  const [y, season]: [number, Season] =
    month === 12 ? [year + 1, 'winter'] : month <= 2 ? [year, 'winter'] : month <= 5 ? [year, 'spring'] : month <= 8 ? [year, 'summer'] : [year, 'autumn'];
  return { period: `${y}-${season}`, year: y, season };
}

const SEASON_ORDER: Season[] = ['winter', 'spring', 'summer', 'autumn'];

interface VisitRow {
  id: string;
  visit: Visit;
  km: number | null;
  hours: number | null;
}

/** A visit's effort: its recorded value wins, else its track and its start and end. */
function effortOf(v: Visit): { km: number | null; hours: number | null } {
  const unit = v.effort_unit?.trim().toLowerCase();
  const hours = v.end ? Math.max(0, Date.parse(v.end) - Date.parse(v.start)) / 3_600_000 : null;
  const km = v.track.length >= 2 ? lengthKm(v.track) : null;
  if (v.effort_value !== null && unit === 'km') return { km: v.effort_value, hours };
  if (v.effort_value !== null && (unit === 'h' || unit === 'hours')) return { km, hours: v.effort_value };
  return { km, hours };
}

export function monitoringMock(store: MockStore, api: () => Backend): MonitoringApi {
  const saved = new Map<string, RiskSettings>();

  function data() {
    const all = store.list();
    const of = <T>(kind: Current['kind']) =>
      all.flatMap((c) => (c.kind === kind && c.body?.kind === kind ? [{ id: c.id, body: c.body.body as T }] : []));
    const sites = new Map(of<Site>('site').map((x) => [x.id, x.body]));
    const taxa = new Map(of<Taxon>('taxon').map((x) => [x.id, x.body]));
    const visits = new Map<string, VisitRow>(of<Visit>('visit').map((x) => [x.id, { id: x.id, visit: x.body, ...effortOf(x.body) }]));
    const observations = of<Observation>('observation');
    const samples = of<Sample>('sample');
    const obsById = new Map(observations.map((o) => [o.id, o.body]));
    /** The site a sighting counts for: its own, else its visit's. */
    const siteOf = (o: Observation) => o.site ?? (o.visit ? (visits.get(o.visit)?.visit.site ?? null) : null);
    /** A sighting on a visit counts on its visit's day, so it is divided by that visit's effort. */
    const dayOf = (o: Observation) => date(o.visit ? (visits.get(o.visit)?.visit.start ?? o.observed_at) : o.observed_at);
    return { sites, taxa, visits, observations, samples, obsById, siteOf, dayOf };
  }

  function settings(): RiskSettings[] {
    return DEFAULT_RISK.map((d) => saved.get(d.disease) ?? d);
  }

  async function riskOf(s: RiskSettings): Promise<SiteRisk[]> {
    const d = data();
    const to = new Date();
    const from = new Date(to);
    from.setMonth(from.getMonth() - s.months);
    const window: Period = { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
    const named = (names: string[]) => new Set([...d.taxa].filter(([, t]) => names.some((n) => same(n, t.scientific_name))).map(([id]) => id));
    const hosts = named(s.hosts);
    const vectors = named(s.vectors);
    const acc = new Map<string, { visits: number; km: number; h: number; hostKm: number; hostH: number; vecKm: number; vecH: number; pos: number; neg: number }>();
    const get = (site: string) => {
      let a = acc.get(site);
      if (!a) acc.set(site, (a = { visits: 0, km: 0, h: 0, hostKm: 0, hostH: 0, vecKm: 0, vecH: 0, pos: 0, neg: 0 }));
      return a;
    };
    for (const v of d.visits.values()) {
      if (!v.visit.site || !d.sites.has(v.visit.site) || !inPeriod(date(v.visit.start), window)) continue;
      const a = get(v.visit.site);
      a.visits += 1;
      a.km += v.km ?? 0;
      a.h += v.hours ?? 0;
    }
    for (const { body: o } of d.observations) {
      const v = o.visit ? d.visits.get(o.visit) : undefined;
      if (!v?.visit.site || !o.taxon || !inPeriod(date(v.visit.start), window)) continue;
      const a = acc.get(v.visit.site);
      if (!a) continue;
      const n = individuals(o);
      if (hosts.has(o.taxon)) {
        if (v.km !== null) a.hostKm += n;
        if (v.hours !== null) a.hostH += n;
      } else if (vectors.has(o.taxon)) {
        if (v.km !== null) a.vecKm += n;
        if (v.hours !== null) a.vecH += n;
      }
    }
    for (const { body: smp } of d.samples) {
      if (!smp.pathogen || !s.pathogens.some((p) => same(p, smp.pathogen!)) || !inPeriod(date(smp.collected_at), window)) continue;
      const host = d.obsById.get(smp.host_observation);
      const site = host ? d.siteOf(host) : null;
      if (!site || !d.sites.has(site)) continue;
      const a = get(site);
      if (smp.result === 'positive') a.pos += 1;
      if (smp.result === 'negative') a.neg += 1;
    }
    const out: SiteRisk[] = [];
    for (const [siteId, a] of acc) {
      const site = d.sites.get(siteId)!;
      const [per, hostRate, vecRate, hostRef, vecRef] =
        a.km > 0
          ? ['km', a.hostKm / a.km, a.vecKm / a.km, s.host_ref_per_km, s.vector_ref_per_km]
          : a.h > 0
            ? ['h', a.hostH / a.h, a.vecH / a.h, s.host_ref_per_hour, s.vector_ref_per_hour]
            : [null, null, null, 1, 1];
      const host_rate = hosts.size ? (hostRate as number | null) : null;
      const vector_rate = vectors.size ? (vecRate as number | null) : null;
      const host_component = host_rate === null ? null : Math.min(1, host_rate / (hostRef as number));
      const vector_component = vector_rate === null ? null : Math.min(1, vector_rate / (vecRef as number));
      const tested = a.pos + a.neg;
      const positivity_low = wilson(a.pos, tested)?.[0] ?? null;
      const positivity_component = positivity_low === null ? null : Math.min(1, positivity_low / s.positivity_ref);
      const parts: [number | null, number][] = [
        [host_component, s.host_weight],
        [vector_component, s.vector_weight],
        [positivity_component, s.positivity_weight],
      ];
      const weight = parts.filter(([c, w]) => c !== null && w > 0).reduce((x, [, w]) => x + w, 0);
      if (weight <= 0) continue;
      const score = parts.reduce((x, [c, w]) => x + (c ?? 0) * w, 0) / weight;
      out.push({
        disease: s.disease,
        site_id: siteId,
        site_name: site.name,
        country: site.country,
        lat: site.lat,
        lon: site.lon,
        rank: 0,
        score,
        host_rate,
        host_component,
        vector_rate,
        vector_component,
        per: per as string | null,
        visits: a.visits,
        positive: a.pos,
        tested,
        positivity_low,
        positivity_component,
        over_threshold: score >= s.threshold,
      });
    }
    out.sort((x, y) => y.score - x.score || x.site_name.localeCompare(y.site_name));
    out.forEach((r, i) => (r.rank = i + 1));
    return out;
  }

  return {
    async reportTrends(q) {
      const d = data();
      const by = q.by ?? 'year';
      const period = q.period ?? {};
      const inScope = (site: string | null) =>
        (!q.site || site === q.site) && (!q.country || (site !== null && d.sites.get(site)?.country === q.country));
      const points = new Map<string, TrendPoint & { kmN: number; hN: number }>();
      const point = (day: string) => {
        const p = periodOf(day, by);
        let x = points.get(p.period);
        if (!x) {
          x = { ...p, records: 0, individuals: 0, visits: 0, effort_km: 0, effort_h: 0, per_km: null, per_hour: null, kmN: 0, hN: 0 };
          points.set(p.period, x);
        }
        return x;
      };
      for (const v of d.visits.values()) {
        const day = date(v.visit.start);
        if (!inScope(v.visit.site) || !inPeriod(day, period)) continue;
        const x = point(day);
        x.visits += 1;
        x.effort_km += v.km ?? 0;
        x.effort_h += v.hours ?? 0;
      }
      for (const { body: o } of d.observations) {
        const t = o.taxon ? d.taxa.get(o.taxon) : undefined;
        if (q.taxon && o.taxon !== q.taxon) continue;
        if (q.group && t?.group !== q.group) continue;
        const day = d.dayOf(o);
        if (!inScope(d.siteOf(o)) || !inPeriod(day, period)) continue;
        const x = point(day);
        const n = individuals(o);
        x.records += 1;
        x.individuals += n;
        const v = o.visit ? d.visits.get(o.visit) : undefined;
        if (v?.km) x.kmN += n;
        if (v?.hours) x.hN += n;
      }
      return [...points.values()]
        .map(({ kmN, hN, ...p }) => ({ ...p, per_km: p.effort_km > 0 ? kmN / p.effort_km : null, per_hour: p.effort_h > 0 ? hN / p.effort_h : null }))
        .sort((a, b) => a.year - b.year || SEASON_ORDER.indexOf(a.season ?? 'winter') - SEASON_ORDER.indexOf(b.season ?? 'winter'));
    },

    async reportSites(period) {
      const d = data();
      const rows = new Map<string, SiteSummary & { taxa: Set<string> }>();
      for (const [id, s] of d.sites)
        rows.set(id, {
          site_id: id, name: s.name, country: s.country, lat: s.lat, lon: s.lon, richness: 0, records: 0, individuals: 0, visits: 0,
          last_visit: null, effort_km: 0, effort_h: 0, samples: 0, tested: 0, positive: 0, pending: 0, prevalence: null, taxa: new Set(),
        });
      for (const v of d.visits.values()) {
        const r = v.visit.site ? rows.get(v.visit.site) : undefined;
        if (!r || !inPeriod(date(v.visit.start), period)) continue;
        r.visits += 1;
        r.effort_km += v.km ?? 0;
        r.effort_h += v.hours ?? 0;
        if (!r.last_visit || Date.parse(v.visit.start) > Date.parse(r.last_visit)) r.last_visit = v.visit.start;
      }
      for (const { body: o } of d.observations) {
        const s = d.siteOf(o);
        const r = s ? rows.get(s) : undefined;
        if (!r || !inPeriod(date(o.observed_at), period)) continue;
        r.records += 1;
        r.individuals += individuals(o);
        if (o.taxon) r.taxa.add(o.taxon);
        if (r.visits === 0 && (!r.last_visit || Date.parse(o.observed_at) > Date.parse(r.last_visit))) r.last_visit = o.observed_at;
      }
      for (const { body: smp } of d.samples) {
        const host = d.obsById.get(smp.host_observation);
        const s = host ? d.siteOf(host) : null;
        const r = s ? rows.get(s) : undefined;
        if (!r || !inPeriod(date(smp.collected_at), period)) continue;
        r.samples += 1;
        if (smp.result === 'positive') r.positive += 1;
        if (smp.result === 'positive' || smp.result === 'negative') r.tested += 1;
        if (smp.result === 'pending') r.pending += 1;
      }
      return [...rows.values()]
        .map(({ taxa, ...r }) => ({ ...r, richness: taxa.size, prevalence: r.tested ? r.positive / r.tested : null }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    async reportPrevalence(q) {
      const d = data();
      const groups = new Map<string, PrevalenceRow>();
      for (const { body: smp } of d.samples) {
        const host = d.obsById.get(smp.host_observation);
        const site = host ? d.siteOf(host) : null;
        if (q.pathogen && !(smp.pathogen && same(q.pathogen, smp.pathogen))) continue;
        if (q.host && host?.taxon !== q.host) continue;
        if (q.site && site !== q.site) continue;
        if (q.country && (!site || d.sites.get(site)?.country !== q.country)) continue;
        if (!inPeriod(date(smp.collected_at), q.period ?? {})) continue;
        let key = '';
        let label = '';
        switch (q.by ?? 'site') {
          case 'site':
            key = site ?? '';
            label = site ? (d.sites.get(site)?.name ?? '') : '';
            break;
          case 'host':
            key = host?.taxon ?? (host?.taxon_name ? `name:${host.taxon_name}` : '');
            label = host?.taxon ? (d.taxa.get(host.taxon)?.scientific_name ?? '') : (host?.taxon_name ?? '');
            break;
          case 'pathogen':
            key = smp.pathogen?.trim().toLowerCase() ?? '';
            label = smp.pathogen?.trim() ?? '';
            break;
          case 'period':
            key = label = periodOf(date(smp.collected_at), q.period_by ?? 'year').period;
            break;
        }
        const g = groups.get(key) ?? { key, label, positive: 0, negative: 0, tested: 0, pending: 0, inconclusive: 0, prevalence: null, wilson_low: null, wilson_high: null };
        g[smp.result] += 1;
        groups.set(key, g);
      }
      return [...groups.values()]
        .map((g) => {
          const tested = g.positive + g.negative;
          const ci = wilson(g.positive, tested);
          return { ...g, tested, prevalence: tested ? g.positive / tested : null, wilson_low: ci?.[0] ?? null, wilson_high: ci?.[1] ?? null };
        })
        .sort((a, b) => a.label.localeCompare(b.label));
    },

    async reportHostsByPathogen(period) {
      const d = data();
      const cells = new Map<string, HostPathogen>();
      for (const { body: smp } of d.samples) {
        if (!smp.pathogen || !inPeriod(date(smp.collected_at), period)) continue;
        const host = d.obsById.get(smp.host_observation);
        const host_taxon = host?.taxon ?? null;
        const host_name = (host_taxon ? d.taxa.get(host_taxon)?.scientific_name : host?.taxon_name) ?? '';
        const key = JSON.stringify([smp.pathogen.trim().toLowerCase(), host_taxon ?? host_name]);
        const c = cells.get(key) ?? { pathogen: smp.pathogen.trim(), host_taxon, host_name, positive: 0, tested: 0, prevalence: null, wilson_low: null, wilson_high: null };
        if (smp.result === 'positive') c.positive += 1;
        if (smp.result === 'positive' || smp.result === 'negative') c.tested += 1;
        cells.set(key, c);
      }
      return [...cells.values()]
        .map((c) => {
          const ci = wilson(c.positive, c.tested);
          return { ...c, prevalence: c.tested ? c.positive / c.tested : null, wilson_low: ci?.[0] ?? null, wilson_high: ci?.[1] ?? null };
        })
        .sort((a, b) => a.pathogen.localeCompare(b.pathogen) || b.positive - a.positive || a.host_name.localeCompare(b.host_name));
    },

    async reportRisk(disease) {
      const s = settings().find((x) => x.disease === disease);
      if (!s) throw new BackendError({ code: 'not_found', message: `no risk settings for '${disease}'`, fields: [] });
      return riskOf(s);
    },
    riskSettings: async () => settings(),
    async riskSettingsSave(s) {
      if (!(s.threshold >= 0 && s.threshold <= 1))
        throw new BackendError({ code: 'invalid', message: 'the threshold is between 0 and 1', fields: [{ field: 'threshold', rule: 'range', message: 'the threshold is between 0 and 1' }] });
      saved.set(s.disease, { ...s });
    },
    async riskSettingsReset(disease) {
      saved.delete(disease);
    },

    async reportCountryProgress() {
      const d = data();
      const sheets = await api().dataSheets();
      return Promise.all(
        sheets.map(async (sh): Promise<CountryProgress> => {
          const byGroup = new Map<TaxonGroup | null, number>();
          for (const { body: o } of d.observations) {
            const s = d.siteOf(o);
            if (!s || d.sites.get(s)?.country !== sh.country) continue;
            const g = o.taxon ? (d.taxa.get(o.taxon)?.group ?? null) : null;
            byGroup.set(g, (byGroup.get(g) ?? 0) + 1);
          }
          let deadlines: CountryProgress['deadlines'] = [];
          try {
            const cl = await api().countryChecklist(sh.country as Country);
            const rec = await api().getRecord(cl.id);
            if (rec?.body?.kind === 'checklist') deadlines = rec.body.body.deadlines;
          } catch {
            // a country without a checklist has no deadlines
          }
          const next = sh.next_deadline;
          const days = next ? Math.round((Date.parse(next.due) - Date.parse(new Date().toISOString().slice(0, 10))) / 86_400_000) : null;
          return {
            country: sh.country,
            records: sh.records,
            by_group: [...byGroup].map(([group, records]) => ({ group, records })),
            deadlines,
            next_deadline: next,
            days_left: days,
            status: sh.status,
          };
        }),
      );
    },

    async needsAttentionSites() {
      const all = (await Promise.all(settings().map(riskOf))).flat();
      return all.filter((r) => r.over_threshold).sort((a, b) => b.score - a.score);
    },

    async exportTable(name, csv) {
      const dir = ((await api().getSetting('export_dir')) ?? '').trim() || '/home/mock/Documents/Dauria Field';
      const rows = Math.max(0, csv.split('\n').filter((l) => l.length).length - 1);
      const path = `${dir}/${name.replace(/[/\\:*?"<>|]/g, '_')}.csv`;
      exported.set(path, csv);
      return { path, size_bytes: new TextEncoder().encode(csv).length, records: rows };
    },
  };
}

/** The CSV files the mock "wrote", by path (tests read them back). */
export const exported = new Map<string, string>();
