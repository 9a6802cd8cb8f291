// The planning part of the in-memory mock backend (browser tests and UI development). It computes
// progress, budget totals, double bookings and the schedule from the mock's records by the same
// rules as dauria-core's planning module.
import type {
  Assignment,
  Body,
  BudgetLine,
  Current,
  DoubleBooking,
  Progress,
  ScheduleItem,
  Survey,
} from '../bindings/core';
import { lengthKm } from '../plan/geo';
import { CURRENCIES, MissingRate, isDecimal, normaliseDecimal, summarise } from '../plan/money';
import { dayNumber } from '../plan/timeline';
import { gpxByBytes } from './mock-recorded';
import { BackendError, type Backend } from './types';

/** What the planning mock reads from the mock's records (and, when given, how it adds one). */
export interface MockStore {
  list(): Current[];
  /** Creates a record and returns its id (GPX import needs it). */
  create?(body: Body): string;
}

type PlanningApi = Pick<Backend, 'surveyProgress' | 'surveyBudget' | 'doubleBookings' | 'schedule' | 'gpxImport' | 'print'>;

const unavailable = (what: string) => async (): Promise<never> => {
  throw new BackendError({ code: 'internal', message: `${what} is not available in the browser preview`, fields: [] });
};

const invalid = (field: string, rule: string, message: string) =>
  new BackendError({ code: 'invalid', message, fields: [{ field, rule, message }] });

const isDate = (s: string | null | undefined): s is string => !!s && !Number.isNaN(dayNumber(s));

/** A recorded body with the recording's placeholder survey replaced by `survey`. */
export function inSurvey(body: Body, survey: string | null): Body {
  const b = structuredClone(body) as Body & { body: { survey?: string | null } };
  if (b.body.survey === '<survey>') b.body.survey = survey;
  return b;
}

export function planningMock(store: MockStore): PlanningApi {
  const bodies = <K extends Body['kind']>(kind: K) =>
    store.list().flatMap((c) => (c.body?.kind === kind ? [{ id: c.id, body: c.body.body as Extract<Body, { kind: K }>['body'] }] : []));
  function survey(id: string): Survey {
    const c = store.list().find((x) => x.id === id);
    if (!c || c.body?.kind !== 'survey') throw new BackendError({ code: 'not_found', message: `there is no survey ${id}`, fields: [] });
    return c.body.body;
  }
  const personName = (id: string) => bodies('person').find((p) => p.id === id)?.body.name ?? id;

  return {
    surveyProgress: async (id) => {
      survey(id);
      const p: Progress = { routes_planned: 0, routes_km: 0, visits: 0, visits_done: 0, records: 0, individuals: 0, effort: {}, hours: 0, team: 0 };
      for (const r of bodies('route')) {
        if (r.body.survey !== id) continue;
        p.routes_planned += 1;
        p.routes_km += lengthKm(r.body.waypoints);
      }
      const visits = new Set<string>();
      for (const v of bodies('visit')) {
        if (v.body.survey !== id) continue;
        visits.add(v.id);
        p.visits += 1;
        if (v.body.end) {
          p.visits_done += 1;
          const a = Date.parse(v.body.start);
          const b = Date.parse(v.body.end);
          if (!Number.isNaN(a) && !Number.isNaN(b)) p.hours += Math.max(0, Math.floor((b - a) / 1000)) / 3600;
        }
        if (v.body.effort_value !== null && v.body.effort_unit) {
          p.effort[v.body.effort_unit] = (p.effort[v.body.effort_unit] ?? 0) + v.body.effort_value;
        }
      }
      for (const o of bodies('observation')) {
        if (o.body.visit && visits.has(o.body.visit)) {
          p.records += 1;
          p.individuals += o.body.count ?? o.body.count_min ?? 0;
        }
      }
      p.team = new Set(bodies('assignment').filter((a) => a.body.survey === id).map((a) => a.body.person)).size;
      return p;
    },

    surveyBudget: async (id, currency) => {
      const s = survey(id);
      for (const r of s.exchange_rates ?? []) {
        const code = r.currency.trim().toUpperCase();
        if (!(CURRENCIES as readonly string[]).includes(code))
          throw invalid('exchange_rates.currency', 'unknown_currency', `currency '${r.currency}' is not one of ${CURRENCIES.join(', ')}`);
        const v = normaliseDecimal(r.per_usd);
        if (!isDecimal(v)) throw invalid('exchange_rates.per_usd', 'format', `'${r.per_usd}' is not a decimal number like 1250.50`);
        if (Number(v) <= 0) throw invalid('exchange_rates.per_usd', 'positive', `the rate for ${code} must be more than zero, not ${r.per_usd}`);
      }
      const reporting = currency ? currency.trim().toUpperCase() : null;
      if (reporting && !(CURRENCIES as readonly string[]).includes(reporting))
        throw invalid('currency', 'unknown_currency', `currency '${reporting}' is not one of ${CURRENCIES.join(', ')}`);
      const lines: BudgetLine[] = bodies('budget_line').filter((l) => l.body.survey === id).map((l) => l.body);
      for (const l of lines) {
        if (!isDecimal(l.quantity)) throw invalid('quantity', 'format', `'${l.quantity}' is not a decimal number like 1250.50`);
        if (!isDecimal(l.unit_cost)) throw invalid('unit_cost', 'format', `'${l.unit_cost}' is not a decimal number like 1250.50`);
      }
      try {
        return summarise(lines, s.exchange_rates ?? [], reporting);
      } catch (e) {
        if (e instanceof MissingRate) throw invalid('exchange_rates', 'missing_rate', e.message);
        throw e;
      }
    },

    doubleBookings: async () => {
      const surveys = new Map(bodies('survey').map((s) => [s.id, s.body]));
      const byPerson = new Map<string, { id: string; a: Assignment; from: string; to: string }[]>();
      for (const { id, body: a } of bodies('assignment')) {
        const s = surveys.get(a.survey);
        if (!s) continue;
        const d = (v: string | null | undefined) => (isDate(v) ? v : null);
        const from = d(a.from) ?? d(s.start_date) ?? d(a.to) ?? d(s.end_date);
        const to = d(a.to) ?? d(s.end_date) ?? from;
        if (!from || !to) continue;
        if (!byPerson.has(a.person)) byPerson.set(a.person, []);
        byPerson.get(a.person)!.push({ id, a, from, to });
      }
      const out: DoubleBooking[] = [];
      for (const [person, list] of byPerson) {
        list.sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
        for (let i = 0; i < list.length; i++) {
          for (let j = i + 1; j < list.length; j++) {
            const x = list[i];
            const y = list[j];
            const from = x.from > y.from ? x.from : y.from;
            const to = x.to < y.to ? x.to : y.to;
            if (from > to) continue;
            out.push({
              person,
              person_name: personName(person),
              first_assignment: x.id,
              first_survey: x.a.survey,
              first_survey_title: surveys.get(x.a.survey)?.title ?? '',
              second_assignment: y.id,
              second_survey: y.a.survey,
              second_survey_title: surveys.get(y.a.survey)?.title ?? '',
              from,
              to,
            });
          }
        }
      }
      const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      return out.sort((a, b) => cmp(a.person_name, b.person_name) || cmp(a.from, b.from) || cmp(a.first_assignment, b.first_assignment));
    },

    schedule: async (only) => {
      const items: ScheduleItem[] = [];
      const surveys = new Map(bodies('survey').map((s) => [s.id, s.body]));
      for (const [id, s] of surveys) {
        const start = s.start_date ?? s.end_date;
        if (start) items.push({ survey: id, survey_title: s.title, activity: 'survey', record: id, label: s.title, role: null, person: null, start, end: s.end_date ?? start });
      }
      for (const { id, body: r } of bodies('route')) {
        const s = surveys.get(r.survey);
        if (r.planned_date && s)
          items.push({ survey: r.survey, survey_title: s.title, activity: 'route', record: id, label: r.name, role: null, person: null, start: r.planned_date, end: r.planned_date });
      }
      for (const { id, body: a } of bodies('assignment')) {
        const s = surveys.get(a.survey);
        if (!s) continue;
        const start = a.from ?? s.start_date;
        const end = a.to ?? s.end_date ?? start;
        if (!start || !end) continue;
        items.push({ survey: a.survey, survey_title: s.title, activity: 'assignment', record: id, label: `${personName(a.person)} (${a.role})`, role: a.role, person: personName(a.person), start, end });
      }
      const order = { survey: 0, route: 1, assignment: 2 };
      const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      return items
        .filter((i) => only === null || i.survey === only)
        .sort((a, b) => cmp(a.start, b.start) || cmp(a.survey_title, b.survey_title) || order[a.activity] - order[b.activity] || cmp(a.label, b.label));
    },

    // What the real import answered for the same file, with the routes and visits it made
    // (recorded by crates/app/tests/recorded.rs); the mock parses no GPX itself.
    gpxImport: store.create
      ? async (id, _fileName, bytes) => {
          survey(id);
          const r = gpxByBytes(bytes);
          if (!r) throw invalid('file', 'format', 'the mock backend has no recorded reply for this file (see crates/app/tests/recorded.rs)');
          if (r.import.error) throw new BackendError(r.import.error);
          const made = r.import.created!.map((b) => store.create!(inSurvey(b, id)));
          const s = r.import.summary!;
          return { ...s, routes: made.slice(0, s.routes.length), visits: made.slice(s.routes.length) };
        }
      : unavailable('GPX import'),

    print: async function (this: Backend, name?: string) {
      if (!name?.trim()) return null;
      const dir = ((await this.getSetting('export_dir')) ?? '').trim() || '/home/mock/Documents/Dauria Field';
      return `${dir}/${name.trim().replace(/[/\\:*?"<>|]/g, '_')}.pdf`;
    },
  };
}
