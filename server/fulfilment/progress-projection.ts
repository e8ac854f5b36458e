import { rowProjection } from '../projections/row-projection';
import type { FulfilmentEvent } from './events';
import { fulfilmentEventTypes } from './events';
import { applySagaEvent, isFulfilmentEvent, type SagaProgress } from './progress';
import { orderIdFromFulfilmentStreamId } from './stream';

export type SagaProgressRow = {
  order_id: string;
  status: SagaProgress['status'];
  steps: SagaProgress['steps'];
  compensations: SagaProgress['compensations'];
  reason: string | null;
  cancelled_by: SagaProgress['cancelledBy'];
  cancellation_request: SagaProgress['cancellationRequest'];
  retries: number;
  last_error: string | null;
  started_at: Date | string;
  finished_at: Date | string | null;
  updated_at: Date | string;
  started_position: number;
  version: number;
  last_position: number;
};

const iso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

export const SAGA_PROGRESS_COLUMNS = `order_id, status, steps, compensations, reason, cancelled_by, cancellation_request, retries,
  last_error, started_at, finished_at, updated_at, started_position, version, last_position`;

export const progressFromRow = (row: SagaProgressRow): SagaProgress => ({
  orderId: row.order_id,
  status: row.status,
  steps: row.steps,
  compensations: row.compensations,
  reason: row.reason,
  cancelledBy: row.cancelled_by,
  cancellationRequest: row.cancellation_request,
  startedAt: iso(row.started_at),
  finishedAt: row.finished_at === null ? null : iso(row.finished_at),
  updatedAt: iso(row.updated_at),
  retries: row.retries,
  lastError: row.last_error,
  version: row.version,
  lastPosition: row.last_position,
  startedPosition: row.started_position,
});

export const rowFromProgress = (p: SagaProgress): SagaProgressRow => ({
  order_id: p.orderId,
  status: p.status,
  steps: p.steps,
  compensations: p.compensations,
  reason: p.reason,
  cancelled_by: p.cancelledBy,
  cancellation_request: p.cancellationRequest,
  retries: p.retries,
  last_error: p.lastError,
  started_at: p.startedAt,
  finished_at: p.finishedAt,
  updated_at: p.updatedAt,
  started_position: p.startedPosition,
  version: p.version,
  last_position: p.lastPosition,
});

/**
 * The saga's progress per order (steps, attempts, overall status), current the moment an append
 * returns. Within a batch each row becomes a progress once, all its events are folded into it in
 * place, and it becomes a row again once.
 */
export const sagaProgressProjection = rowProjection<SagaProgressRow, SagaProgress>({
  name: 'saga-progress',
  description: 'Fulfilment saga per order: status, steps, attempts, compensations',
  table: 'saga_progress',
  key: 'order_id',
  eventTypes: fulfilmentEventTypes,
  keyOf: (event) => (isFulfilmentEvent(event) ? (orderIdFromFulfilmentStreamId(event.streamId) ?? undefined) : undefined),
  state: { fromRow: progressFromRow, toRow: rowFromProgress, versionOf: (progress) => progress.version },
  evolve: (progress, event) =>
    applySagaEvent(progress ?? null, event as unknown as FulfilmentEvent, { version: event.version, position: event.position }) ?? undefined,
});
