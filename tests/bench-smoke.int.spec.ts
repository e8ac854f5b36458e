import { describe, expect, inject, it } from 'vitest';
import { runScenarios } from '../bench/lib/runner';

describe('Benchmarks', () => {
  describe('When every scenario runs in smoke mode', () => {
    it('should finish each one without an error (timings are reported, never asserted)', { timeout: 240_000 }, async () => {
      const printed: string[] = [];
      const outcomes = await runScenarios({ smoke: true, adminUrl: inject('adminUrl'), resultsDir: false, print: (text) => printed.push(text) });
      expect(outcomes.length).toBeGreaterThanOrEqual(7);
      expect(outcomes.filter((o) => !o.ok).map((o) => `${o.name}: ${String((o as { error?: unknown }).error)}`)).toEqual([]);
      expect(printed.join('\n')).toContain('ours/raw');
    });
  });
});
