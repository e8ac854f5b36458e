import postgres from 'postgres';
import type { Sql, TransactionSql } from '@/db/client';
import { ConcurrencyError } from '../shared/errors';
import { appendBatch, type BatchItem, type BatchOutcome } from './append-batch';
import { appendEvents, type PreparedEvent } from './append-to-stream';
import { GroupQueue, type GroupQueueOptions, type Queued } from '../shared/group-queue';
import type { AppendOptions, RecordedEvent } from './types';

/** Runs in the append's own transaction, so its rows are readable the moment the append returns. */
export type InlineProjection = {
  readonly name: string;
  readonly eventTypes: readonly string[];
  readonly apply: (tx: TransactionSql, events: readonly RecordedEvent[]) => Promise<void>;
};

type Append = { readonly streamId: string; readonly events: readonly PreparedEvent[]; readonly options: AppendOptions };
type QueuedAppend = Queued<Append, RecordedEvent[]>;

/**
 * Writes appends with group commit (GroupQueue): alone when nothing else is being written, else
 * together with every append that arrived meanwhile. A batch holds at most one append per stream
 * and per idempotency key, and only exact expected versions ('any' and 'stream_exists' go alone).
 */
export class StreamWriter {
  private readonly inlineTypes: ReadonlySet<string>;
  private readonly queue: GroupQueue<Append, RecordedEvent[]>;

  constructor(
    private readonly sql: Sql,
    private readonly inlineProjections: readonly InlineProjection[],
    options: Partial<GroupQueueOptions> = {},
  ) {
    this.inlineTypes = new Set(inlineProjections.flatMap((p) => p.eventTypes));
    this.queue = new GroupQueue<Append, RecordedEvent[]>(
      (batch) => this.writeBatch(batch),
      { maxInFlight: options.maxInFlight ?? 2, maxBatch: options.maxBatch ?? 100 },
      {
        alone: (append) => typeof append.options.expectedVersion !== 'number',
        claims: (append) => [`stream:${append.streamId}`, ...(append.options.idempotencyKey ? [`key:${append.options.idempotencyKey}`] : [])],
      },
    );
  }

  write(streamId: string, events: readonly PreparedEvent[], options: AppendOptions): Promise<RecordedEvent[]> {
    // 'no_stream' is version 0: an exact expectation, so it may share a batch.
    const exact = options.expectedVersion === 'no_stream' ? { ...options, expectedVersion: 0 } : options;
    return this.queue.submit({ streamId, events, options: exact });
  }

  private needsProjections(events: readonly PreparedEvent[]): boolean {
    return events.some((e) => this.inlineTypes.has(e.type));
  }

  /**
   * Appends that no inline projection reads (a participant's stock, payment or shipment) go as one
   * autocommit statement beside the transaction of those that need projecting: they answer after
   * one round trip instead of waiting for the projections, which a hot stream (a popular sku,
   * one append per commit) feels at once.
   */
  private async writeBatch(batch: QueuedAppend[]): Promise<void> {
    const projected = batch.filter((append) => this.needsProjections(append.events));
    const plain = batch.filter((append) => !this.needsProjections(append.events));
    await Promise.all([this.writeGroup(plain, false), this.writeGroup(projected, true)]);
  }

  private async writeGroup(batch: QueuedAppend[], withProjections: boolean): Promise<void> {
    if (batch.length === 0) return;
    if (batch.length === 1) return this.writeAlone(batch[0]!);
    const items = batch as (QueuedAppend & BatchItem)[];
    let outcomes: BatchOutcome[];
    try {
      outcomes = withProjections
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

  private async writeAlone(append: QueuedAppend): Promise<void> {
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
}

/** The connection broke mid-way: whether the server committed is unknown. */
const isConnectionError = (error: unknown): boolean => {
  if (error instanceof postgres.PostgresError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('CONNECTION_') || /^E[A-Z]+$/.test(code));
};
