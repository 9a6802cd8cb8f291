import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import PointChart from './PointChart.svelte';

describe('PointChart', () => {
  it('draws one point per period, hollow when thin, and error bars', () => {
    const { container } = render(PointChart, {
      id: 'c',
      title: 'x',
      points: [
        { label: '2024', value: 3, n: 4 },
        { label: '2025', value: 5, n: 1, thin: true, low: 2, high: 7 },
      ],
    });
    console.log(container.innerHTML.slice(0, 3000));
    expect(container.querySelectorAll('circle.point').length).toBe(2);
    expect(container.querySelectorAll('circle.point.thin').length).toBe(1);
    expect(container.querySelectorAll('.error-bar').length).toBe(1);
  });
});
