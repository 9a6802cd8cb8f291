// Shared pieces of the registry screens: countries, partnership colours, dates, field errors.
import type { ActionStatus, Country, ErrorPayload, PartnershipStatus, ProtectedArea, SheetStatus } from '../../bindings/core';
import { errorMessage, fieldMessage, t } from '../../i18n/index.svelte';

export const COUNTRIES: Country[] = ['CN', 'MN', 'RU', 'KZ'];
export const PARTNERSHIPS: PartnershipStatus[] = ['invited', 'engaged', 'agreement', 'declined'];
export const ACTION_STATUSES: ActionStatus[] = ['planned', 'in_progress', 'done', 'cancelled'];
export const SHEET_STATUSES: SheetStatus[] = ['on_track', 'due', 'overdue', 'submitted'];
export const ROLE_SUGGESTIONS = ['lead', 'field', 'driver', 'vet', 'lab', 'interpreter'] as const;
export const LANGUAGE_SUGGESTIONS = ['en', 'zh', 'ru', 'mn', 'kk'] as const;

/** Stroke and fill colour of a reserve on the maps, by partnership status. */
export const PARTNERSHIP_COLOURS: Record<PartnershipStatus, string> = {
  invited: '#c28a12',
  engaged: '#2f6b3a',
  agreement: '#1d5fa8',
  declined: '#8a8a80',
};

/** Today in the laptop's zone, `YYYY-MM-DD`. */
export function today(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Whether an action is overdue on `day`: due before it and neither done nor cancelled. */
export function isOverdue(a: { due: string | null; status: ActionStatus }, day: string): boolean {
  return !!a.due && a.due < day && a.status !== 'done' && a.status !== 'cancelled';
}

/** Empty or blank text as null, else trimmed. */
export function textOrNull(s: string | null | undefined): string | null {
  const v = (s ?? '').trim();
  return v ? v : null;
}

/** A decimal typed by a person (`50.067` or `50,067`); null when empty, NaN when unreadable. */
export function parseDecimal(s: string | number | null | undefined): number | null {
  if (s === null || s === undefined) return null;
  const v = String(s).trim().replace(',', '.');
  if (!v) return null;
  return /^[-+]?\d+(\.\d+)?$|^[-+]?\.\d+$/.test(v) ? Number(v) : NaN;
}

/** The general message and the message per field of a backend error. */
export function explain(p: ErrorPayload): { general: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  for (const f of p.fields) if (!fields[f.field]) fields[f.field] = fieldMessage(f);
  return { general: errorMessage(p), fields };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The tooltip of a reserve on a map (HTML): names, partnership status, contact. */
export function reserveTooltip(p: ProtectedArea): string {
  const lines = [`<strong>${escapeHtml(p.name_en)}</strong>`];
  if (p.name_local) lines.push(escapeHtml(p.name_local));
  lines.push(`${escapeHtml(t('partners.partnership'))}: ${escapeHtml(t(`partners.status.${p.partnership}`))}`);
  if (p.agreement_date) lines.push(`${escapeHtml(t('partners.agreementDate'))}: ${escapeHtml(p.agreement_date)}`);
  lines.push(`${escapeHtml(t('partners.contact'))}: ${escapeHtml(p.contact ?? t('partners.noContact'))}`);
  return lines.join('<br>');
}

/** The circle drawn for a reserve: its area as a disc (5 km when the area is unknown). */
export function reserveRadius(p: ProtectedArea): number {
  return p.area_km2 ? Math.sqrt(p.area_km2 / Math.PI) * 1000 : 5000;
}
