// The planning part of the in-memory mock backend (browser tests and UI development).
import type { Current } from '../bindings/core';
import { BackendError, type Backend } from './types';

/** What the planning mock reads from the mock's records. */
export interface MockStore {
  list(): Current[];
}

type PlanningApi = Pick<Backend, 'surveyProgress' | 'surveyBudget' | 'doubleBookings' | 'schedule' | 'gpxImport' | 'print'>;

const unavailable = (what: string) => async (): Promise<never> => {
  throw new BackendError({ code: 'internal', message: `${what} is not available in the browser preview`, fields: [] });
};

export function planningMock(store: MockStore): PlanningApi {
  const routes = (survey: string) => store.list().filter((c) => c.body?.kind === 'route' && c.body.body.survey === survey);
  const team = (survey: string) => store.list().filter((c) => c.body?.kind === 'assignment' && c.body.body.survey === survey);
  return {
    surveyProgress: async (survey) => {
      return { routes_planned: routes(survey).length, routes_km: 0, visits: 0, visits_done: 0, records: 0, individuals: 0, effort: {}, hours: 0, team: team(survey).length };
    },
    surveyBudget: unavailable('budget totals'),
    doubleBookings: async () => [],
    schedule: async () => [],
    gpxImport: unavailable('GPX import'),
    print: async () => {},
  };
}
