import { describe, expect, it } from 'vitest';
import { sampleSagas } from './fulfilment-test-fixtures';
import { foldSagaProgress } from './progress';
import { packSteps, progressFromRow, rowFromProgress, unpackSteps, type SagaProgressRow } from './progress-projection';

const histories = sampleSagas();

/** The row as Postgres hands it back: the packed lists as the JSON text the payload carried. */
const storedRow = (record: ReturnType<typeof rowFromProgress>): SagaProgressRow => ({
  ...record,
  steps: JSON.stringify(record.steps),
  compensations: JSON.stringify(record.compensations),
});

describe('Saga progress rows', () => {
  for (const [name, history] of Object.entries(histories)) {
    it(`should give back the same progress after packing its steps (${name})`, () => {
      const progress = foldSagaProgress(history)!;
      const back = progressFromRow(storedRow(rowFromProgress(progress)));
      expect(back).toEqual(progress);
      // Same keys in the same order as the fold builds them: the API answers the same JSON.
      expect(JSON.stringify(back)).toBe(JSON.stringify(progress));
    });
  }

  it('should store a completed saga in about half the text of its step objects', () => {
    const progress = foldSagaProgress(histories.completed)!;
    const packed = JSON.stringify(packSteps(progress.steps));
    expect(packed.length).toBeLessThan(JSON.stringify(progress.steps).length * 0.6);
    expect(unpackSteps(packed)).toEqual(progress.steps);
    expect(unpackSteps('[]')).toEqual([]);
  });
});
