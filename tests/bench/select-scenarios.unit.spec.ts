import { describe, expect, it } from 'vitest';
import { selectScenarios, UnknownScenarioError } from '../../bench/lib/runner';
import type { Scenario } from '../../bench/lib/types';

const scenario = (name: string, diagnostic?: true): Scenario => ({
  name,
  description: name,
  ...(diagnostic ? { diagnostic } : {}),
  run: () => Promise.reject(new Error('not run here')),
});
const all = [scenario('append'), scenario('append-profile', true), scenario('saga-throughput')];
const names = (selected: readonly Scenario[]) => selected.map((s) => s.name);

describe('Benchmark harness', () => {
  describe('When no scenario is named', () => {
    it('should run every scenario but the diagnostics, in their order', () => {
      expect(names(selectScenarios([], all))).toEqual(['append', 'saga-throughput']);
    });

    it('should run the diagnostics too in a smoke run', () => {
      expect(names(selectScenarios([], all, true))).toEqual(['append', 'append-profile', 'saga-throughput']);
    });
  });

  describe('When scenarios are named', () => {
    it('should run exactly those, diagnostics included, in the order named', () => {
      expect(names(selectScenarios(['saga-throughput', 'append-profile'], all))).toEqual(['saga-throughput', 'append-profile']);
    });

    it('should refuse a name it does not know', () => {
      expect(() => selectScenarios(['nope'], all)).toThrow(UnknownScenarioError);
    });
  });
});
