import type { Queryable } from '@/db/client';
import type { RecordedEvent } from '../event-store/types';
import { progressFromRow, SAGA_PROGRESS_COLUMNS, type SagaProgressRow } from '../fulfilment/progress-projection';
import { foldSagaProgress, type SagaProgress } from '../fulfilment/progress';
import { sagaProgressFor } from '../fulfilment/queries';
import type { Orderflow } from '../orderflow';

/** The order's saga progress from its inline read model (null before the saga has started). */
export const orderSagaView = (app: Orderflow, orderId: string): Promise<SagaProgress | null> => sagaProgressFor(app.sql, orderId);

/** The saga as it was at the end of `events`, folded by the same evolve the read model uses. */
export const sagaAt = (events: readonly RecordedEvent[]): SagaProgress | null => foldSagaProgress(events);

/** The saga progress of many orders in one query (the live feed's batch). */
export const sagaProgressByOrder = async (db: Queryable, orderIds: readonly string[]): Promise<Map<string, SagaProgress>> => {
  if (orderIds.length === 0) return new Map();
  const rows = await db<SagaProgressRow[]>`
    SELECT ${db.unsafe(SAGA_PROGRESS_COLUMNS)} FROM saga_progress WHERE order_id = ANY(${[...orderIds]}::text[])`;
  return new Map(rows.map((row) => [row.order_id, progressFromRow(row)]));
};
