// The visits part of the in-memory mock backend: the open visit, start and end with effort by the
// same rules as dauria-core's visits module (distance from the track, else the route; hours from
// start to end). The mock is one laptop, so every visit without an end is this laptop's.
import type { Current, Effort, Visit, VisitSummary } from '../bindings/core';
import { lengthKm } from '../plan/geo';
import { inSurvey } from './mock-planning';
import { gpxByBytes } from './mock-recorded';
import { BackendError, type Backend } from './types';

type VisitsApi = Pick<Backend, 'visitOpen' | 'visitStart' | 'visitEnd' | 'visitList' | 'visitFromGpx'>;

const invalid = (field: string, rule: string, message: string) =>
  new BackendError({ code: 'invalid', message, fields: [{ field, rule, message }] });

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function visitsMock(api: () => Backend): VisitsApi {
  async function effort(v: Visit): Promise<Effort> {
    const hours = v.end ? Math.max(0, Date.parse(v.end) - Date.parse(v.start)) / 3_600_000 : null;
    if (v.track.length >= 2) return { hours, km: lengthKm(v.track), distance_from: 'track' };
    if (v.route) {
      const r = await api().getRecord(v.route);
      if (r?.body?.kind === 'route' && r.body.body.waypoints.length >= 2)
        return { hours, km: lengthKm(r.body.body.waypoints), distance_from: 'route' };
    }
    return { hours, km: null, distance_from: null };
  }
  async function summary(c: Current): Promise<VisitSummary | null> {
    if (c.body?.kind !== 'visit') return null;
    const v = c.body.body;
    return { id: c.id, rev_id: c.rev_id, conflict: c.conflict, open: v.end === null, visit: v, effort: await effort(v) };
  }
  async function list(survey: string | null): Promise<VisitSummary[]> {
    const out: VisitSummary[] = [];
    for (const c of await api().listRecords('visit')) {
      const s = await summary(c);
      if (s && (survey === null || s.visit.survey === survey)) out.push(s);
    }
    return out.sort((a, b) => Date.parse(b.visit.start) - Date.parse(a.visit.start));
  }
  const open = async () => (await list(null)).find((v) => v.open) ?? null;
  function recorded(e: Effort): [number, string] | null {
    if (e.km !== null) return [round3(e.km), 'km'];
    if (e.hours !== null) return [round3(e.hours), 'h'];
    return null;
  }

  return {
    visitOpen: open,
    visitList: list,
    visitStart: async (s) => {
      const o = await open();
      if (o) throw invalid('visit', 'already_open', `visit ${o.id} started at ${o.visit.start} is still open; end it before starting another`);
      const observers = s.observers.map((x) => x.trim()).filter(Boolean);
      const errs = [];
      if (!s.protocol.trim()) errs.push({ field: 'protocol', rule: 'required', message: 'say how the team samples' });
      if (!observers.length) errs.push({ field: 'observers', rule: 'required', message: 'name at least one observer' });
      if (errs.length) throw new BackendError({ code: 'invalid', message: errs.map((e) => e.message).join('; '), fields: errs });
      let survey = s.survey || null;
      if (s.route) {
        const r = await api().getRecord(s.route);
        if (r?.body?.kind === 'route') survey ??= r.body.body.survey;
      }
      const visit: Visit = {
        survey,
        site: s.site || null,
        route: s.route || null,
        start: s.start || now(),
        end: null,
        observers,
        protocol: s.protocol.trim(),
        effort_value: null,
        effort_unit: null,
        weather: s.weather || null,
        track: [],
      };
      return api().createRecord({ kind: 'visit', body: visit });
    },
    visitEnd: async (at) => {
      const o = await open();
      if (!o) throw invalid('visit', 'none_open', 'no visit is open on this laptop');
      const v: Visit = { ...o.visit, end: at || now() };
      if (Date.parse(v.end!) < Date.parse(v.start)) throw invalid('end', 'order', 'the end is before the start');
      const r = recorded(await effort(v));
      if (r) [v.effort_value, v.effort_unit] = r;
      return api().updateRecord(o.id, o.rev_id, { kind: 'visit', body: v });
    },
    // What the real command made from the same file (recorded by crates/app/tests/recorded.rs),
    // with this call's survey, protocol and observers; the mock parses no GPX itself.
    visitFromGpx: async (bytes, survey, protocol, observers) => {
      const r = gpxByBytes(bytes);
      if (!r) throw invalid('file', 'format', 'the mock backend has no recorded reply for this file (see crates/app/tests/recorded.rs)');
      if (r.visits.error) throw new BackendError(r.visits.error);
      const ids: string[] = [];
      for (const b of r.visits.created!) {
        const v = inSurvey(b, survey);
        if (v.kind === 'visit') Object.assign(v.body, { protocol, observers });
        ids.push((await api().createRecord(v)).id);
      }
      return ids;
    },
  };
}
