import { rowProjection } from '../projections/row-projection';
import type { FulfilmentEvent } from './events';
import { fulfilmentEventTypes } from './events';
import { applySagaEvent, emptyStep, isFulfilmentEvent, type SagaAttempt, type SagaProgress, type SagaStepProgress } from './progress';
import type { SagaStep } from './steps';
import { orderIdFromFulfilmentStreamId } from './stream';

/** An attempt as stored: [attempt, startedAt, endedAt, outcome, error, worker]. */
type PackedAttempt = [number, string, string | null, SagaAttempt['outcome'], string | null, string];
/**
 * A step as stored: [step, status, startedAt, endedAt, lastError, nextAttemptAt, result, attempts].
 * Its label and kind follow from the step and are left out.
 */
type PackedStep = [
  SagaStep,
  SagaStepProgress['status'],
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  PackedAttempt[],
];

export const packSteps = (entries: readonly SagaStepProgress[]): PackedStep[] =>
  entries.map((e) => [
    e.step,
    e.status,
    e.startedAt,
    e.endedAt,
    e.lastError,
    e.nextAttemptAt,
    e.result,
    e.attempts.map((a): PackedAttempt => [a.attempt, a.startedAt, a.endedAt, a.outcome, a.error, a.worker]),
  ]);

/** The step list from its stored text; the same objects, keys in the same order, as the fold builds. */
export const unpackSteps = (text: string): SagaStepProgress[] =>
  (JSON.parse(text) as PackedStep[]).map(([step, status, startedAt, endedAt, lastError, nextAttemptAt, result, attempts]) => ({
    ...emptyStep(step),
    status,
    attempts: attempts.map(([attempt, attemptStartedAt, attemptEndedAt, outcome, error, worker]) => ({
      attempt,
      startedAt: attemptStartedAt,
      endedAt: attemptEndedAt,
      outcome,
      error,
      worker,
    })),
    startedAt,
    endedAt,
    lastError,
    nextAttemptAt,
    result,
  }));

/**
 * A saga_progress row as read. `steps` and `compensations` are text columns holding the packed
 * lists as JSON (see db/schema/saga.ts): about half the size of the step objects, so a row stays
 * under the size at which Postgres compresses it, on every write and every read.
 */
export type SagaProgressRow = {
  order_id: string;
  status: SagaProgress['status'];
  steps: string;
  compensations: string;
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
  steps: unpackSteps(row.steps),
  compensations: unpackSteps(row.compensations),
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

/**
 * A row as written: the packed lists go as nested arrays of the upsert's JSON payload, and a text
 * column takes a nested JSON value as its text, so what is stored is exactly JSON.stringify of them
 * (the live appends and a rebuild write the same text).
 */
type SagaProgressRecord = Omit<SagaProgressRow, 'steps' | 'compensations'> & { steps: PackedStep[]; compensations: PackedStep[] };

export const rowFromProgress = (p: SagaProgress): SagaProgressRecord => ({
  order_id: p.orderId,
  status: p.status,
  steps: packSteps(p.steps),
  compensations: packSteps(p.compensations),
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
export const sagaProgressProjection = rowProjection<SagaProgressRow, SagaProgress, SagaProgressRecord>({
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
