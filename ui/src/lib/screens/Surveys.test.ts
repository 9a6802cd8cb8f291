import { fireEvent, render, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../backend';
import { createMockBackend, type MockBackend } from '../backend/mock';
import type { Survey } from '../bindings/core';
import { MESSAGES, setLocale } from '../i18n/index.svelte';
import { emptySurvey } from '../plan/survey';
import { loadCache, nav, toast } from '../state.svelte';
import Surveys from './Surveys.svelte';

let mock: MockBackend;

beforeEach(async () => {
  mock = createMockBackend();
  useBackend(mock);
  await loadCache();
  setLocale('en');
  nav.screen = 'surveys';
  toast.text = '';
  toast.action = null;
});

async function addSurvey(title: string, start: string | null, end: string | null, extra: Partial<Survey> = {}) {
  return (await mock.createRecord({ kind: 'survey', body: { ...emptySurvey(title), start_date: start, end_date: end, ...extra } })).id;
}
async function addPerson(name: string) {
  return (await mock.createRecord({ kind: 'person', body: { name, organisation: null, country: 'MN', roles: [], contact: null, languages: [] } })).id;
}
async function surveyBody(id: string): Promise<Survey> {
  const c = await mock.getRecord(id);
  if (c?.body?.kind !== 'survey') throw new Error('not a survey');
  return c.body.body;
}
const q = <T extends Element = HTMLElement>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
async function found<T extends Element = HTMLElement>(root: ParentNode, sel: string): Promise<T> {
  return waitFor(() => {
    const e = root.querySelector(sel);
    expect(e, sel).not.toBeNull();
    return e as T;
  });
}
async function openSurvey(c: HTMLElement, title: string, tab?: string) {
  const row = await found(c, `[data-testid="survey-row"][data-title="${title}"]`);
  await fireEvent.click(q(row, '[data-action="open"]'));
  await found(c, '#survey-heading');
  if (tab) await fireEvent.click(q(c, `#tab-${tab}`));
}
const type = (el: Element, value: string) => fireEvent.input(el, { target: { value } });

describe('survey list and creation', () => {
  it('creates a survey from the form (Enter) and opens it as a draft', async () => {
    const { container: c } = render(Surveys);
    await found(c, '#surveys-empty');
    await fireEvent.click(q(c, '#survey-new'));
    await type(q(c, '#new-title'), 'Marmot plague survey');
    await type(q(c, '#new-region'), 'Mongol Daguur');
    await type(q(c, '#new-start'), '2026-06-01');
    await type(q(c, '#new-end'), '2026-06-20');
    await fireEvent.submit(q(c, '#new-survey-form'));
    await waitFor(() => expect(q(c, '#survey-heading')?.textContent).toBe('Marmot plague survey'));
    const list = await mock.listRecords('survey');
    expect(list).toHaveLength(1);
    expect(list[0].body).toMatchObject({ kind: 'survey', body: { title: 'Marmot plague survey', region: 'Mongol Daguur', status: 'draft', start_date: '2026-06-01', end_date: '2026-06-20' } });
    expect(q(c, '#survey-status').textContent).toBe('Draft');
  });

  it('refuses a survey without a title or ending before it starts, beside the field', async () => {
    setLocale('ru');
    const { container: c } = render(Surveys);
    await fireEvent.click(await found(c, '#survey-new'));
    await type(q(c, '#new-start'), '2026-06-10');
    await type(q(c, '#new-end'), '2026-06-01');
    await fireEvent.submit(q(c, '#new-survey-form'));
    await found(c, '[data-error="title"]');
    expect(q(c, '[data-error="title"]').textContent).toBe(MESSAGES.ru['rule.required']);
    expect(q(c, '[data-error="end_date"]')).not.toBeNull();
    expect(await mock.listRecords('survey')).toHaveLength(0);
  });

  it('lists status, dates, lead, progress and double-booking warnings', async () => {
    const lead = await addPerson('Tsetseg');
    const a = await addSurvey('Marmots', '2026-06-01', '2026-06-20', { lead, status: 'approved' });
    const b = await addSurvey('Cranes', '2026-06-15', '2026-07-01');
    await mock.createRecord({ kind: 'assignment', body: { survey: a, person: lead, role: 'lead', from: null, to: null } });
    await mock.createRecord({ kind: 'assignment', body: { survey: b, person: lead, role: 'field', from: null, to: null } });
    await mock.createRecord({ kind: 'route', body: { survey: a, name: 'R1', waypoints: [{ name: null, lat: 0, lon: 0 }, { name: null, lat: 0, lon: 1 }], planned_date: null, transport: null } });
    const { container: c } = render(Surveys);
    const row = await found(c, '[data-testid="survey-row"][data-title="Marmots"]');
    expect(q(row, '[data-field="status"]').textContent).toBe('Approved');
    expect(row.textContent).toContain('06/01/2026 – 06/20/2026');
    expect(row.textContent).toContain('Tsetseg');
    await waitFor(() => expect(q(row, '[data-field="progress"]').textContent).toContain('Routes: 1 (111.2 km)'));
    expect(q(row, '[data-field="warnings"]').textContent).toContain('1');
    // The warning badge opens the team tab of that survey.
    await fireEvent.click(q(row, '[data-field="warnings"]'));
    const warning = await found(c, '[data-testid="booking-warning"]');
    expect(warning.textContent).toBe('Tsetseg is booked in "Marmots" and in "Cranes" at the same time: 06/15/2026 – 06/20/2026 (days: 6).');
  });
});

describe('overview', () => {
  it('edits every field, adds and removes target species, and saves with Ctrl+Enter', async () => {
    const lead = await addPerson('Olga');
    const id = await addSurvey('Draft survey', null, null);
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Draft survey');
    await type(q(c, '#survey-title'), 'Tarbagan survey');
    await type(q(c, '#survey-region'), 'Dauria');
    await fireEvent.click(q(c, '#group-small_mammal'));
    await fireEvent.click(q(c, '#group-vector'));
    await fireEvent.click(q(c, '#method-live_trapping'));
    await fireEvent.click(q(c, '#method-sample_collection'));
    await type(q(c, '#methods-other'), 'burrow counts, flea combing');
    await type(q(c, '#survey-start'), '2026-06-01');
    await type(q(c, '#survey-end'), '2026-06-15');
    const leadSelect = q<HTMLSelectElement>(c, '#survey-lead');
    leadSelect.value = lead;
    await fireEvent.change(leadSelect);
    // Species: a Chinese name, Enter picks the first match; a second one by click; then remove one.
    await type(q(c, '#species-search'), '旱獭');
    await found(c, '#species-results [data-taxon="Marmota sibirica"]');
    await fireEvent.keyDown(q(c, '#species-search'), { key: 'Enter' });
    await found(c, '#species-chips [data-taxon="Marmota sibirica"]');
    await type(q(c, '#species-search'), 'wolf');
    await fireEvent.mouseDown(await found(c, '#species-results [data-taxon="Canis lupus"]'));
    await found(c, '#species-chips [data-taxon="Canis lupus"]');
    await fireEvent.click(q(c, '#species-chips [data-remove="Canis lupus"]'));
    expect(q(c, '#species-chips [data-taxon="Canis lupus"]')).toBeNull();

    await fireEvent.keyDown(q(c, '#survey-region'), { key: 'Enter', ctrlKey: true });
    await waitFor(async () => expect((await surveyBody(id)).title).toBe('Tarbagan survey'));
    const s = await surveyBody(id);
    const marmot = (await mock.searchTaxa('Marmota sibirica', 1))[0].id;
    expect(s).toMatchObject({
      region: 'Dauria',
      target_groups: ['small_mammal', 'vector'],
      target_taxa: [marmot],
      methods: ['live_trapping', 'sample_collection', 'burrow counts', 'flea combing'],
      start_date: '2026-06-01',
      end_date: '2026-06-15',
      lead,
      status: 'draft',
    });
    expect(q(c, '#survey-heading').textContent).toBe('Tarbagan survey');
  });

  it('moves the status one step with the button, and undo brings it back', async () => {
    const id = await addSurvey('Stepper', '2026-06-01', '2026-06-10');
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Stepper');
    expect(q(c, '#status-next').textContent).toBe('Approve');
    await fireEvent.click(q(c, '#status-next'));
    await waitFor(async () => expect((await surveyBody(id)).status).toBe('approved'));
    await waitFor(() => expect(q(c, '#status-next').textContent).toBe('Start field work'));
    await fireEvent.click(q(c, '#status-next'));
    await waitFor(async () => expect((await surveyBody(id)).status).toBe('in_field'));
    await toast.action!.run();
    await waitFor(async () => expect((await surveyBody(id)).status).toBe('approved'));
    expect(q(c, '#survey-status').textContent).toBe('Approved');
  });

  it('shows progress against the plan', async () => {
    const id = await addSurvey('Counted', '2026-06-01', '2026-06-10');
    const v = await mock.createRecord({ kind: 'visit', body: { survey: id, site: null, start: '2026-06-02T06:00:00+08:00', end: '2026-06-02T10:00:00+08:00', observers: [], protocol: null, effort_value: 2, effort_unit: 'km', weather: null, track: [] } });
    await mock.createRecord({ kind: 'observation', body: { visit: v.id, site: null, taxon: null, taxon_name: 'Pika', count: 7, count_min: null, count_max: null, unit: 'individuals', sex: null, age: null, behaviour: null, lat: 49.7, lon: 115.1, uncertainty_m: null, observed_at: '2026-06-02T07:00:00+08:00', observers: [], detection_method: null, notes: null, photos: [] } });
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Counted');
    await waitFor(() => expect(q(c, '#progress-visits').textContent).toBe('1 of 1 finished'));
    expect(q(c, '#progress-records').textContent).toBe('1');
    expect(q(c, '#progress-individuals').textContent).toBe('7');
    expect(q(c, '#progress-effort').textContent).toBe('2 km');
    expect(q(c, '#progress-hours').textContent).toBe('4.0');
  });
});

describe('routes', () => {
  it('draws three points, shows the length live, reorders, saves, edits and deletes with undo', async () => {
    const id = await addSurvey('Routes', '2026-06-01', '2026-06-10');
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Routes', 'routes');
    await found(c, '#route-form');
    for (const p of ['0, 0', '0, 1', '1, 1']) {
      await type(q(c, '#wp-coords'), p);
      await fireEvent.keyDown(q(c, '#wp-coords'), { key: 'Enter' });
      await waitFor(() => expect(q(c, '#wp-coords').getAttribute('value') ?? (q<HTMLInputElement>(c, '#wp-coords')).value).toBe(''));
    }
    await waitFor(() => expect(c.querySelectorAll('[data-testid="waypoint"]')).toHaveLength(3));
    expect(q(c, '#route-km').textContent).toBe('Length 222.4 km');
    await type(q(c, '#wp-name-0'), 'Camp');
    // Moving the last point first: (1,1) → (0,0) → (0,1) is 157.2 + 111.2 = 268.4 km.
    await fireEvent.click(q(c, '#wp-up-2'));
    await fireEvent.click(q(c, '#wp-up-1'));
    expect(q(c, '#route-km').textContent).toBe('Length 268.4 km');
    await fireEvent.click(q(c, '#wp-remove-0'));
    expect(q(c, '#route-km').textContent).toBe('Length 111.2 km');

    await fireEvent.submit(q(c, '#route-form'));
    expect(q(c, '[data-error="name"]')).not.toBeNull();
    await type(q(c, '#route-name'), 'Lake transect');
    const tr = q<HTMLSelectElement>(c, '#route-transport');
    tr.value = 'horse';
    await fireEvent.change(tr);
    await fireEvent.keyDown(q(c, '#route-name'), { key: 'Enter', ctrlKey: true });
    const row = await found(c, '[data-testid="route-row"][data-name="Lake transect"]');
    expect(q(row, '[data-field="km"]').textContent).toBe('111.2');
    const routes = await mock.listRecords('route');
    expect(routes).toHaveLength(1);
    expect(routes[0].body).toMatchObject({ kind: 'route', body: { survey: id, name: 'Lake transect', planned_date: '2026-06-01', transport: 'horse', waypoints: [{ name: 'Camp', lat: 0, lon: 0 }, { name: null, lat: 0, lon: 1 }] } });
    expect((await mock.surveyProgress(id)).routes_km).toBeCloseTo(111.195, 2);

    // Edit: add a third point and save again.
    await fireEvent.click(q(row, '[data-action="edit"]'));
    await waitFor(() => expect(q<HTMLInputElement>(c, '#route-name').value).toBe('Lake transect'));
    await type(q(c, '#wp-coords'), '1, 1');
    await fireEvent.click(q(c, '#wp-add'));
    await waitFor(() => expect(q(c, '#route-km').textContent).toBe('Length 222.4 km'));
    await fireEvent.submit(q(c, '#route-form'));
    await waitFor(async () => {
      const r = (await mock.listRecords('route'))[0];
      expect(r.body?.kind === 'route' && r.body.body.waypoints.length).toBe(3);
    });
    expect(await mock.listRecords('route')).toHaveLength(1);

    await fireEvent.click(q(await found(c, '[data-testid="route-row"]'), '[data-action="delete"]'));
    await waitFor(async () => expect(await mock.listRecords('route')).toHaveLength(0));
    await found(c, '#routes-empty');
    await toast.action!.run();
    await waitFor(async () => expect(await mock.listRecords('route')).toHaveLength(1));
    await found(c, '[data-testid="route-row"][data-name="Lake transect"]');
  });

  it('explains coordinates it cannot read, and needs two waypoints', async () => {
    await addSurvey('Bad coords', null, null);
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Bad coords', 'routes');
    await type(await found(c, '#wp-coords'), 'somewhere north');
    await fireEvent.click(q(c, '#wp-add'));
    await found(c, '[data-error="coords"]');
    await type(q(c, '#route-name'), 'Short');
    await fireEvent.submit(q(c, '#route-form'));
    expect(q(c, '[data-error="waypoints"]').textContent).toBe('A route needs at least two waypoints.');
    expect(await mock.listRecords('route')).toHaveLength(0);
  });

  it('imports a GPX file and shows the summary; exports and shows the saved path', async () => {
    const id = await addSurvey('GPX', null, null);
    const seen: { survey: string; name: string; text: string }[] = [];
    mock.gpxImport = async (survey, name, bytes) => {
      seen.push({ survey, name, text: new TextDecoder().decode(bytes) });
      return { routes: ['r1', 'r2'], visits: ['v1'], points: 120, track_km: 14.26, track_hours: 3.5 };
    };
    mock.exportFile = vi.fn(async () => ({ path: '/home/lead/Documents/Dauria Field/GPX-2026.gpx', size_bytes: 2048, records: 57 }));
    const { container: c } = render(Surveys);
    await openSurvey(c, 'GPX', 'routes');
    const input = await found<HTMLInputElement>(c, '#gpx-import');
    const file = new File(['<gpx version="1.1"></gpx>'], 'day1.gpx', { type: 'application/gpx+xml' });
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    await fireEvent.change(input);
    const summary = await found(c, '#gpx-summary');
    expect(summary.textContent).toBe('day1.gpx: 2 routes and 1 visits from tracks imported; 120 points, 14.3 km and 3.5 h of tracks.');
    expect(seen).toEqual([{ survey: id, name: 'day1.gpx', text: '<gpx version="1.1"></gpx>' }]);

    await fireEvent.click(q(c, '#gpx-export'));
    const done = await found(c, '#gpx-exported');
    expect(done.textContent).toBe('Saved 57 points to /home/lead/Documents/Dauria Field/GPX-2026.gpx');
    expect(mock.exportFile).toHaveBeenCalledWith('gpx', id);
  });

  it('shows a GPX import error in words', async () => {
    await addSurvey('GPX bad', null, null);
    const { container: c } = render(Surveys);
    await openSurvey(c, 'GPX bad', 'routes');
    mock.gpxImport = async () => {
      throw { code: 'invalid', message: 'not GPX', fields: [{ field: 'file', rule: 'format', message: 'line 1: expected <gpx>' }] };
    };
    const input = await found<HTMLInputElement>(c, '#gpx-import');
    Object.defineProperty(input, 'files', { value: [new File(['x'], 'notes.gpx')], configurable: true });
    await fireEvent.change(input);
    const err = await found(c, '#gpx-error');
    expect(err.textContent).toContain('Some fields need attention.');
    expect(err.textContent).toContain('line 1: expected <gpx>');
  });
});

describe('team', () => {
  it('sends the user to People when the registry is empty', async () => {
    await addSurvey('Nobody', '2026-06-01', '2026-06-10');
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Nobody', 'team');
    await fireEvent.click(await found(c, '#team-go-people'));
    expect(nav.screen).toBe('people');
  });

  it('assigns people with the survey dates by default, warns of a double booking, and removes with undo', async () => {
    const bat = await addPerson('Batbayar');
    await addPerson('Anna');
    const other = await addSurvey('Cranes', '2026-06-10', '2026-06-30');
    await mock.createRecord({ kind: 'assignment', body: { survey: other, person: bat, role: 'driver', from: null, to: null } });
    const id = await addSurvey('Marmots', '2026-06-01', '2026-06-15');
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Marmots', 'team');
    const person = await found<HTMLSelectElement>(c, '#team-person');
    expect(q<HTMLInputElement>(c, '#team-from').dataset.value).toBe('2026-06-01');
    expect(q<HTMLInputElement>(c, '#team-to').dataset.value).toBe('2026-06-15');
    person.value = bat;
    await fireEvent.change(person);
    await type(q(c, '#team-role'), 'Veterinarian');
    await fireEvent.submit(q(c, '#team-form'));
    const row = await found(c, '[data-testid="team-row"][data-person="Batbayar"]');
    expect(row.textContent).toContain('Veterinarian');
    const mine = (await mock.listRecords('assignment')).filter((a) => a.body?.kind === 'assignment' && a.body.body.survey === id);
    expect(mine[0].body).toMatchObject({ body: { person: bat, role: 'vet', from: '2026-06-01', to: '2026-06-15' } });
    const warning = await found(c, '[data-testid="booking-warning"]');
    expect(warning.textContent).toBe('Batbayar is booked in "Marmots" and in "Cranes" at the same time: 06/10/2026 – 06/15/2026 (days: 6).');

    await fireEvent.click(q(row, '[data-action="remove"]'));
    await found(c, '#team-empty');
    await waitFor(() => expect(c.querySelector('[data-testid="booking-warning"]')).toBeNull());
    await toast.action!.run();
    await found(c, '[data-testid="team-row"][data-person="Batbayar"]');
    await found(c, '[data-testid="booking-warning"]');
  });

  it('edits an assignment on its revision so it overlaps another survey, and Escape cancels an edit', async () => {
    const bat = await addPerson('Batbayar');
    const other = await addSurvey('Cranes', '2026-06-20', '2026-06-30');
    await mock.createRecord({ kind: 'assignment', body: { survey: other, person: bat, role: 'driver', from: '2026-06-20', to: '2026-06-30' } });
    const id = await addSurvey('Marmots', '2026-06-01', '2026-06-15');
    const update = vi.spyOn(mock, 'updateRecord');
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Marmots', 'team');
    const person = await found<HTMLSelectElement>(c, '#team-person');
    person.value = bat;
    await fireEvent.change(person);
    await type(q(c, '#team-role'), 'Veterinarian');
    await fireEvent.submit(q(c, '#team-form'));
    let row = await found(c, '[data-testid="team-row"][data-person="Batbayar"]');
    const mineNow = async () => (await mock.listRecords('assignment')).filter((a) => a.body?.kind === 'assignment' && a.body.body.survey === id);
    const [first] = await mineNow();
    expect(c.querySelector('[data-testid="booking-warning"]')).toBeNull();
    expect(q(c, '#team-cancel')).toBeNull();

    // Edit: the form takes the assignment, the button says Save, Cancel appears.
    await fireEvent.click(q(row, '[data-action="edit"]'));
    await waitFor(() => expect(q<HTMLSelectElement>(c, '#team-person').value).toBe(bat));
    expect(q<HTMLInputElement>(c, '#team-role').value).toBe('Veterinarian');
    expect(q<HTMLInputElement>(c, '#team-from').dataset.value).toBe('2026-06-01');
    expect(q<HTMLInputElement>(c, '#team-to').dataset.value).toBe('2026-06-15');
    expect(q(c, '#team-add').textContent).toBe('Save');
    expect(q(c, '#team-form h2').textContent).toBe('Edit assignment');
    expect(q(c, '#team-cancel').textContent).toBe('Cancel');
    expect(row.classList.contains('current')).toBe(true);

    // The end before the start is refused beside the field, and nothing is written.
    await type(q(c, '#team-from'), '2026-06-10');
    await type(q(c, '#team-to'), '2026-06-05');
    await fireEvent.submit(q(c, '#team-form'));
    await found(c, '[data-error="to"]');
    expect(q(c, '#team-error')).not.toBeNull();
    expect(update).not.toHaveBeenCalled();

    // Ctrl+Enter saves on the revision that was loaded.
    await type(q(c, '#team-to'), '2026-06-22');
    await fireEvent.keyDown(q(c, '#team-to'), { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(update).toHaveBeenCalledTimes(1));
    expect(update).toHaveBeenCalledWith(first.id, first.rev_id, { kind: 'assignment', body: { survey: id, person: bat, role: 'vet', from: '2026-06-10', to: '2026-06-22' } });
    const after = await mineNow();
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(first.id);
    expect(after[0].rev_id).not.toBe(first.rev_id);
    expect(after[0].body).toEqual({ kind: 'assignment', body: { survey: id, person: bat, role: 'vet', from: '2026-06-10', to: '2026-06-22' } });
    const warning = await found(c, '[data-testid="booking-warning"]');
    expect(warning.textContent).toBe('Batbayar is booked in "Marmots" and in "Cranes" at the same time: 06/20/2026 – 06/22/2026 (days: 3).');
    row = await found(c, '[data-testid="team-row"][data-person="Batbayar"]');
    expect(row.textContent).toContain('06/10/2026 – 06/22/2026');
    expect(row.classList.contains('booked')).toBe(true);
    expect(toast.text).toBe('Batbayar: assignment saved.');
    await waitFor(() => expect(q(c, '#team-add').textContent).toBe('Assign'));
    expect(q(c, '#team-cancel')).toBeNull();
    expect(q<HTMLSelectElement>(c, '#team-person').value).toBe('');

    // Escape drops an edit in progress: the form is back to adding, the record is untouched.
    await fireEvent.click(q(row, '[data-action="edit"]'));
    await waitFor(() => expect(q<HTMLInputElement>(c, '#team-role').value).toBe('Veterinarian'));
    await type(q(c, '#team-role'), 'Driver');
    await type(q(c, '#team-from'), '2026-06-25');
    await fireEvent.keyDown(q(c, '#team-role'), { key: 'Escape' });
    await waitFor(() => expect(q(c, '#team-cancel')).toBeNull());
    expect(q(c, '#team-add').textContent).toBe('Assign');
    expect(q(c, '#team-form h2').textContent).toBe('Assign a person');
    expect(q<HTMLInputElement>(c, '#team-role').value).toBe('');
    expect(q<HTMLInputElement>(c, '#team-from').dataset.value).toBe('2026-06-01');
    expect(update).toHaveBeenCalledTimes(1);
    const still = await mineNow();
    expect(still.map((a) => [a.id, a.rev_id])).toEqual(after.map((a) => [a.id, a.rev_id]));
    expect(still[0].body).toEqual(after[0].body);
    expect(q(c, '[data-testid="team-row"][data-person="Batbayar"]').textContent).toContain('Veterinarian');
    expect(c.querySelectorAll('[data-testid="booking-warning"]')).toHaveLength(1);
  });

  it('words the warning in Chinese', async () => {
    setLocale('zh-CN');
    const p = await addPerson('王伟');
    const a = await addSurvey('呼伦湖鸟类调查', '2026-05-01', '2026-05-10');
    const b = await addSurvey('旱獭鼠疫调查', '2026-05-08', '2026-05-20');
    await mock.createRecord({ kind: 'assignment', body: { survey: a, person: p, role: 'field', from: null, to: null } });
    await mock.createRecord({ kind: 'assignment', body: { survey: b, person: p, role: 'field', from: null, to: null } });
    const { container: c } = render(Surveys);
    await openSurvey(c, '旱獭鼠疫调查', 'team');
    const w = await found(c, '[data-testid="booking-warning"]');
    expect(w.textContent).toContain('王伟');
    expect(w.textContent).toContain('2026/05/08');
    expect(w.textContent).toContain('2026/05/10');
    expect(w.textContent).toContain('呼伦湖鸟类调查');
    expect(q(c, '[data-testid="team-row"]').textContent).toContain('野外队员');
  });
});

describe('budget', () => {
  it('saves rates, adds lines in two currencies and shows exact totals', async () => {
    const id = await addSurvey('Money', null, null);
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Money', 'budget');
    await fireEvent.click(await found(c, '#rate-add'));
    await type(q(c, '#rate-value-0'), '7,2');
    await fireEvent.click(q(c, '#rate-add'));
    const cur1 = q<HTMLSelectElement>(c, '#rate-currency-1');
    cur1.value = 'MNT';
    await fireEvent.change(cur1);
    await type(q(c, '#rate-value-1'), '3400');
    await fireEvent.click(q(c, '#rates-save'));
    await waitFor(async () => expect((await surveyBody(id)).exchange_rates).toEqual([{ currency: 'CNY', per_usd: '7.2' }, { currency: 'MNT', per_usd: '3400' }]));

    // 300 l of diesel at 7.85 CNY: the amount is computed exactly while typing.
    const cat = q<HTMLSelectElement>(c, '#line-category');
    cat.value = 'fuel';
    await fireEvent.change(cat);
    await type(q(c, '#line-description'), 'Diesel');
    await type(q(c, '#line-quantity'), '300');
    await type(q(c, '#line-unit-cost'), '7.85');
    const cur = q<HTMLSelectElement>(c, '#line-currency');
    cur.value = 'CNY';
    await fireEvent.change(cur);
    expect(q(c, '#line-amount').textContent).toBe('2,355.00 CNY');
    await fireEvent.keyDown(q(c, '#line-unit-cost'), { key: 'Enter', ctrlKey: true });
    await found(c, '[data-testid="budget-line"][data-description="Diesel"]');

    cat.value = 'per_diem';
    await fireEvent.change(cat);
    await type(q(c, '#line-description'), 'Drivers');
    await type(q(c, '#line-quantity'), '10');
    await type(q(c, '#line-unit-cost'), '85000');
    cur.value = 'MNT';
    await fireEvent.change(cur);
    await type(q(c, '#line-actual'), '800000');
    await fireEvent.submit(q(c, '#line-form'));
    await found(c, '[data-testid="budget-line"][data-description="Drivers"]');

    await waitFor(() => expect(q(c, '#budget-total-planned')?.textContent).toBe('577.08 USD'));
    expect(q(c, '#budget-total-actual').textContent).toBe('235.29 USD');
    expect(q(c, '#budget-without-actual').textContent).toBe('1 of 2');
    expect(q(c, '#totals-per-currency [data-currency="MNT"] [data-field="planned"]').textContent).toBe('850,000 MNT');
    expect(q(c, '#totals-per-category [data-category="fuel"] [data-field="planned"]').textContent).toBe('327.08 USD');

    const rep = q<HTMLSelectElement>(c, '#budget-currency');
    rep.value = 'MNT';
    await fireEvent.change(rep);
    await waitFor(() => expect(q(c, '#budget-total-planned').textContent).toBe('1,962,083 MNT'));
    // The reporting currency is remembered while the screen is open.
    await fireEvent.click(q(c, '#tab-overview'));
    await fireEvent.click(q(c, '#tab-budget'));
    await waitFor(() => expect(q<HTMLSelectElement>(c, '#budget-currency').value).toBe('MNT'));
    await waitFor(() => expect(q(c, '#budget-total-planned')?.textContent).toBe('1,962,083 MNT'));
  });

  it('names a missing exchange rate next to the totals instead of failing', async () => {
    setLocale('ru');
    const id = await addSurvey('No rate', null, null, { exchange_rates: [{ currency: 'CNY', per_usd: '7.2' }] });
    await mock.createRecord({ kind: 'budget_line', body: { survey: id, category: 'permits', description: 'Border zone permit', quantity: '2', unit_cost: '1500', currency: 'RUB', actual: null } });
    const { container: c } = render(Surveys);
    await openSurvey(c, 'No rate', 'budget');
    const err = await found(c, '#budget-error');
    expect(err.textContent).toContain('RUB');
    expect(err.textContent).toContain('курс');
    expect(q(c, '[data-testid="budget-line"] [data-field="amount"]').textContent).toMatch(/^3\s000,00 RUB$/);
  });

  it('edits a line, refuses a non-number, and deletes with undo', async () => {
    const id = await addSurvey('Edit lines', null, null);
    await mock.createRecord({ kind: 'budget_line', body: { survey: id, category: 'equipment', description: 'Live traps', quantity: '40', unit_cost: '12.5', currency: 'USD', actual: null } });
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Edit lines', 'budget');
    const row = await found(c, '[data-testid="budget-line"][data-description="Live traps"]');
    expect(q(row, '[data-field="amount"]').textContent).toBe('500.00 USD');
    await fireEvent.click(q(row, '[data-action="edit"]'));
    await waitFor(() => expect(q<HTMLInputElement>(c, '#line-quantity').value).toBe('40'));
    await type(q(c, '#line-quantity'), 'forty');
    await fireEvent.submit(q(c, '#line-form'));
    expect(q(c, '[data-error="quantity"]')).not.toBeNull();
    await type(q(c, '#line-quantity'), '50');
    await fireEvent.submit(q(c, '#line-form'));
    await waitFor(() => expect(q(c, '[data-testid="budget-line"] [data-field="amount"]').textContent).toBe('625.00 USD'));
    expect(await mock.listRecords('budget_line')).toHaveLength(1);
    await waitFor(() => expect(q(c, '#budget-total-planned')?.textContent).toBe('625.00 USD'));

    await fireEvent.click(q(c, '[data-testid="budget-line"] [data-action="delete"]'));
    await found(c, '#lines-empty');
    await toast.action!.run();
    await found(c, '[data-testid="budget-line"][data-description="Live traps"]');
  });
});

describe('schedule and plan', () => {
  it('draws the survey, its routes and its team on a timeline, and all surveys grouped', async () => {
    const p = await addPerson('Olga');
    const a = await addSurvey('Summer', '2026-06-01', '2026-06-30');
    await addSurvey('Autumn', '2026-09-01', '2026-09-15');
    await mock.createRecord({ kind: 'route', body: { survey: a, name: 'Transect A', waypoints: [], planned_date: '2026-06-10', transport: null } });
    await mock.createRecord({ kind: 'assignment', body: { survey: a, person: p, role: 'vet', from: '2026-06-05', to: '2026-06-12' } });
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Summer', 'schedule');
    await waitFor(() => expect(c.querySelectorAll('[data-testid="schedule-item"]')).toHaveLength(3));
    const items = [...c.querySelectorAll<HTMLElement>('[data-testid="schedule-item"]')];
    expect(items.map((i) => i.dataset.activity)).toEqual(['survey', 'assignment', 'route']);
    const bar = (i: HTMLElement) => q<HTMLElement>(i, '.bar');
    expect(bar(items[0]).style.left).toBe('0%');
    expect(bar(items[0]).style.width).toBe('100%');
    expect(items[2].dataset.label).toBe('Transect A');
    expect(parseFloat(bar(items[2]).style.left)).toBeCloseTo(30, 5);

    await fireEvent.click(q(c, '#schedule-all'));
    await waitFor(() => expect(c.querySelectorAll('[data-testid="schedule-group"]')).toHaveLength(2));
    expect([...c.querySelectorAll<HTMLElement>('[data-testid="schedule-group"]')].map((g) => g.dataset.survey)).toEqual(['Summer', 'Autumn']);
    expect(c.querySelectorAll('[data-testid="schedule-item"]')).toHaveLength(4);
  });

  it('lays out the printable plan and prints through the backend', async () => {
    const p = await addPerson('Tsetseg');
    const marmot = (await mock.searchTaxa('Marmota sibirica', 1))[0].id;
    const id = await addSurvey('Plan me', '2026-06-01', '2026-06-20', { region: 'Dauria', target_groups: ['small_mammal'], target_taxa: [marmot], methods: ['live_trapping'], exchange_rates: [{ currency: 'CNY', per_usd: '7.2' }] });
    await mock.createRecord({ kind: 'assignment', body: { survey: id, person: p, role: 'lead', from: null, to: null } });
    await mock.createRecord({ kind: 'route', body: { survey: id, name: 'North loop', waypoints: [{ name: null, lat: 0, lon: 0 }, { name: null, lat: 0, lon: 1 }], planned_date: '2026-06-03', transport: 'car' } });
    await mock.createRecord({ kind: 'budget_line', body: { survey: id, category: 'fuel', description: null, quantity: '720', unit_cost: '1', currency: 'CNY', actual: null } });
    const print = vi.spyOn(mock, 'print');
    setLocale('mn');
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Plan me', 'plan');
    const sheet = await found(c, '#plan-sheet');
    await waitFor(() => expect(q(c, '#sheet-budget-total')?.textContent).toBe('100.00 USD'));
    expect(sheet.textContent).toContain('Plan me');
    expect(q(c, '#sheet-region').textContent).toBe('Dauria');
    expect(q(c, '#sheet-species').textContent).toContain('Marmota sibirica');
    expect(within(q(c, '#sheet-team')).getByText('Tsetseg')).toBeTruthy();
    expect(q(c, '#sheet-routes').textContent).toContain('North loop');
    expect(q(c, '#sheet-schedule').textContent).toContain('2026.06.03');
    expect(q(c, '#sheet-status').textContent).toBe('Ноорог');
    expect(q(c, '#plan-print').closest('.no-print')).not.toBeNull();
    await fireEvent.click(q(c, '#plan-print'));
    await waitFor(() => expect(print).toHaveBeenCalledWith('Plan me'));
    await waitFor(() => expect(q(c, '#plan-print-hint').textContent).toContain('/home/mock/Documents/Dauria Field/Plan me.pdf'));
  });

  it('deletes a survey from the overview and brings it back with undo', async () => {
    const id = await addSurvey('Oops', null, null);
    const { container: c } = render(Surveys);
    await openSurvey(c, 'Oops');
    await fireEvent.click(q(c, '#survey-delete'));
    await found(c, '#surveys-empty');
    expect(await mock.getRecord(id)).toMatchObject({ deleted: true });
    await toast.action!.run();
    await waitFor(async () => expect((await mock.getRecord(id))?.deleted).toBe(false));
  });
});
