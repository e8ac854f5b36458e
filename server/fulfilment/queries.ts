import type { Queryable } from '@/db/client';
import { literalLimit } from '@/db/client';
import { progressFromRow, SAGA_PROGRESS_COLUMNS, type SagaProgressRow } from './progress-projection';
import type { SagaProgress, SagaStatus } from './progress';
import type { SagaCounter } from './saga-counters';

/** The saga of one order as the inline projection has it; null when none was started. */
export const sagaProgressFor = async (db: Queryable, orderId: string): Promise<SagaProgress | null> => {
  const [row] = await db<SagaProgressRow[]>`
    SELECT ${db.unsafe(SAGA_PROGRESS_COLUMNS)} FROM saga_progress WHERE order_id = ${orderId}`;
  return row ? progressFromRow(row) : null;
};

export type SagaListFilter = { readonly status?: SagaStatus; readonly cursor?: string | null; readonly limit?: number };

/**
 * Newest first by the log position the saga started at (unique and indexed), keyset-paged. Sagas of
 * one burst of orders start side by side, so within a burst this may differ from placement order.
 */
export const listSagas = async (
  db: Queryable,
  filter: SagaListFilter = {},
): Promise<{ items: SagaProgress[]; nextCursor: string | null }> => {
  const limit = filter.limit ?? 25;
  const before = filter.cursor ? Number(filter.cursor) : null;
  const rows = await db<SagaProgressRow[]>`
    SELECT ${db.unsafe(SAGA_PROGRESS_COLUMNS)} FROM saga_progress
    WHERE true
      ${filter.status ? db`AND status = ${filter.status}` : db``}
      ${before !== null && Number.isSafeInteger(before) ? db`AND started_position < ${before}` : db``}
    ORDER BY started_position DESC NULLS LAST -- matches the indexes
    LIMIT ${literalLimit(db, limit + 1)}`;
  const page = rows.slice(0, limit);
  return {
    items: page.map(progressFromRow),
    nextCursor: rows.length > limit ? String(page[page.length - 1]!.started_position) : null,
  };
};

export type SagaMetrics = {
  inFlight: number;
  running: number;
  compensating: number;
  completed: number;
  compensated: number;
  failed: number;
  retries: number;
};

/**
 * Saga counts by outcome plus the retries spent, for /api/health: six counter rows the
 * dashboard-stats projection keeps (async, so as of its checkpoint, which /api/health shows with its
 * lag), whatever the number of sagas. They agree with saga_progress once the projection has caught up.
 */
export const sagaMetrics = async (db: Queryable): Promise<SagaMetrics> => {
  const rows = await db<{ counter: SagaCounter; count: number }[]>`SELECT counter, count FROM stats_saga_counts`;
  const counts = new Map(rows.map((row) => [row.counter, Number(row.count)]));
  const count = (counter: SagaCounter) => counts.get(counter) ?? 0;
  return {
    inFlight: count('running') + count('compensating'),
    running: count('running'),
    compensating: count('compensating'),
    completed: count('completed'),
    compensated: count('compensated'),
    failed: count('failed'),
    retries: count('retries'),
  };
};
