import { describe, expect, it } from 'vitest';
import { median } from '../../bench/lib/stats';

describe('Bench statistics', () => {
  describe('When taking the median of repeated runs', () => {
    it('should take the middle run of an odd number, whatever their order', () => {
      expect(median([310, 252, 284])).toBe(284);
    });

    it('should take the mean of the two middle runs of an even number', () => {
      expect(median([4, 1, 3, 2])).toBe(2.5);
    });

    it('should be NaN for no runs, or when a run has no figure', () => {
      expect(median([])).toBeNaN();
      expect(median([1, Number.NaN, 3])).toBeNaN();
    });
  });
});
