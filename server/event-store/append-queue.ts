import type { AppendOptions } from './types';
import type { PreparedEvent } from './append-to-stream';

/** An append waiting for its turn, and how to answer its caller. */
export type QueuedAppend<R> = {
  readonly streamId: string;
  readonly events: readonly PreparedEvent[];
  readonly options: AppendOptions;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
};

export type AppendQueueOptions = {
  /** Batches written at the same time; while all are out, new appends wait and go together. */
  readonly maxInFlight: number;
  /** Appends per batch at most. */
  readonly maxBatch: number;
};

/**
 * Group commit for appends. An append that finds a free slot is written at once, on its own, so
 * a lone caller waits for nothing; while every slot is taken, the appends that arrive meanwhile
 * wait and are written together when a slot frees: one statement and one commit for all of them.
 * Under load that turns many small round trips and WAL flushes into a few large ones.
 *
 * A batch holds at most one append per stream and per idempotency key (a second one waits for
 * the next batch), and only appends with an exact expected version; others go alone. Appends are
 * taken in arrival order, except those held back by these rules.
 */
export class AppendQueue<R> {
  private pending: QueuedAppend<R>[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (batch: QueuedAppend<R>[]) => Promise<void>,
    private readonly options: AppendQueueOptions,
  ) {}

  submit(append: Omit<QueuedAppend<R>, 'resolve' | 'reject'>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ ...append, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.pending.length > 0) {
      const batch = this.take();
      this.inFlight++;
      this.write(batch)
        .catch((error: unknown) => {
          for (const append of batch) append.reject(error);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private take(): QueuedAppend<R>[] {
    const first = this.pending[0]!;
    if (!batchable(first)) return this.pending.splice(0, 1);
    const batch: QueuedAppend<R>[] = [];
    const rest: QueuedAppend<R>[] = [];
    const streams = new Set<string>();
    const keys = new Set<string>();
    for (const append of this.pending) {
      const key = append.options.idempotencyKey;
      const fits =
        batch.length < this.options.maxBatch &&
        batchable(append) &&
        !streams.has(append.streamId) &&
        (key === undefined || !keys.has(key));
      if (!fits) {
        rest.push(append);
        continue;
      }
      batch.push(append);
      streams.add(append.streamId);
      if (key !== undefined) keys.add(key);
    }
    this.pending = rest;
    return batch;
  }
}

const batchable = (append: { options: AppendOptions }) => typeof append.options.expectedVersion === 'number';
