// Sensitive-species rules as the window uses them: the strictest live rule per taxon (as
// crates/core/src/sensitive.rs reads them), whether this laptop may set them, and whether it is
// a viewer's (whose copies of sensitive sightings the server generalised).
import { backend } from '../../backend';
import type { SensitivityAction, SensitivityRule } from '../../bindings/core';

export type RuleRec = { id: string; rev: string; body: SensitivityRule };

export const sensitive = $state({ rules: [] as RuleRec[], role: null as string | null, loaded: false });

/** Loads the rules and this laptop's role (once, unless `force`). */
export async function loadSensitive(force = false): Promise<void> {
  if (sensitive.loaded && !force) return;
  const [list, status] = await Promise.all([backend.listRecords('sensitivity_rule'), backend.syncStatus().catch(() => null)]);
  sensitive.rules = list.flatMap((c) => (c.body?.kind === 'sensitivity_rule' && !c.deleted ? [{ id: c.id, rev: c.rev_id, body: c.body.body }] : []));
  sensitive.role = status?.role ?? null;
  sensitive.loaded = true;
}

const rank = (r: SensitivityRule) => (r.action === 'withhold' ? Infinity : r.action === 'generalise' ? (r.grid_km ?? 0) : -1);

/** The strictest live rule for a taxon, if any. */
export function ruleFor(taxon: string | null | undefined): RuleRec | null {
  if (!taxon) return null;
  let best: RuleRec | null = null;
  for (const r of sensitive.rules) if (r.body.taxon === taxon && (!best || rank(r.body) > rank(best.body))) best = r;
  return best;
}

/** A lead's laptop, or one not enrolled yet, sets rules; the server refuses them from others. */
export const canSetRules = (): boolean => sensitive.role === null || sensitive.role === 'lead';

/** On a viewer laptop, the grid (km) a sighting of `taxon` was generalised to; `0`: withheld. */
export function generalisedKm(taxon: string | null | undefined): number | null {
  if (sensitive.role !== 'viewer') return null;
  const r = ruleFor(taxon)?.body;
  if (!r || r.action === 'exact') return null;
  return r.action === 'withhold' ? 0 : (r.grid_km ?? null);
}

/** Sets the rule of a taxon: edits every live rule record of it (there may be two after two
 *  leads set one at once), or creates one. */
export async function saveRule(taxon: string, name: string, action: SensitivityAction, gridKm: number | null): Promise<void> {
  const mine = sensitive.rules.filter((r) => r.body.taxon === taxon);
  const body = (base: SensitivityRule | null): SensitivityRule => ({
    taxon,
    scientific_name: name,
    action,
    grid_km: action === 'generalise' ? gridKm : null,
    reason: base?.reason ?? null,
    source: base?.source ?? null,
    verified: true,
  });
  if (!mine.length) await backend.createRecord({ kind: 'sensitivity_rule', body: body(null) });
  for (const r of mine) await backend.updateRecord(r.id, r.rev, { kind: 'sensitivity_rule', body: body(r.body) });
  await loadSensitive(true);
}
