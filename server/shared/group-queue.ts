/** A request waiting for its turn, and how to answer its caller. */
export type Queued<T, R> = T & {
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
};

export type GroupQueueOptions = {
  /** Batches out at the same time; while all are out, new requests wait and go together. */
  readonly maxInFlight: number;
  /** Requests per batch at most. */
  readonly maxBatch: number;
};

export type GroupRules<T> = {
  /** A request that must go on its own. */
  readonly alone?: (request: T) => boolean;
  /** Names a request claims within a batch: two requests claiming one name never share a batch. */
  readonly claims?: (request: T) => readonly string[];
};

/**
 * Group commit. A request that finds a free slot goes at once, on its own, so a lone caller waits
 * for nothing; while every slot is taken, the requests that arrive meanwhile wait and go together
 * when a slot frees: one statement (and one commit) for all of them. Under load that turns many
 * small round trips into a few large ones. Requests are taken in arrival order, except those a
 * rule holds back for the next batch.
 */
export class GroupQueue<T extends object, R> {
  private pending: Queued<T, R>[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (batch: Queued<T, R>[]) => Promise<void>,
    private readonly options: GroupQueueOptions,
    private readonly rules: GroupRules<T> = {},
  ) {}

  submit(request: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ ...request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.pending.length > 0) {
      const batch = this.take();
      this.inFlight++;
      this.write(batch)
        .catch((error: unknown) => {
          for (const request of batch) request.reject(error);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private take(): Queued<T, R>[] {
    const { alone, claims } = this.rules;
    if (alone?.(this.pending[0]!)) return this.pending.splice(0, 1);
    const batch: Queued<T, R>[] = [];
    const rest: Queued<T, R>[] = [];
    const claimed = new Set<string>();
    for (const request of this.pending) {
      const names = claims?.(request) ?? [];
      const fits = batch.length < this.options.maxBatch && !alone?.(request) && names.every((name) => !claimed.has(name));
      if (!fits) {
        rest.push(request);
        continue;
      }
      batch.push(request);
      for (const name of names) claimed.add(name);
    }
    this.pending = rest;
    return batch;
  }
}
