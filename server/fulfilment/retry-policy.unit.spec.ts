import { describe, expect, it } from 'vitest';
import { backoffDelayMs, type RetryPolicy } from './retry-policy';

const policy: RetryPolicy = { maxAttempts: 3, persistentMaxAttempts: 8, baseDelayMs: 100, maxDelayMs: 1000 };

describe('Retry backoff', () => {
  describe('When attempts keep failing', () => {
    it('should double the delay per attempt up to the cap', () => {
      expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(policy, attempt, 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    });

    it('should keep half the delay fixed and scale the other half by the jitter', () => {
      expect(backoffDelayMs(policy, 3, 0)).toBe(200);
      expect(backoffDelayMs(policy, 3, 0.5)).toBe(300);
      expect(backoffDelayMs(policy, 3, 7)).toBe(400);
    });
  });
});
