// Photo facts in words: file sizes and what a photo's EXIF says about when and where.
import type { PhotoInfo } from '../../bindings/core';
import { num, t } from '../../i18n/index.svelte';

/** `840 KB`, `2.4 MB`. */
export function fileSize(bytes: number): string {
  if (bytes < 1024 * 1024) return t('photo.kb', { n: num(Math.max(1, Math.round(bytes / 1024))) });
  return t('photo.mb', { n: num(Math.round((bytes / (1024 * 1024)) * 10) / 10) });
}

/** Whether the photo's EXIF has a time or a position worth offering. */
export function exifUseful(info: PhotoInfo | undefined | null): info is PhotoInfo {
  return !!info && (!!info.local_time || (info.lat !== null && info.lon !== null));
}

/** `49.71° N 115.12° E` in the current language. */
export function latLonText(lat: number, lon: number): string {
  const la = t(lat >= 0 ? 'photo.north' : 'photo.south', { deg: Math.abs(lat).toFixed(2) });
  const lo = t(lon >= 0 ? 'photo.east' : 'photo.west', { deg: Math.abs(lon).toFixed(2) });
  return t('photo.exifPosition', { lat: la, lon: lo });
}

/** "The photo says: taken 2026-06-01 07:42 (+08:00), 49.71° N 115.12° E". */
export function exifLine(info: PhotoInfo): string {
  const parts: string[] = [];
  if (info.local_time) {
    const time = info.local_time.slice(0, 16).replace('T', ' ');
    parts.push(t('photo.exifTaken', { time: info.utc_offset ? `${time} (${info.utc_offset})` : time }));
  }
  if (info.lat !== null && info.lon !== null) parts.push(latLonText(info.lat, info.lon));
  return t('photo.exifSays', { what: parts.join(', ') });
}
