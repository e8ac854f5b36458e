import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@/db/client';
import type { FulfilmentEvent } from '@/server/fulfilment/events';
import { historyUntil, sampleSagas } from '@/server/fulfilment/fulfilment-test-fixtures';
import { foldSagaProgress, type SagaProgress } from '@/server/fulfilment/progress';
import { progressFromRow, rowFromProgress, SAGA_PROGRESS_COLUMNS, type SagaProgressRow } from '@/server/fulfilment/progress-projection';
import { migrationSteps, type MigrationSteps } from '../support/migration-steps';

/**
 * 0003 turns saga_progress's step lists from jsonb objects into packed text. Rows written before it
 * must come out exactly as the projection now writes them, so a migrated read model and one
 * rebuilt from the log compare equal (verifyProjection compares the text).
 */
const histories: Record<string, FulfilmentEvent[]> = { ...sampleSagas(), 'just started': historyUntil.reserved().slice(0, 1) };

let steps: MigrationSteps;
let sql: Sql;
const progresses = new Map<string, SagaProgress>();

beforeAll(async () => {
  steps = await migrationSteps();
  sql = steps.sql;
  await steps.upTo('0003_');
  // Rows as the projection wrote them before 0003: the step objects themselves, as jsonb.
  const rows = Object.entries(histories).map(([key, history]) => {
    const progress = { ...foldSagaProgress(history)!, orderId: `ord-${key.replace(/ /g, '-')}` };
    progresses.set(progress.orderId, progress);
    return { ...rowFromProgress(progress), steps: progress.steps, compensations: progress.compensations };
  });
  await sql`
    INSERT INTO saga_progress SELECT * FROM json_populate_recordset(null::saga_progress, ${JSON.stringify(rows)}::text::json)`;
  await steps.apply('0003_');
});
afterAll(() => steps?.drop());

describe('Migration 0003 (packed saga steps)', () => {
  it('should turn every existing row into exactly the text the projection writes', async () => {
    const rows = await sql<SagaProgressRow[]>`SELECT ${sql.unsafe(SAGA_PROGRESS_COLUMNS)} FROM saga_progress ORDER BY order_id`;
    expect(rows).toHaveLength(progresses.size);
    for (const row of rows) {
      const progress = progresses.get(row.order_id)!;
      const written = rowFromProgress(progress);
      expect(row.steps, row.order_id).toBe(JSON.stringify(written.steps));
      expect(row.compensations, row.order_id).toBe(JSON.stringify(written.compensations));
      expect(progressFromRow(row), row.order_id).toEqual(progress);
    }
  });

  it('should leave no helper function behind', async () => {
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'orderflow_pack_saga_steps'`;
    expect(row!.n).toBe(0);
  });
});
