// Survey-planning vocabulary shared by the planning screens: statuses and their order, the
// standard methods, roles and transports (stored as stable keys, shown in the user's language).
import type { Current, Kind, Person, Survey, SurveyStatus, TaxonGroup } from '../bindings/core';
import { MESSAGES, has, t } from '../i18n/index.svelte';
import type { MessageKey } from '../i18n/en';
import { showDate } from '../format';

/** A live record with its revision and typed body. */
export interface Rec<T> {
  id: string;
  rev_id: string;
  conflict: boolean;
  body: T;
}

type BodyOf<K extends Kind> = Extract<NonNullable<Current['body']>, { kind: K }>['body'];

/** The live records of `kind` from a `listRecords` answer, typed. */
export function recordsOf<K extends Kind>(list: Current[], kind: K): Rec<BodyOf<K>>[] {
  return list.flatMap((c) =>
    !c.deleted && c.body?.kind === kind ? [{ id: c.id, rev_id: c.rev_id, conflict: c.conflict, body: c.body.body as BodyOf<K> }] : [],
  );
}

export const STATUSES: SurveyStatus[] = ['draft', 'approved', 'in_field', 'done'];
export const GROUPS: TaxonGroup[] = ['large_mammal', 'bird', 'small_mammal', 'vector', 'pathogen'];
export const METHODS = ['line_transect', 'point_count', 'live_trapping', 'camera_trap', 'sample_collection'] as const;
export const ROLES = ['lead', 'field', 'driver', 'vet', 'lab', 'interpreter'] as const;
export const TRANSPORTS = ['on_foot', 'car', 'off_road', 'horse', 'boat', 'motorbike'] as const;

/** The status a survey moves to next, or null when it is done. */
export function nextStatus(s: SurveyStatus): SurveyStatus | null {
  const i = STATUSES.indexOf(s);
  return i >= 0 && i < STATUSES.length - 1 ? STATUSES[i + 1] : null;
}

export function emptySurvey(title: string): Survey {
  return { title, region: null, target_groups: [], target_taxa: [], methods: [], start_date: null, end_date: null, status: 'draft', lead: null, exchange_rates: [] };
}

const known = (prefix: string, v: string): MessageKey | null => {
  const k = `${prefix}.${v}`;
  return has(k) ? k : null;
};

/** A stored method, role or transport in the user's language (free text as written). */
export function vocab(prefix: 'plan.method' | 'plan.role' | 'plan.transport', v: string | null | undefined): string {
  if (!v) return '';
  const k = known(prefix, v);
  return k ? t(k) : v;
}

/** What to store for a role typed or picked by the user: the key when it names a standard role in any language. */
export function roleKey(text: string): string {
  const s = text.trim();
  const fold = s.toLowerCase();
  for (const r of ROLES) {
    if (r === fold) return r;
    for (const m of Object.values(MESSAGES)) {
      if ((m as Record<string, string>)[`plan.role.${r}`]?.toLowerCase() === fold) return r;
    }
  }
  return s;
}

export function personName(people: readonly Rec<Person>[], id: string | null | undefined): string {
  if (!id) return '';
  return people.find((p) => p.id === id)?.body.name ?? id;
}

/** `01.06.2026 – 20.06.2026` as the UI language writes dates, one date, or the placeholder. */
export function dateRange(from: string | null | undefined, to: string | null | undefined): string {
  if (from && to) return from === to ? showDate(from) : `${showDate(from)} – ${showDate(to)}`;
  return from || to ? showDate((from || to)!) : t('common.none');
}

/** Kilometres with one decimal in the user's language. */
export function km(n: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n);
}

/** What a schedule item shows: a person with their role in the user's language, else its label. */
export function scheduleLabel(item: { label: string; role: string | null; person: string | null }): string {
  return item.person !== null && item.role !== null ? `${item.person} (${vocab('plan.role', item.role)})` : item.label;
}
