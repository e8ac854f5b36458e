import type { Sql } from '@/db/client';
import { OrderLogReader, type OrderLogEntry } from './order-log-reader';
import { WakeableSleep } from '../shared/wakeable-sleep';

/** The least time between two reads while appends keep coming (they read everything since). */
export const FOLLOWER_COALESCE_MS = 5;
/** The same while nobody needs the log at once: no live subscriber here, no query waiting on a position. */
export const FOLLOWER_IDLE_COALESCE_MS = 100;

export type LogListener = (entries: readonly OrderLogEntry[], position: number) => void;

/**
 * The process's single reader of the global order, for the live channel. It starts at the head,
 * wakes on NOTIFY or a local append, and hands each gap-free batch to its listeners in order.
 * It reads every event's coordinates, never a payload: the live channel sends read models, so
 * parsing and validating each payload here would be work nobody uses. While held prompt it reads
 * each event's order view with it (OrderLogReader), which is what the live feed sends.
 * Its position is the "reflects" stamp of inline queries: everything up to it is committed.
 *
 * It reads at most every `coalesceMs` while someone holds it prompt (`holdPrompt`: the live feed
 * while it has a subscriber, `waitFor` while it waits), else at most every `idleCoalesceMs`: a
 * process nobody watches live (a worker, a quiet web process) does not read the log 200 times a
 * second for nothing. Its position then trails by up to that much, which a stamp may (it is a
 * lower bound), and the first hold reads at once.
 */
export class LogFollower {
  private readonly reader: OrderLogReader;
  private readonly listeners = new Set<LogListener>();
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  /** Its wait for something new, ended by `wake`. */
  private readonly idle = new WakeableSleep();
  /** Its pause between two reads, ended early only by a first hold or stop. */
  private readonly pause = new WakeableSleep();
  private dirty = false;
  private promptHolds = 0;
  position = 0;

  constructor(
    private readonly sql: Sql,
    private readonly options: {
      pollMs?: number;
      batchSize?: number;
      coalesceMs?: number;
      idleCoalesceMs?: number;
      /** Read each event's order view while held prompt (default true); the live feed then needs no query. */
      orderViews?: boolean;
      onError?: (e: unknown) => void;
    } = {},
  ) {
    this.reader = new OrderLogReader(sql);
  }

  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.position = await this.settledHead();
    this.running = true;
    this.loopDone = this.loop();
  }

  /**
   * Starts near the head, then reads forward (without telling anyone) through any hole left by
   * appends in flight, so no event committed after start is ever passed over.
   */
  private async settledHead(): Promise<number> {
    const [head] = await this.sql<{ head: number }[]>`SELECT coalesce(max(position), 0) AS head FROM events`;
    let position = Math.max(0, head!.head - 5000);
    for (;;) {
      const batch = await this.reader.readEntries(this.sql, position, 5000);
      if (batch.position >= head!.head) return batch.position;
      if (batch.position === position) await new Promise((r) => setTimeout(r, 2));
      position = batch.position;
    }
  }

  wake(): void {
    this.dirty = true;
    this.idle.wake();
  }

  /** Whether someone holds it prompt now. */
  get prompt(): boolean {
    return this.promptHolds > 0;
  }

  /** Reads at the prompt pace until the returned release is called (once; later calls do nothing). */
  holdPrompt(): () => void {
    this.promptHolds++;
    // A pause begun at the idle pace is cut short: the first hold reads what it already missed.
    if (this.promptHolds === 1) this.pause.wake();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.promptHolds--;
    };
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    this.wake();
    await this.loopDone;
  }

  /** Resolves once the follower has passed `position` (or after `timeoutMs`); true when it did. */
  async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return true;
    return new Promise((resolve) => {
      const release = this.holdPrompt();
      const timer = setTimeout(() => {
        unsubscribe();
        release();
        resolve(this.position >= position);
      }, timeoutMs);
      const unsubscribe = this.subscribe((_, reached) => {
        if (reached < position) return;
        clearTimeout(timer);
        unsubscribe();
        release();
        resolve(true);
      });
      this.wake();
    });
  }

  /**
   * Until `coalesceMs` (held prompt) or `idleCoalesceMs` have passed since `since`; a hold taken
   * meanwhile, or stop, ends an idle pause early and the pace is looked at again.
   */
  private async pauseAfter(since: number): Promise<void> {
    for (;;) {
      const paceMs = this.prompt
        ? (this.options.coalesceMs ?? FOLLOWER_COALESCE_MS)
        : (this.options.idleCoalesceMs ?? FOLLOWER_IDLE_COALESCE_MS);
      const pause = since + paceMs - performance.now();
      if (!(pause > 0) || !this.running) return;
      await this.pause.sleep(pause);
    }
  }

  private async loop(): Promise<void> {
    /** When the last pass that handed events over began: the next read waits `coalesceMs` from it. */
    let handedOverAt: number | undefined;
    while (this.running) {
      if (handedOverAt !== undefined) {
        await this.pauseAfter(handedOverAt);
        handedOverAt = undefined;
        if (!this.running) break;
      }
      this.dirty = false;
      let waitMs = this.options.pollMs ?? 1000;
      const startedAt = performance.now();
      try {
        const limit = this.options.batchSize ?? 1000;
        // Views only while someone watches: a process nobody watches live (a worker) reads the
        // log at its idle pace without an index probe per event.
        const batch =
          this.prompt && this.options.orderViews !== false
            ? await this.reader.readOrderEntries(this.sql, this.position, limit)
            : await this.reader.readEntries(this.sql, this.position, limit);
        if (batch.position > this.position) {
          this.position = batch.position;
          for (const listener of [...this.listeners]) listener(batch.events, batch.position);
          handedOverAt = startedAt;
          // Read again only when there may be more: a full batch, a hole that may still fill, or
          // a wake-up since this read began (checked below). Anything committed later wakes us,
          // so another read now would find nothing (it did, once per wake-up, before).
          if (batch.events.length >= limit || batch.waitingOnGap) continue;
        } else if (batch.waitingOnGap) waitMs = 2;
      } catch (error) {
        this.options.onError?.(error);
      }
      if (this.dirty || !this.running) continue;
      await this.idle.sleep(waitMs);
    }
  }
}
