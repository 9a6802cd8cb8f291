// A visit's effort in words, in the current language: "3.5 h · 1.84 km (GPS track)".
import type { Effort } from '../../bindings/core';
import { i18n, t } from '../../i18n/index.svelte';

const fmt = (n: number, digits: number) => new Intl.NumberFormat(i18n.locale, { maximumFractionDigits: digits }).format(n);

export function effortText(e: Effort): string {
  const parts: string[] = [];
  // Under an hour, minutes read better than "0.25 h".
  if (e.hours !== null) parts.push(e.hours < 1 ? t('visit.minutes', { n: fmt(e.hours * 60, 0) }) : t('visit.hours', { n: fmt(e.hours, 2) }));
  if (e.km !== null) parts.push(t(e.distance_from === 'route' ? 'visit.kmRoute' : 'visit.kmTrack', { n: fmt(e.km, 2) }));
  return parts.length ? parts.join(' · ') : '—';
}
