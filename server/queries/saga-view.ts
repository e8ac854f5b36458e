import { columnNames, columnsOf, type Queryable } from '@/db/client';
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

/** The summary's columns of order_summaries aliased `s` (saga_progress has columns of the same names). */
export const SUMMARY_COLUMNS_OF_S = columnsOf('s', SUMMARY_COLUMNS);
const SAGA_COLUMNS = columnNames(SAGA_PROGRESS_COLUMNS) as (keyof SagaProgressRow)[];
/** saga_progress's columns, each prefixed `saga_`, so they come back as plain columns of the row. */
export const SAGA_COLUMNS_OF_P = SAGA_COLUMNS.map((column) => `p.${column} AS saga_${column}`).join(', ');

export type OrderViewRow = OrderSummary & Record<`saga_${keyof SagaProgressRow}`, unknown>;

const sagaRowOf = (row: OrderViewRow): SagaProgressRow | null =>
  row.saga_order_id === null ? null : (Object.fromEntries(SAGA_COLUMNS.map((column) => [column, row[`saga_${column}`]])) as SagaProgressRow);

/**
 * Each order's summary and saga progress (null before the saga started) in one query: the live
 * feed's batch. The saga's columns come joined, not as row_to_json: its packed step lists stay
 * plain text, parsed once (as JSON inside JSON they were escaped, then parsed twice).
 */
export const findOrdersWithSaga = async (
  db: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, OrderView>> => {
  if (orderIds.length === 0) return new Map();
  const rows = await db<OrderViewRow[]>`
    SELECT ${db.unsafe(SUMMARY_COLUMNS_OF_S)}, ${db.unsafe(SAGA_COLUMNS_OF_P)}
    FROM order_summaries s LEFT JOIN saga_progress p ON p.order_id = s.order_id
    WHERE s.order_id = ANY(${[...orderIds]}::text[])`;
  return new Map(rows.map((row) => [row.orderId, orderViewOf(row)]));
};

/** An order's summary and saga progress: what the live channel sends for each change. */
export type OrderView = { order: OrderSummary; saga: SagaProgress | null };

/** The view of a row with the summary's columns and saga_progress's prefixed `saga_` (SAGA_COLUMNS_OF_P). */
export const orderViewOf = (row: OrderViewRow): OrderView => {
  const saga = sagaRowOf(row);
  return { order: toSummary(row), saga: saga ? progressFromRow(saga) : null };
};
