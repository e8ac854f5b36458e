import type { Queryable, Sql, TransactionSql } from '@/db/client';
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

export class EventStore {
  private readonly appendListeners = new Set<(position: number) => void>();
  private readonly inlineTypes: ReadonlySet<string>;

  constructor(
    readonly sql: Sql,
    readonly registry: EventRegistry,
    private readonly inlineProjections: readonly InlineProjection[] = [],
  ) {
    this.inlineTypes = new Set(inlineProjections.flatMap((p) => p.eventTypes));
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
    let result: AppendResult;
    try {
      result = events.some((e) => this.inlineTypes.has(e.type))
        ? await this.appendWithProjections(streamId, prepared, options)
        : await this.appendAlone(streamId, prepared, options);
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

  /** Nothing else to write in the same transaction: the append (with its key) is one autocommit statement. */
  private async appendAlone(streamId: string, prepared: PreparedEvent[], options: AppendOptions): Promise<AppendResult> {
    const recorded = await appendEvents(this.sql, streamId, prepared, options);
    const last = recorded[recorded.length - 1]!;
    return { streamId, version: last.version, position: last.position, duplicate: false, events: recorded };
  }

  private appendWithProjections(streamId: string, prepared: PreparedEvent[], options: AppendOptions): Promise<AppendResult> {
    return this.sql.begin(async (tx): Promise<AppendResult> => {
      const recorded = await appendEvents(tx, streamId, prepared, options);
      const last = recorded[recorded.length - 1]!;
      // Independent of each other, so sent together: postgres.js pipelines them on the
      // transaction's connection, one round trip for all their first statements.
      const work = this.inlineProjections
        .filter((projection) => recorded.some((e) => projection.eventTypes.includes(e.type)))
        .map((projection) => projection.apply(tx, recorded));
      // Settled, not raced: nothing may still be running on the connection when it rolls back.
      const reasons = (await Promise.allSettled(work)).flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      if (reasons.length > 0) throw reasons[0];
      return { streamId, version: last.version, position: last.position, duplicate: false, events: recorded };
    });
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
