import type { Queryable } from '@/db/client';
import type { RecordedEvent } from '../event-store/types';
import { progressFromRow, SAGA_PROGRESS_COLUMNS, type SagaProgressRow } from '../fulfilment/progress-projection';
import { foldSagaProgress, type SagaProgress } from '../fulfilment/progress';
import { sagaProgressFor } from '../fulfilment/queries';
import type { Orderflow } from '../orderflow';
import { SUMMARY_COLUMNS, toSummary, type OrderSummary } from './order-queries';

/** The order's saga progress from its inline read model (null before the saga has started). */
export const orderSagaView = (app: Orderflow, orderId: string): Promise<SagaProgress | null> => sagaProgressFor(app.sql, orderId);

/** The saga as it was at the end of `events`, folded by the same evolve the read model uses. */
export const sagaAt = (events: readonly RecordedEvent[]): SagaProgress | null => foldSagaProgress(events);

/** Each order's summary and saga progress (null before the saga started) in one query: the live feed's batch. */
export const findOrdersWithSaga = async (
  db: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, { order: OrderSummary; saga: SagaProgress | null }>> => {
  if (orderIds.length === 0) return new Map();
  const rows = await db<(OrderSummary & { saga: SagaProgressRow | null })[]>`
    SELECT ${db.unsafe(SUMMARY_COLUMNS)},
      (SELECT row_to_json(p) FROM (SELECT ${db.unsafe(SAGA_PROGRESS_COLUMNS)} FROM saga_progress WHERE order_id = s.order_id) p) AS saga
    FROM order_summaries s WHERE order_id = ANY(${[...orderIds]}::text[])`;
  return new Map(rows.map((row) => [row.orderId, { order: toSummary(row), saga: row.saga ? progressFromRow(row.saga) : null }]));
};
