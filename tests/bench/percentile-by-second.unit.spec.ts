import { describe, expect, it } from 'vitest';
import { percentileBySecond } from '../../bench/lib/stats';

describe('Bench statistics', () => {
  describe('When a run is split into the seconds its samples arrived in', () => {
    it('should give each second the percentile of its own samples', () => {
      const samples = [10, 30, 20, 100, 5, 7];
      const arrivedAt = [0.1, 0.5, 0.9, 1.2, 1.3, 2.99];
      expect(percentileBySecond(samples, arrivedAt, 50)).toEqual([20, 5, 7]);
      expect(percentileBySecond(samples, arrivedAt, 99)).toEqual([30, 100, 7]);
    });

    it('should leave a second without samples empty (NaN) rather than drop it', () => {
      expect(percentileBySecond([1, 2], [0.5, 2.5], 99)).toEqual([1, Number.NaN, 2]);
    });
  });
});
