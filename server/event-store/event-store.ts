import type { Queryable, Sql } from '@/db/client';
import { currentVersion, IdempotencyKeyTaken, prepareEvents } from './append-to-stream';
import type { GroupQueueOptions } from '../shared/group-queue';
import { StreamReader } from './stream-reader';
import { StreamWriter, type InlineProjection } from './stream-writer';
import type { EventRegistry } from './event-registry';
import { EVENT_COLUMNS, EVENT_COLUMNS_OF_E, toRecordedEvent, type StoredEventRow } from './stored-event-row';
import type { AppendOptions, AppendResult, NewEvent, RecordedEvent } from './types';

export type { InlineProjection } from './stream-writer';

/** The last position of a committed append and its events. */
export type AppendListener = (position: number, events: readonly RecordedEvent[]) => void;

type StoredResult = { streamId: string; version: number; position: number };
/** A key's row joined with the events it recorded: one row without an event when there are none. */
type KeyRow = { result: StoredResult | null; stream_id: string | null } & Omit<StoredEventRow, 'stream_id'>;

export type ReadStreamOptions = {
  /** Inclusive; forwards it defaults to 1, backwards to the last version. */
  readonly fromVersion?: number;
  readonly direction?: 'forwards' | 'backwards';
  readonly maxCount?: number;
};

export type EventStoreOptions = {
  /** Group commit of appends (see GroupQueue and StreamWriter). */
  readonly appendQueue?: Partial<GroupQueueOptions>;
  /** Grouping of whole-stream reads (see StreamReader). */
  readonly readQueue?: Partial<GroupQueueOptions>;
};

export class EventStore {
  private readonly appendListeners = new Set<AppendListener>();
  private readonly writer: StreamWriter;
  private readonly reader: StreamReader;

  constructor(
    readonly sql: Sql,
    readonly registry: EventRegistry,
    inlineProjections: readonly InlineProjection[] = [],
    options: EventStoreOptions = {},
  ) {
    this.writer = new StreamWriter(sql, inlineProjections, options.appendQueue);
    this.reader = new StreamReader(sql, options.readQueue);
  }

  /** Called after every committed append (wakes local followers and workers, sends NOTIFY). */
  onAppended(listener: AppendListener): () => void {
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
      const recorded = await this.writer.write(streamId, prepared, options);
      const last = recorded[recorded.length - 1]!;
      result = { streamId, version: last.version, position: last.position, duplicate: false, events: recorded };
    } catch (error) {
      // A committed twin holds the key: nothing of this append was written; the twin's result is the answer.
      if (!(error instanceof IdempotencyKeyTaken) || !key) throw error;
      const stored = await this.findIdempotent(key);
      if (!stored) throw error;
      return stored;
    }
    for (const listener of this.appendListeners) listener(result.position, result.events);
    return result;
  }

  /**
   * The first result stored under the key, with the events that append wrote: a repeat answers
   * from them without reading its stream again. They are the stream's last events up to the
   * stored version that carry the key (one append, so contiguous): the scan stops at the first
   * event below them without it.
   */
  async findIdempotent(key: string, db: Queryable = this.sql): Promise<AppendResult | undefined> {
    const rows = await db<KeyRow[]>`
      SELECT k.result, ${db.unsafe(EVENT_COLUMNS_OF_E)}
      FROM idempotency_keys k
      CROSS JOIN LATERAL (
        SELECT coalesce(max(version), 0) AS version FROM events
        WHERE stream_id = k.stream_id AND version <= (k.result->>'version')::bigint
          AND metadata->>'idempotencyKey' IS DISTINCT FROM k.key
      ) below
      LEFT JOIN events e ON e.stream_id = k.stream_id AND e.version > below.version AND e.version <= (k.result->>'version')::bigint
      WHERE k.key = ${key}
      ORDER BY e.version`;
    const result = rows[0]?.result;
    if (!result) return undefined;
    const events = rows
      .filter((row): row is KeyRow & StoredEventRow => row.stream_id !== null)
      .map((row) => toRecordedEvent(this.registry, row));
    return { ...result, duplicate: true, events };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}, db: Queryable = this.sql): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? null;
    // A whole stream from the pool (what loading an aggregate asks): grouped with other such reads.
    const rows = !backwards && limit === null && db === this.sql
      ? await this.reader.read(streamId, options.fromVersion ?? 1)
      : backwards
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

  streamVersion(streamId: string, db: Queryable = this.sql): Promise<number> {
    return currentVersion(db, streamId);
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
