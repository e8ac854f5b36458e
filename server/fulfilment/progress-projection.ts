import type { TransactionSql } from '@/db/client';
import type { RecordedEvent } from '../event-store/types';
import { defineProjection } from '../projections/projection';
import type { FulfilmentEvent } from './events';
import { fulfilmentEventTypes } from './events';
import { evolveSagaProgress, isFulfilmentEvent, type SagaProgress } from './progress';
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

const insertRow = (tx: TransactionSql, p: SagaProgress) => tx`
  INSERT INTO saga_progress (order_id, status, steps, compensations, reason, cancelled_by, cancellation_request, retries,
    last_error, started_at, finished_at, updated_at, started_position, version, last_position)
  VALUES (${p.orderId}, ${p.status}, ${tx.json(p.steps)}, ${tx.json(p.compensations)}, ${p.reason}, ${p.cancelledBy},
    ${p.cancellationRequest ? tx.json(p.cancellationRequest) : null}, ${p.retries}, ${p.lastError}, ${p.startedAt},
    ${p.finishedAt}, ${p.updatedAt}, ${p.startedPosition}, ${p.version}, ${p.lastPosition})
  ON CONFLICT (order_id) DO NOTHING`;

// Applied only on top of the version it was folded from: a rebuild racing live appends never skips a change.
const updateRow = (tx: TransactionSql, p: SagaProgress, fromVersion: number) => tx`
  UPDATE saga_progress SET status = ${p.status}, steps = ${tx.json(p.steps)}, compensations = ${tx.json(p.compensations)},
    reason = ${p.reason}, cancelled_by = ${p.cancelledBy},
    cancellation_request = ${p.cancellationRequest ? tx.json(p.cancellationRequest) : null}, retries = ${p.retries},
    last_error = ${p.lastError}, finished_at = ${p.finishedAt}, updated_at = ${p.updatedAt},
    version = ${p.version}, last_position = ${p.lastPosition}
  WHERE order_id = ${p.orderId} AND version = ${fromVersion}`;

const applyToSaga = async (tx: TransactionSql, orderId: string, events: readonly RecordedEvent[]): Promise<void> => {
  const [row] = await tx<SagaProgressRow[]>`SELECT ${tx.unsafe(SAGA_PROGRESS_COLUMNS)} FROM saga_progress WHERE order_id = ${orderId}`;
  const stored = row ? progressFromRow(row) : null;
  let progress = stored;
  for (const event of events) {
    const expected = progress ? progress.version + 1 : 1;
    if (event.version !== expected) continue; // already applied, or a gap a rebuild will fill
    progress = evolveSagaProgress(progress, event as unknown as FulfilmentEvent, { version: event.version, position: event.position });
  }
  if (!progress || progress === stored) return;
  if (stored) await updateRow(tx, progress, stored.version);
  else await insertRow(tx, progress);
};

/** The saga's progress per order (steps, attempts, overall status), current the moment an append returns. */
export const sagaProgressProjection = defineProjection({
  name: 'saga-progress',
  kind: 'inline',
  description: 'Fulfilment saga per order: status, steps, attempts, compensations',
  eventTypes: fulfilmentEventTypes,
  tables: ['saga_progress'],
  apply: async (tx, events) => {
    const bySaga = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      if (!isFulfilmentEvent(event)) continue;
      const orderId = orderIdFromFulfilmentStreamId(event.streamId);
      if (!orderId) continue;
      const list = bySaga.get(orderId) ?? [];
      list.push(event);
      bySaga.set(orderId, list);
    }
    for (const [orderId, sagaEvents] of bySaga) {
      await applyToSaga(tx, orderId, [...sagaEvents].sort((a, b) => a.version - b.version));
    }
  },
});
