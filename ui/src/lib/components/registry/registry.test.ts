import { render, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../../backend';
import { createMockBackend } from '../../backend/mock';
import type { ProtectedArea } from '../../bindings/core';
import { setLocale } from '../../i18n/index.svelte';
import { loadCache } from '../../state.svelte';
import Map from '../../screens/Map.svelte';
import { PARTNERSHIP_COLOURS, isOverdue, parseDecimal, reserveTooltip } from './registry';

const daursky: ProtectedArea = {
  name_en: 'Daursky <Reserve>', name_local: 'Даурский заповедник', country: 'RU', category: null, lat: 50.067, lon: 115.517,
  area_km2: 2086, extent_note: null, partnership: 'agreement', contact: 'Vadim', agreement_date: '2025-09-01', source: null,
};

describe('registry helpers', () => {
  it('reads decimals with a point or a comma, and says when it cannot', () => {
    expect(parseDecimal('50.067')).toBe(50.067);
    expect(parseDecimal(' -115,5 ')).toBe(-115.5);
    expect(parseDecimal('')).toBeNull();
    expect(parseDecimal('N50')).toBeNaN();
    expect(parseDecimal('1e3')).toBeNaN();
  });

  it('calls an action overdue only while it is open', () => {
    expect(isOverdue({ due: '2026-05-01', status: 'planned' }, '2026-05-02')).toBe(true);
    expect(isOverdue({ due: '2026-05-01', status: 'in_progress' }, '2026-05-01')).toBe(false);
    expect(isOverdue({ due: '2026-05-01', status: 'done' }, '2026-06-01')).toBe(false);
    expect(isOverdue({ due: '2026-05-01', status: 'cancelled' }, '2026-06-01')).toBe(false);
    expect(isOverdue({ due: null, status: 'planned' }, '2026-06-01')).toBe(false);
  });

  it('puts status and contact in the reserve tooltip, escaped and translated', () => {
    setLocale('en');
    const tip = reserveTooltip(daursky);
    expect(tip).toContain('Daursky &#60;Reserve&#62;');
    expect(tip).toContain('Partnership: Agreement signed');
    expect(tip).toContain('Contact: Vadim');
    expect(tip).toContain('Agreement date: 2025-09-01');
    setLocale('zh-CN');
    expect(reserveTooltip({ ...daursky, contact: null })).toContain('合作状态: 已签协议');
    expect(reserveTooltip({ ...daursky, contact: null })).toContain('联系人: 暂无');
    setLocale('en');
  });
});

describe('main map', () => {
  beforeEach(async () => {
    const mock = createMockBackend();
    useBackend(mock);
    const [pa] = await mock.listRecords('protected_area');
    if (pa.body?.kind !== 'protected_area') throw new Error('no reserve');
    await mock.updateRecord(pa.id, pa.rev_id, { kind: 'protected_area', body: { ...pa.body.body, partnership: 'agreement' } });
    await loadCache();
    setLocale('en');
  });

  it('colours reserves by partnership status and shows the legend', async () => {
    const { container } = render(Map);
    const legend = container.querySelector('#map-legend')!;
    expect([...legend.querySelectorAll('li')].map((li) => li.textContent!.trim())).toEqual(['Invited', 'Engaged', 'Agreement signed', 'Declined']);
    // The reserve has an agreement now: its circle is drawn in that colour.
    await waitFor(() => expect(container.querySelector(`path[stroke="${PARTNERSHIP_COLOURS.agreement}"]`)).not.toBeNull());
  });
});
