import postgres from 'postgres';
import type { Sql, TransactionSql } from '@/db/client';
import { ConcurrencyError } from '../shared/errors';
import { appendBatch, type BatchItem, type BatchOutcome } from './append-batch';
import { appendEvents, streamVersions, type PreparedEvent } from './append-to-stream';
import { GroupQueue, type GroupQueueOptions, type Queued } from '../shared/group-queue';
import type { AppendOptions, PlannedEvent, RecordedEvent } from './types';

/**
 * An inline projection's part of one transaction, in two steps that ride with the append's own
 * statements: `stage` sends its reads right behind the append, so BEGIN, the append and every
 * read share one round trip; `write` sends its writes right in front of COMMIT, one more. Both
 * send their statements before they return (no await in front of one), which keeps them in order.
 */
export type InlineStage = {
  /** Settles when the reads have answered. */
  readonly ready: Promise<void>;
  /** Sends the writes for the events as recorded; undefined when there is nothing to write. */
  readonly write: (recorded: readonly RecordedEvent[]) => Promise<unknown> | undefined;
};

/** Runs in the append's own transaction, so its rows are readable the moment the append returns. */
export type InlineProjection = {
  readonly name: string;
  readonly eventTypes: readonly string[];
  readonly stage: (tx: TransactionSql, planned: readonly PlannedEvent[]) => InlineStage;
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

  /** Settles every append of the group itself and never throws, so one group's failure cannot answer the other's callers. */
  private async writeGroup(batch: QueuedAppend[], withProjections: boolean): Promise<void> {
    if (batch.length === 0) return;
    if (batch.length === 1) return this.writeAlone(batch[0]!);
    const items = batch as (QueuedAppend & BatchItem)[];
    let outcomes: BatchOutcome[];
    try {
      outcomes = withProjections
        ? await this.projected(
            items,
            (tx) => appendBatch(tx, items),
            (written) => written.flatMap((outcome) => (outcome === 'conflict' ? [] : outcome)),
          )
        : await appendBatch(this.sql, items);
    } catch (error) {
      // Nothing of the batch was written (the statement or the transaction failed as a whole), so
      // each append is written again alone and meets its own fate: a key taken by a twin, a
      // projection that throws, a lost deadlock. Only when the outcome is unknown (the connection
      // broke) does every caller get the error.
      // This group's callers only: the other group of the batch is still being written.
      if (isConnectionError(error)) for (const append of batch) append.reject(error);
      else await Promise.all(batch.map((append) => this.writeAlone(append)));
      return;
    }
    // What committed is answered at once; a conflict's error waits for the versions to name.
    const conflicted: (QueuedAppend & BatchItem)[] = [];
    items.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome === 'conflict') conflicted.push(item);
      else item.resolve(outcome);
    });
    if (conflicted.length === 0) return;
    try {
      const actual = await streamVersions(this.sql, conflicted.map((item) => item.streamId));
      for (const item of conflicted) item.reject(new ConcurrencyError(item.streamId, item.options.expectedVersion, actual.get(item.streamId) ?? 0));
    } catch (error) {
      for (const item of conflicted) item.reject(error);
    }
  }

  private async writeAlone(append: QueuedAppend): Promise<void> {
    try {
      const { streamId, events, options } = append;
      append.resolve(
        this.needsProjections(events)
          ? await this.projected([append], (tx) => appendEvents(tx, streamId, events, options), (recorded) => recorded)
          : await appendEvents(this.sql, streamId, events, options),
      );
    } catch (error) {
      append.reject(error);
    }
  }

  /**
   * The append and the inline projections in one transaction. `send` must send its statement
   * before it returns (appendBatch and appendEvents do), so the projections' reads go behind it
   * and see what the append locked.
   */
  private async projected<T>(
    appends: readonly Append[],
    send: (tx: TransactionSql) => Promise<T>,
    recordedOf: (result: T) => readonly RecordedEvent[],
  ): Promise<T> {
    const planned = appends.flatMap(plannedEvents);
    const projections = this.inlineProjections.filter((projection) => planned.some((e) => projection.eventTypes.includes(e.type)));
    const tx = await this.sql.reserve();
    try {
      return await pipelinedTransaction(tx as unknown as TransactionSql, (inTx) => {
        const result = send(inTx);
        const stages = projections.map((projection) => projection.stage(inTx, planned));
        return { result, stages, recordedOf };
      });
    } finally {
      tx.release();
    }
  }

}

/** Each event's version is known when the append expects an exact version (write() made 'no_stream' 0). */
const plannedEvents = (append: Append): PlannedEvent[] => {
  const expected = append.options.expectedVersion;
  return append.events.map((event, i) => ({
    streamId: append.streamId,
    type: event.type,
    data: event.data,
    version: typeof expected === 'number' ? expected + i + 1 : undefined,
  }));
};

type PipelinedWork<T> = {
  readonly result: Promise<T>;
  readonly stages: readonly InlineStage[];
  readonly recordedOf: (result: T) => readonly RecordedEvent[];
};

/**
 * BEGIN, the append and the projections' reads in one round trip; the projections' writes and
 * COMMIT in another (sql.begin would take five: BEGIN, append, reads, writes, COMMIT, each
 * awaited). Every statement sent is awaited before the transaction ends, so nothing is still
 * running on the connection when it goes back to the pool; after a failure it is rolled back.
 */
const pipelinedTransaction = async <T>(tx: TransactionSql, start: (tx: TransactionSql) => PipelinedWork<T>): Promise<T> => {
  const begun = tx`BEGIN`.execute();
  let work: PipelinedWork<T>;
  try {
    work = start(tx);
  } catch (error) {
    await Promise.allSettled([begun]);
    await rollback(tx);
    throw error;
  }
  // In the order sent: after a failed statement the later ones fail only because the
  // transaction is aborted, so the first failure is the one to report.
  const first = await firstFailure([begun, work.result, ...work.stages.map((stage) => stage.ready)]);
  if (first) {
    await rollback(tx);
    throw first.reason;
  }
  const result = await work.result;
  const writes: Promise<unknown>[] = [];
  try {
    const recorded = work.recordedOf(result);
    for (const stage of work.stages) {
      const write = stage.write(recorded);
      if (write) writes.push(write);
    }
  } catch (error) {
    await Promise.allSettled(writes);
    await rollback(tx);
    throw error;
  }
  // A transaction whose write failed is rolled back by its COMMIT; the write's error is the one to report.
  const failed = await firstFailure([...writes, tx`COMMIT`.execute()]);
  if (failed) throw failed.reason;
  return result;
};

const firstFailure = async (sent: readonly Promise<unknown>[]): Promise<PromiseRejectedResult | undefined> =>
  (await Promise.allSettled(sent)).find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');

const rollback = async (tx: TransactionSql): Promise<void> => {
  // A broken connection has no transaction left to roll back; postgres.js drops it from the pool.
  await tx`ROLLBACK`.execute().catch(() => undefined);
};

/** The connection broke mid-way: whether the server committed is unknown. */
const isConnectionError = (error: unknown): boolean => {
  if (error instanceof postgres.PostgresError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('CONNECTION_') || /^E[A-Z]+$/.test(code));
};
