// Labels and values of record fields for the generic merge view. Fields that have a label on
// their own form use it; references to sites and taxa show the name, not the id.
import type { Kind } from '../../bindings/core';
import type { MessageKey } from '../../i18n/en';
import { has, t } from '../../i18n/index.svelte';
import { cache } from '../../state.svelte';
import { showTime } from '../../format';

const BY_KIND: Partial<Record<Kind, Record<string, MessageKey>>> = {
  survey: {
    title: 'plan.survey.title',
    region: 'plan.survey.region',
    status: 'plan.survey.status',
    start_date: 'plan.survey.start',
    end_date: 'plan.survey.end',
    lead: 'plan.survey.lead',
    target_groups: 'plan.survey.groups',
    target_taxa: 'plan.survey.species',
    methods: 'plan.survey.methods',
    exchange_rates: 'plan.budget.ratesTitle',
  },
  person: {
    name: 'people.name',
    organisation: 'people.organisation',
    country: 'people.country',
    roles: 'people.roles',
    languages: 'people.languages',
    contact: 'people.contact',
  },
  assignment: { person: 'plan.team.person', role: 'plan.team.role', from: 'plan.team.from', to: 'plan.team.to' },
  budget_line: {
    category: 'plan.budget.category',
    description: 'plan.budget.description',
    quantity: 'plan.budget.quantity',
    unit_cost: 'plan.budget.unitCost',
    currency: 'plan.budget.currency',
    actual: 'plan.budget.actual',
  },
  visit: { protocol: 'visit.protocol', survey: 'visit.survey', route: 'visit.route', start: 'visit.startTime', end: 'visit.endTime' },
  shipment: {
    reference: 'custody.reference',
    samples: 'custody.samples',
    from: 'custody.from',
    to: 'custody.to',
    carrier: 'custody.carrier',
    cold_chain: 'custody.coldChain',
    packed_on: 'custody.packedOn',
    expected_on: 'custody.expectedOn',
  },
  custody_transfer: {
    at: 'custody.at',
    from_person: 'custody.fromPerson',
    to_person: 'custody.toPerson',
    place: 'custody.place',
    condition: 'custody.condition',
    temperature_c: 'custody.temperature',
  },
  sensitivity_rule: { action: 'sensitive.rule', grid_km: 'sensitive.gridKm', source: 'sensitive.source' },
};

/** The label of field `key` of a record of `kind`, in the current language. */
export function fieldLabel(kind: Kind | null, key: string): string {
  const own = kind ? BY_KIND[kind]?.[key] : undefined;
  if (own) return t(own);
  const general = `field.${key}`;
  if (has(general)) return t(general);
  return key.replaceAll('_', ' ');
}

/** The name of a record kind, in the current language. */
export function kindLabel(kind: Kind): string {
  const k = `kind.${kind}`;
  return has(k) ? t(k) : kind;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

/** A field's value as text: names for site and taxon ids, times as written, lists joined. */
export function showValue(key: string, v: unknown): string {
  if (v === null || v === undefined || (Array.isArray(v) && !v.length)) return '—';
  if (typeof v === 'string') {
    const word = key === 'unit' ? `unit.${v}` : key === 'detection_method' ? `method.${v}` : key === 'status' ? `plan.status.${v}` : '';
    if (word && has(word)) return t(word);
    const site = cache.sites.find((s) => s.id === v);
    if (site) return site.site.name;
    const taxon = cache.taxa.get(v);
    if (taxon) return taxon.scientific_name;
    if (RFC3339.test(v)) return showTime(v);
    return v;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (key === 'track' || key === 'waypoints') return t('merge.points', { n: v.length });
    return v.map((x) => (x && typeof x === 'object' ? showObject(x as Record<string, unknown>) : showValue(key, x))).join('; ');
  }
  return typeof v === 'object' ? showObject(v as Record<string, unknown>) : String(v);
}

/** A nested value (an exchange rate, a deadline) as its values side by side: "MNT 3400". */
function showObject(o: Record<string, unknown>): string {
  return Object.values(o)
    .filter((x) => x !== null && x !== undefined && x !== '')
    .map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x)))
    .join(' ');
}
