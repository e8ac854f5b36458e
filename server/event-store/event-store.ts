import type { Queryable, Sql, TransactionSql } from '@/db/client';
import postgres from 'postgres';
import { ConcurrencyError } from '../shared/errors';
import { appendBatch, type BatchItem, type BatchOutcome } from './append-batch';
import { AppendQueue, type AppendQueueOptions, type QueuedAppend } from './append-queue';
import { appendEvents, IdempotencyKeyTaken, prepareEvents, type PreparedEvent } from './append-to-stream';
import type { EventRegistry } from './event-registry';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from './stored-event-row';
import type { AppendOptions, AppendResult, NewEvent, RecordedEvent } from './types';

/** Runs in the append's own transaction, so its rows are readable the moment the append returns. */
export type InlineProjection = {
  readonly name: string;
  readonly eventTypes: readonly string[];
  readonly apply: (tx: TransactionSql, events: readonly RecordedEvent[]) => Promise<void>;
};

type StoredResult = { streamId: string; version: number; position: number };

export type ReadStreamOptions = {
  /** Inclusive; forwards it defaults to 1, backwards to the last version. */
  readonly fromVersion?: number;
  readonly direction?: 'forwards' | 'backwards';
  readonly maxCount?: number;
};

export type EventStoreOptions = {
  /** Group commit: see AppendQueue. */
  readonly appendQueue?: Partial<AppendQueueOptions>;
};

type Appended = RecordedEvent[];

export class EventStore {
  private readonly appendListeners = new Set<(position: number) => void>();
  private readonly inlineTypes: ReadonlySet<string>;
  private readonly queue: AppendQueue<Appended>;

  constructor(
    readonly sql: Sql,
    readonly registry: EventRegistry,
    private readonly inlineProjections: readonly InlineProjection[] = [],
    options: EventStoreOptions = {},
  ) {
    this.inlineTypes = new Set(inlineProjections.flatMap((p) => p.eventTypes));
    this.queue = new AppendQueue((batch) => this.writeBatch(batch), {
      maxInFlight: options.appendQueue?.maxInFlight ?? 4,
      maxBatch: options.appendQueue?.maxBatch ?? 100,
    });
  }

  /** Called after every committed append with its last position (wakes local followers, sends NOTIFY). */
  onAppended(listener: (position: number) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    // Validated once, before anything is sent: a bad payload writes nothing.
    const prepared = prepareEvents(this.registry, events);

    const key = options.idempotencyKey;
    // 'no_stream' is version 0: an exact expectation, so it may share a batch.
    const exact = options.expectedVersion === 'no_stream' ? { ...options, expectedVersion: 0 } : options;
    let result: AppendResult;
    try {
      const recorded = await this.queue.submit({ streamId, events: prepared, options: exact });
      const last = recorded[recorded.length - 1]!;
      result = { streamId, version: last.version, position: last.position, duplicate: false, events: recorded };
    } catch (error) {
      // A committed twin holds the key: nothing of this append was written; the twin's result is the answer.
      if (!(error instanceof IdempotencyKeyTaken) || !key) throw error;
      const stored = await this.findIdempotent(key);
      if (!stored) throw error;
      return stored;
    }
    for (const listener of this.appendListeners) listener(result.position);
    return result;
  }

  private needsProjections(events: readonly PreparedEvent[]): boolean {
    return events.some((e) => this.inlineTypes.has(e.type));
  }

  /** Writes what the queue hands over and answers each caller: alone, or as one batch. */
  private async writeBatch(batch: QueuedAppend<Appended>[]): Promise<void> {
    if (batch.length === 1) return this.writeAlone(batch[0]!);
    const items = batch as (QueuedAppend<Appended> & BatchItem)[];
    let outcomes: BatchOutcome[];
    try {
      outcomes = items.some((item) => this.needsProjections(item.events))
        ? await this.sql.begin(async (tx) => {
            const written = await appendBatch(tx, items);
            await this.project(tx, written.flatMap((outcome) => (outcome === 'conflict' ? [] : outcome)));
            return written;
          })
        : await appendBatch(this.sql, items);
    } catch (error) {
      // Nothing of the batch was written (the statement or the transaction failed as a whole), so
      // each append is written again alone and meets its own fate: a key taken by a twin, a
      // projection that throws, a lost deadlock. Only when the outcome is unknown (the connection
      // broke) does every caller get the error.
      if (isConnectionError(error)) throw error;
      await Promise.all(batch.map((append) => this.writeAlone(append)));
      return;
    }
    const conflicted = items.filter((_, i) => outcomes[i] === 'conflict').map((item) => item.streamId);
    const actual = conflicted.length > 0 ? await this.streamVersions(conflicted) : new Map<string, number>();
    items.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome === 'conflict') item.reject(new ConcurrencyError(item.streamId, item.options.expectedVersion, actual.get(item.streamId) ?? 0));
      else item.resolve(outcome);
    });
  }

  private async writeAlone(append: QueuedAppend<Appended>): Promise<void> {
    try {
      const { streamId, events, options } = append;
      append.resolve(
        this.needsProjections(events)
          ? await this.sql.begin(async (tx) => {
              const recorded = await appendEvents(tx, streamId, events, options);
              await this.project(tx, recorded);
              return recorded;
            })
          : await appendEvents(this.sql, streamId, events, options),
      );
    } catch (error) {
      append.reject(error);
    }
  }

  /** The inline projections, in the append's transaction. */
  private async project(tx: TransactionSql, recorded: readonly RecordedEvent[]): Promise<void> {
    if (recorded.length === 0) return;
    // Independent of each other, so sent together: postgres.js pipelines them on the
    // transaction's connection, one round trip for all their first statements. Postgres runs
    // them in the order sent, so every transaction locks read-model rows table by table.
    const work = this.inlineProjections
      .filter((projection) => recorded.some((e) => projection.eventTypes.includes(e.type)))
      .map((projection) => projection.apply(tx, recorded));
    // Settled, not raced: nothing may still be running on the connection when it rolls back.
    const reasons = (await Promise.allSettled(work)).flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    if (reasons.length > 0) throw reasons[0];
  }

  private async streamVersions(streamIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.sql<{ stream_id: string; version: number }[]>`
      SELECT stream_id, version FROM streams WHERE stream_id = ANY(${[...streamIds]}::text[])`;
    return new Map(rows.map((row) => [row.stream_id, row.version]));
  }

  async findIdempotent(key: string, db: Queryable = this.sql): Promise<AppendResult | undefined> {
    const [row] = await db<{ result: StoredResult | null }[]>`SELECT result FROM idempotency_keys WHERE key = ${key}`;
    if (!row?.result) return undefined;
    return { ...row.result, duplicate: true, events: [] };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}, db: Queryable = this.sql): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? null;
    const rows = backwards
      ? await db<StoredEventRow[]>`
          SELECT ${db.unsafe(EVENT_COLUMNS)} FROM events
          WHERE stream_id = ${streamId} AND version <= ${options.fromVersion ?? Number.MAX_SAFE_INTEGER}
          ORDER BY version DESC LIMIT ${limit}`
      : await db<StoredEventRow[]>`
          SELECT ${db.unsafe(EVENT_COLUMNS)} FROM events
          WHERE stream_id = ${streamId} AND version >= ${options.fromVersion ?? 1}
          ORDER BY version ASC LIMIT ${limit}`;
    return rows.map((row) => toRecordedEvent(this.registry, row));
  }

  async streamVersion(streamId: string, db: Queryable = this.sql): Promise<number> {
    const [row] = await db<{ version: number }[]>`SELECT version FROM streams WHERE stream_id = ${streamId}`;
    return row?.version ?? 0;
  }

  /** Every event about one business flow (an order, its saga, its participants), in global order. */
  async readCorrelated(correlationId: string, options: { upToPosition?: number } = {}): Promise<RecordedEvent[]> {
    const rows = await this.sql<StoredEventRow[]>`
      SELECT ${this.sql.unsafe(EVENT_COLUMNS)} FROM events
      WHERE correlation_id = ${correlationId} AND position <= ${options.upToPosition ?? Number.MAX_SAFE_INTEGER}
      ORDER BY position`;
    return rows.map((row) => toRecordedEvent(this.registry, row));
  }
}

/** The connection broke mid-way: whether the server committed is unknown. */
const isConnectionError = (error: unknown): boolean => {
  if (error instanceof postgres.PostgresError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('CONNECTION_') || /^E[A-Z]+$/.test(code));
};
