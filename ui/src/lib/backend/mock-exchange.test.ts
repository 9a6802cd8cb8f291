import { describe, expect, it } from 'vitest';
import { archive } from '../components/exchange/testing';
import { photo } from '../components/media/testing';
import { createMockBackend } from './mock';
import { BackendError } from './types';

const enc = (s: string) => new TextEncoder().encode(s);

describe('mock exchange backend', () => {
  it('answers for a photo what the photo commands answered, naming a refused file', async () => {
    const b = createMockBackend();
    const bytes = photo('camera');
    const first = await b.photoStore('a.jpg', bytes);
    expect(first.newly_stored).toBe(true);
    expect([first.width, first.height]).toEqual([160, 120]);
    expect(first.info.taken_at).toBe('2026-06-01T07:42:00+08:00');
    expect(first.info.lat).toBeCloseTo(49.71, 6);
    expect(first.info.lon).toBeCloseTo(115.12, 6);
    expect(first.info.uncertainty_m).toBe(12);
    expect((await b.photoStore('copy.jpg', bytes)).newly_stored).toBe(false);
    expect(await b.photoThumbnail(first.sha256)).toMatch(/^data:image\/jpeg;base64,/);
    expect(await b.photoData(first.sha256)).toEqual(bytes);
    const refused = await b.photoStore('cut.jpg', photo('cut')).catch((e) => e);
    expect(refused).toBeInstanceOf(BackendError);
    expect(refused.payload.fields[0]).toMatchObject({ field: 'photo', rule: 'truncated' });
    expect(refused.message).toMatch(/^cut\.jpg: /);
    await expect(b.photoStore('notes.txt', photo('text'))).rejects.toMatchObject({ payload: { fields: [{ rule: 'unsupported_format' }] } });
    await expect(b.photoStore('x.bin', enc('bytes nobody recorded'))).rejects.toBeInstanceOf(BackendError);
  });

  it('imports a Darwin Core Archive as the real import did, keeping unknown names as free text', async () => {
    const b = createMockBackend();
    const r = await b.dwcaImport(archive('hulun-2018'));
    expect(r).toMatchObject({ rows: 4, imported: 3, unmatched_names: [['Marmota nomenclatura-nova', 2]] });
    expect(r.errors).toMatchObject([{ file: 'occurrence.txt', line: 5, term: 'eventDate' }]);
    const rows = (await b.observations({}, null, 10)).rows;
    expect(rows.map((x) => x.scientific_name ?? x.observation.taxon_name).sort()).toEqual(['Marmota nomenclatura-nova', 'Marmota nomenclatura-nova', 'Marmota sibirica']);
    await expect(b.dwcaImport(archive('not-an-archive'))).rejects.toMatchObject({ payload: { fields: [{ field: 'file', rule: 'dwca' }] } });
  });
});
