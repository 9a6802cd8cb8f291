// Disease samples: the types, barcode suggestions and the host observation as people read it.
import type { Observation, ObservationRow, Sample, SampleResult } from '../../bindings/core';
import { splitRfc3339, vernacular } from '../../format';
import { NAME_FALLBACK, i18n } from '../../i18n/index.svelte';
import { cache } from '../../state.svelte';

export const SAMPLE_TYPES = ['blood', 'tissue', 'swab', 'faeces', 'ectoparasite_pool'] as const;
export type SampleType = (typeof SAMPLE_TYPES)[number];
export const RESULTS: SampleResult[] = ['pending', 'negative', 'positive', 'inconclusive'];

export const isSampleType = (s: string): s is SampleType => (SAMPLE_TYPES as readonly string[]).includes(s);

/** A host observation with what a sample list shows of it. */
export interface Host {
  id: string;
  observation: Observation;
  siteName: string | null;
}

export interface SampleRec {
  id: string;
  rev: string;
  body: Sample;
}

export function hostFromRow(r: ObservationRow): Host {
  return { id: r.id, observation: r.observation, siteName: r.site_name };
}

export function hostFromObservation(id: string, o: Observation): Host {
  return { id, observation: o, siteName: o.site ? (cache.sites.find((s) => s.id === o.site)?.site.name ?? null) : null };
}

/** The host's species in the current language (the scientific name when there is none). */
export function hostSpecies(o: Observation): string {
  if (o.taxon) {
    const tx = cache.taxa.get(o.taxon);
    if (tx) return vernacular(tx, NAME_FALLBACK[i18n.locale])?.name ?? tx.scientific_name;
  }
  return o.taxon_name ?? '?';
}

/** The scientific name (or the free-text name): what a label printed for any lab carries. */
export function hostScientific(o: Observation): string {
  if (o.taxon) {
    const tx = cache.taxa.get(o.taxon);
    if (tx) return tx.scientific_name;
  }
  return o.taxon_name ?? '?';
}

/** `2026-06-01` of a stored time, in the zone it was recorded in. */
export const dateOf = (rfc3339: string): string => splitRfc3339(rfc3339).local.slice(0, 10);

const normal = (b: string) => b.trim().toLowerCase();

/** Whether `barcode` is already on another sample than `exceptId`. */
export function barcodeTaken(samples: SampleRec[], barcode: string, exceptId: string | null = null): boolean {
  const b = normal(barcode);
  return !!b && samples.some((s) => s.id !== exceptId && normal(s.body.barcode) === b);
}

/** The next free barcode of the year, like `DAU-2026-0007`. */
export function suggestBarcode(samples: SampleRec[], year: string): string {
  let max = 0;
  const re = new RegExp(`^DAU-${year}-(\\d+)$`, 'i');
  for (const s of samples) {
    const m = s.body.barcode.trim().match(re);
    if (m) max = Math.max(max, Number(m[1]));
  }
  let n = max + 1;
  let code = `DAU-${year}-${String(n).padStart(4, '0')}`;
  while (barcodeTaken(samples, code)) code = `DAU-${year}-${String(++n).padStart(4, '0')}`;
  return code;
}

/** What a printed sample label carries. */
export interface Label {
  id: string;
  barcode: string;
  type: string;
  species: string;
  site: string | null;
  date: string;
}
