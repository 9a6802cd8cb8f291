import { describe, expect, it } from 'vitest';
import { setLocale } from '../i18n/index.svelte';
import { scheduleLabel } from './survey';

describe('scheduleLabel', () => {
  it('shows a person with a standard role in the current language, free text as written', () => {
    setLocale('zh-CN');
    expect(scheduleLabel({ label: 'Bayarmaa (vet)', role: 'vet', person: 'Bayarmaa' })).toBe('Bayarmaa (兽医)');
    expect(scheduleLabel({ label: 'Bayarmaa (camp cook)', role: 'camp cook', person: 'Bayarmaa' })).toBe('Bayarmaa (camp cook)');
    expect(scheduleLabel({ label: 'Torey transect', role: null, person: null })).toBe('Torey transect');
    setLocale('en');
    expect(scheduleLabel({ label: 'Bayarmaa (vet)', role: 'vet', person: 'Bayarmaa' })).toBe('Bayarmaa (Veterinarian)');
  });
});
