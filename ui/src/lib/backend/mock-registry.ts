// The registries part of the in-memory mock backend: the country data-sheet dashboard, computed
// from the mock's records the way the core does it, and the checks the core makes on registry
// bodies (people, reserves, checklists, cooperation actions).
import type { Body, Country, CountrySheet, Deadline, FieldError, SheetStatus } from '../bindings/core';
import type { MockStore } from './mock-planning';
import { BackendError, type Backend } from './types';

type RegistryApi = Pick<Backend, 'dataSheets'>;

const COUNTRIES: Country[] = ['CN', 'MN', 'RU', 'KZ'];

/** Days before a deadline from which a data sheet counts as due (as in the core). */
export const DUE_WITHIN_DAYS = 14;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const dayNumber = (d: string): number | null => {
  if (!DATE.test(d.trim())) return null;
  const ms = Date.parse(`${d.trim()}T00:00:00Z`);
  return Number.isNaN(ms) ? null : Math.round(ms / 86400000);
};

/** The next deadline and the status of a country's data sheet on `today` (`YYYY-MM-DD`). */
export function sheetStatus(deadlines: Deadline[], today: string): { next: Deadline | null; status: SheetStatus } {
  // Unreadable dates sort first, as `None` does in the core.
  const key = (d: Deadline) => dayNumber(d.due) ?? -Infinity;
  const open = deadlines.filter((d) => !d.submitted).sort((a, b) => key(a) - key(b));
  const now = dayNumber(today) ?? 0;
  if (open.length) {
    const next = open[0];
    const due = dayNumber(next.due);
    const status: SheetStatus = due === null ? 'on_track' : due < now ? 'overdue' : due - now <= DUE_WITHIN_DAYS ? 'due' : 'on_track';
    return { next, status };
  }
  if (!deadlines.length) return { next: null, status: 'on_track' };
  // The last submitted one; among equal dates the last listed, like `max_by_key`.
  let last = deadlines[0];
  for (const d of deadlines) if (key(d) >= key(last)) last = d;
  return { next: last, status: 'submitted' };
}

function localToday(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function required(errs: FieldError[], field: string, v: string | null | undefined) {
  if (!v || !v.trim()) errs.push({ field, rule: 'required', message: `${field} is required` });
}

function optDate(errs: FieldError[], field: string, v: string | null | undefined) {
  if (v !== null && v !== undefined && dayNumber(v) === null)
    errs.push({ field, rule: 'format', message: `'${v}' is not a date like 2026-06-01` });
}

/** The field errors the core reports for a registry body (none for other kinds). */
export function validateRegistry(body: Body): FieldError[] {
  const errs: FieldError[] = [];
  switch (body.kind) {
    case 'person':
      required(errs, 'name', body.body.name);
      break;
    case 'protected_area': {
      const p = body.body;
      required(errs, 'name_en', p.name_en);
      if (!Number.isFinite(p.lat) || p.lat < -90 || p.lat > 90)
        errs.push({ field: 'lat', rule: 'range', message: `latitude ${p.lat} is outside -90..90` });
      else if (!Number.isFinite(p.lon) || p.lon < -180 || p.lon > 180)
        errs.push({ field: 'lon', rule: 'range', message: `longitude ${p.lon} is outside -180..180` });
      if (p.area_km2 !== null && (!Number.isFinite(p.area_km2) || p.area_km2 < 0))
        errs.push({ field: 'area_km2', rule: 'negative', message: `area_km2 must be zero or more, not ${p.area_km2}` });
      optDate(errs, 'agreement_date', p.agreement_date);
      break;
    }
    case 'checklist':
      for (const d of body.body.deadlines) {
        required(errs, 'deadlines.title', d.title);
        optDate(errs, 'deadlines.due', d.due);
      }
      break;
    case 'cooperation_action':
      required(errs, 'title', body.body.title);
      optDate(errs, 'due', body.body.due);
      break;
    default:
      break;
  }
  return errs;
}

/** Makes `b` refuse invalid registry bodies on create and update, as the core does. */
export function withRegistryChecks<B extends Backend>(b: B): B {
  const check = (body: Body) => {
    const errs = validateRegistry(body);
    if (errs.length) throw new BackendError({ code: 'invalid', message: errs.map((e) => e.message).join('; '), fields: errs });
  };
  const create = b.createRecord.bind(b);
  const update = b.updateRecord.bind(b);
  b.createRecord = async (body) => {
    check(body);
    return create(body);
  };
  b.updateRecord = async (id, rev, body) => {
    check(body);
    return update(id, rev, body);
  };
  return b;
}

export function registryMock(store: MockStore, today: () => string = () => localToday()): RegistryApi {
  return {
    dataSheets: async () => {
      const all = store.list();
      const siteCountry = new Map<string, Country>();
      const visitSite = new Map<string, string>();
      for (const c of all) {
        if (c.body?.kind === 'site') siteCountry.set(c.id, c.body.body.country);
        else if (c.body?.kind === 'visit' && c.body.body.site) visitSite.set(c.id, c.body.body.site);
      }
      const records = new Map<Country, number>();
      const deadlines = new Map<Country, Deadline[]>();
      for (const c of all) {
        if (c.body?.kind === 'observation') {
          const o = c.body.body;
          const site = o.site ?? (o.visit ? visitSite.get(o.visit) : undefined);
          const country = site ? siteCountry.get(site) : undefined;
          if (country) records.set(country, (records.get(country) ?? 0) + 1);
        } else if (c.body?.kind === 'checklist') {
          const cl = c.body.body;
          deadlines.set(cl.country, [...(deadlines.get(cl.country) ?? []), ...cl.deadlines]);
        }
      }
      const day = today();
      return COUNTRIES.map((country): CountrySheet => {
        const { next, status } = sheetStatus(deadlines.get(country) ?? [], day);
        return { country, records: records.get(country) ?? 0, next_deadline: next, status };
      });
    },
  };
}
