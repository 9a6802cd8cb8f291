// App-wide UI state: the current screen, the taxa and sites cache, the observer, a toast.
import { backend } from './backend';
import type { Body, Saved, Site, Taxon } from './bindings/core';
import { t } from './i18n/index.svelte';

export type Screen =
  | 'home'
  | 'log'
  | 'observations'
  | 'map'
  | 'checklist'
  | 'sync'
  | 'settings'
  | 'surveys'
  | 'people'
  | 'datasheets'
  | 'partners'
  | 'cooperation'
  | 'samples'
  | 'exchange'
  | 'reports';

export const nav = $state({
  screen: 'home' as Screen,
  /** Observation to open in the editor on the Log screen (null: a new sighting). */
  editId: null as string | null,
  /** Observation to select in the list after a save. */
  selectId: null as string | null,
});

export function go(screen: Screen, opts: { editId?: string | null; selectId?: string | null } = {}): void {
  nav.editId = opts.editId ?? null;
  nav.selectId = opts.selectId ?? null;
  nav.screen = screen;
}

export const cache = $state({
  taxa: new Map<string, Taxon>(),
  sites: [] as { id: string; site: Site }[],
  loaded: false,
});

export async function loadCache(): Promise<void> {
  const [taxa, sites] = await Promise.all([backend.listRecords('taxon'), backend.listRecords('site')]);
  const map = new Map<string, Taxon>();
  for (const c of taxa) if (c.body?.kind === 'taxon') map.set(c.id, c.body.body);
  cache.taxa = map;
  cache.sites = sites.flatMap((c) => (c.body?.kind === 'site' ? [{ id: c.id, site: c.body.body }] : []));
  cache.loaded = true;
}

export const toast = $state({ text: '', action: null as null | { label: string; run: () => void }, seq: 0 });

let timer: ReturnType<typeof setTimeout> | undefined;
export function showToast(text: string, action: typeof toast.action = null, ms = 8000): void {
  toast.text = text;
  toast.action = action;
  toast.seq += 1;
  clearTimeout(timer);
  timer = setTimeout(() => {
    toast.text = '';
    toast.action = null;
  }, ms);
}

/** Keys of a form: Ctrl+Enter (⌘+Enter) saves, Escape cancels when `cancel` is given. */
export function formKeys(save: (e: KeyboardEvent) => unknown, cancel?: () => unknown): (e: KeyboardEvent) => void {
  return (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      save(e);
    } else if (e.key === 'Escape' && cancel) {
      e.preventDefault();
      cancel();
    }
  };
}

/**
 * Deletes a record and offers Undo for a while: undoing writes `body` back as a new revision on
 * top of the deletion, so the record returns everywhere it was synced to. `after` runs once the
 * record is gone and again once it is back (with its new revision). Throws what the delete threw.
 */
export async function deleteWithUndo(opts: {
  id: string;
  rev: string;
  body: Body;
  message: string;
  after: (restored: Saved | null) => unknown;
  /** A delete with rules of its own (a site in use is refused); the plain delete otherwise. */
  remove?: () => Promise<Saved>;
}): Promise<void> {
  const gone = await (opts.remove ? opts.remove() : backend.deleteRecord(opts.id, opts.rev));
  showToast(opts.message, {
    label: t('common.undo'),
    run: async () => {
      const back = await backend.updateRecord(opts.id, gone.rev_id, opts.body);
      showToast(t('common.restored'));
      await opts.after(back);
    },
  });
  await opts.after(null);
}
