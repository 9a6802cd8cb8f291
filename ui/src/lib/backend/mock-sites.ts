// The sites and checklist-editing part of the in-memory mock backend. Countries come from a few
// rough boxes around the Daur region instead of the core's bundled borders: enough for screen
// tests, never for deciding a real border.
import type { Body, Country, Place, SiteInput } from '../bindings/core';
import { BackendError, type Backend } from './types';

type SitesApi = Pick<
  Backend,
  'placeAt' | 'siteSave' | 'siteDelete' | 'siteMerge' | 'checklistAdd' | 'checklistRemove' | 'taxonSetName'
>;

const invalid = (field: string, rule: string, message: string) =>
  new BackendError({ code: 'invalid', message, fields: [{ field, rule, message }] });

/** A rough stand-in for the core's point-in-polygon look-up. */
export function mockCountry(lat: number, lon: number): Country | null {
  if (lat < 35 || lat > 60 || lon < 45 || lon > 135) return null;
  if (lon < 87) return lat > 55 ? 'RU' : 'KZ';
  if (lat > 50 || (lat > 49.9 && lon < 117.5) || (lon > 119.35 && lat > 50)) return 'RU';
  if (lon > 117.5 || lat < 42.5) return 'CN';
  return 'MN';
}

export function sitesMock(api: () => Backend): SitesApi {
  async function place(lat: number, lon: number): Promise<Place> {
    if (!(lat >= -90 && lat <= 90)) throw invalid('lat', 'range', `latitude ${lat} is outside -90..90`);
    if (!(lon >= -180 && lon <= 180)) throw invalid('lon', 'range', `longitude ${lon} is outside -180..180`);
    let protected_area: string | null = null;
    for (const c of await api().listRecords('protected_area')) {
      if (c.body?.kind !== 'protected_area') continue;
      const p = c.body.body;
      const r = Math.sqrt((p.area_km2 ?? 0) / Math.PI);
      const km = Math.hypot((lat - p.lat) * 111.2, (lon - p.lon) * 111.2 * Math.cos((lat * Math.PI) / 180));
      if (km <= r) protected_area = c.id;
    }
    return { country: mockCountry(lat, lon), protected_area };
  }
  async function body(input: SiteInput): Promise<Body> {
    if (!input.name.trim()) throw invalid('name', 'required', 'name is required');
    const p = await place(input.lat, input.lon);
    if (!p.country) throw invalid('position', 'outside_countries', 'not in China, Mongolia, Russia or Kazakhstan');
    return {
      kind: 'site',
      body: { name: input.name.trim(), country: p.country, protected_area: p.protected_area, lat: input.lat, lon: input.lon, uncertainty_m: input.uncertainty_m, elevation_m: input.elevation_m, habitat: input.habitat?.trim() || null },
    };
  }
  async function checklist(country: Country) {
    const c = (await api().listRecords('checklist')).find((x) => x.body?.kind === 'checklist' && x.body.body.country === country);
    if (!c || c.body?.kind !== 'checklist') throw new BackendError({ code: 'not_found', message: `no checklist for ${country}`, fields: [] });
    return { c, list: c.body.body };
  }
  async function usedBy(site: string) {
    const obs = (await api().listRecords('observation')).filter((c) => c.body?.kind === 'observation' && c.body.body.site === site);
    const visits = (await api().listRecords('visit')).filter((c) => c.body?.kind === 'visit' && c.body.body.site === site);
    return [...obs, ...visits];
  }
  return {
    placeAt: place,
    siteSave: async (id, input) => {
      const b = await body(input);
      if (!id) return api().createRecord(b);
      const cur = await api().getRecord(id);
      if (!cur || cur.deleted) throw new BackendError({ code: 'not_found', message: `no site with id ${id}`, fields: [] });
      return api().updateRecord(id, cur.rev_id, b);
    },
    siteDelete: async (id) => {
      const cur = await api().getRecord(id);
      if (!cur || cur.deleted) throw new BackendError({ code: 'not_found', message: `no site with id ${id}`, fields: [] });
      if ((await usedBy(id)).length) throw invalid('site', 'site_in_use', 'merge it into another site instead');
      return api().deleteRecord(id, cur.rev_id);
    },
    siteMerge: async (keep, gone) => {
      if (keep === gone) throw invalid('site', 'same_site', 'a site cannot be merged into itself');
      let observations = 0;
      let visits = 0;
      for (const c of await usedBy(gone)) {
        if (c.body?.kind === 'observation') {
          observations += 1;
          await api().updateRecord(c.id, c.rev_id, { kind: 'observation', body: { ...c.body.body, site: keep } });
        } else if (c.body?.kind === 'visit') {
          visits += 1;
          await api().updateRecord(c.id, c.rev_id, { kind: 'visit', body: { ...c.body.body, site: keep } });
        }
      }
      const cur = await api().getRecord(gone);
      const deleted = await api().deleteRecord(gone, cur!.rev_id);
      return { kept: keep, observations, visits, deleted };
    },
    checklistAdd: async (country, taxon) => {
      const { c, list } = await checklist(country);
      if (list.taxa.includes(taxon)) throw invalid('taxon', 'already_listed', 'already on the checklist');
      return api().updateRecord(c.id, c.rev_id, { kind: 'checklist', body: { ...list, taxa: [...list.taxa, taxon] } });
    },
    checklistRemove: async (country, taxon) => {
      const { c, list } = await checklist(country);
      if (!list.taxa.includes(taxon)) throw invalid('taxon', 'not_listed', 'not on the checklist');
      return api().updateRecord(c.id, c.rev_id, { kind: 'checklist', body: { ...list, taxa: list.taxa.filter((x) => x !== taxon) } });
    },
    taxonSetName: async (taxon, locale, name) => {
      const cur = await api().getRecord(taxon);
      if (!cur || cur.body?.kind !== 'taxon') throw invalid('taxon', 'unknown_taxon', 'no such taxon');
      const t = cur.body.body;
      const names = t.names.filter((n) => n.locale !== locale);
      if (name.trim()) names.push({ locale, name: name.trim(), verified: false });
      return api().updateRecord(taxon, cur.rev_id, { kind: 'taxon', body: { ...t, names } });
    },
  };
}
