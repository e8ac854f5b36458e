import { bigint, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
const position = (name: string) => bigint(name, { mode: 'number' });

/**
 * Inline: one row per fulfilment saga, folded from its stream by foldSagaProgress and written in
 * the append's transaction. Guarded by the saga stream's version, so a rebuild is safe.
 *
 * `steps` and `compensations` hold the step lists packed as compact JSON text (positional arrays,
 * the labels left out: server/fulfilment/progress-projection.ts packs and unpacks them), so a row
 * stays well under the size at which Postgres compresses it. Readers go through progressFromRow.
 */
export const sagaProgress = pgTable(
  'saga_progress',
  {
    orderId: text('order_id').primaryKey(),
    status: text('status').notNull(),
    steps: text('steps').notNull(),
    compensations: text('compensations').notNull(),
    reason: text('reason'),
    cancelledBy: text('cancelled_by'),
    cancellationRequest: jsonb('cancellation_request'),
    retries: integer('retries').notNull().default(0),
    lastError: text('last_error'),
    startedAt: ts('started_at').notNull(),
    finishedAt: ts('finished_at'),
    updatedAt: ts('updated_at').notNull(),
    startedPosition: position('started_position').notNull(),
    version: integer('version').notNull(),
    lastPosition: position('last_position').notNull(),
  },
  (t) => [
    index('saga_progress_started_idx').on(t.startedPosition.desc()),
    index('saga_progress_status_started_idx').on(t.status, t.startedPosition.desc()),
  ],
);

/**
 * The durable work queue and timers: one row per saga that is not finished. `due_at` is when it
 * next needs a worker (now, or a pending retry); a process claims rows with FOR UPDATE SKIP
 * LOCKED and holds them under a lease (`locked_until`) that another process may take over once it
 * runs out. `nudges` counts new inputs (a cancellation) so releasing a claim never hides them.
 */
export const sagaWork = pgTable(
  'saga_work',
  {
    orderId: text('order_id').primaryKey(),
    dueAt: ts('due_at').notNull(),
    lockedBy: text('locked_by'),
    lockedUntil: ts('locked_until'),
    nudges: integer('nudges').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('saga_work_due_idx').on(t.dueAt)],
);

/** Where the saga processor's intake stands in the global order (OrderPlaced, cancellations). */
export const sagaCheckpoints = pgTable('saga_checkpoints', {
  name: text('name').primaryKey(),
  position: position('position').notNull().default(0),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Injected faults per simulated participant (inventory, payment, shipping); every process reads them. */
export const participantFaults = pgTable('participant_faults', {
  participant: text('participant').primaryKey(),
  latencyMs: integer('latency_ms').notNull(),
  transientErrorRate: doublePrecision('transient_error_rate').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
