import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Queryable, Sql } from '@/db/client';
import { literalLimit } from '@/db/client';
import { LOG_ENTRY_COLUMNS, toLogEntry, type LogEntryRow } from '../event-store/global-log-reader';
import type { OrderLogEntry } from './order-log-reader';
import { findOrdersWithSaga } from '../queries/saga-view';
import type { SagaProgress } from '../fulfilment/progress';
import type { OrderSummary } from '../queries/order-queries';
import { FOLLOWER_COALESCE_MS, type LogFollower } from './log-follower';
import { shareEncoding } from './shared-encoding';

/** One pushed change: the event's coordinates and the order's summary after it. */
export type OrderChange = {
  position: number;
  streamId: string;
  version: number;
  type: string;
  orderId: string;
  order: OrderSummary;
  /** The order's fulfilment saga progress (null before it started), read with the summary. */
  saga: SagaProgress | null;
};

/**
 * One message of the live channel: every order change of a stretch of the log, in position
 * order, and the last log position the stretch covers (`position` ≥ the last change's position;
 * the log between holds no change for this subscriber). The tracked id of the message is that
 * position: resuming from it misses nothing and repeats nothing.
 */
export type LiveBatch = {
  position: number;
  changes: OrderChange[];
};

/** LIVE_FLUSH_MS when unset: the log follower's own spacing. */
const DEFAULT_FLUSH_MS = FOLLOWER_COALESCE_MS;

/**
 * A fan-out holds the event loop at most about this long at a time (listeners are called in
 * slices). A command takes several turns of the loop and may wait for a slice at each: with 1,000
 * subscribers, 1 ms slices gave a command round trip p99 of 31-33 ms against 42-47 with 2 ms.
 */
const SLICE_MS = 1;
/** Listeners called between two looks at the clock. */
const SLICE_CHECK_EVERY = 16;

/** At most this many changes per message; a longer stretch is split, each part covering up to its last change. */
export const MAX_CHANGES_PER_MESSAGE = 200;

/**
 * Splits the changes of the stretch ending at `position` (those of `changes` from index `from`
 * on) into messages of at most `max` changes, each covering up to its last change, the last one
 * up to `position`. No change: no message.
 */
export const toBatches = (
  changes: readonly OrderChange[],
  position: number,
  { from = 0, max = MAX_CHANGES_PER_MESSAGE }: { from?: number; max?: number } = {},
): LiveBatch[] => {
  const batches: LiveBatch[] = [];
  for (let at = from; at < changes.length; at += max) {
    const part = changes.slice(at, at + max);
    batches.push({ position: at + max >= changes.length ? position : part[part.length - 1]!.position, changes: part });
  }
  return batches;
};

/**
 * Turns log batches into order changes once per batch, whatever the number of subscribers. An
 * event is an order change when its correlation id is an order that has a row. Entries the
 * follower read with their order's view need nothing more; else one summary query reads the
 * views after the batch, so a view may already include later changes of the same order (its own
 * `version` and `lastPosition` say exactly what it reflects).
 */
export const toOrderChanges = async (db: Queryable, entries: readonly OrderLogEntry[]): Promise<OrderChange[]> => {
  const looked = entries.every((entry) => entry.view !== undefined)
    ? undefined
    : await findOrdersWithSaga(db, [...new Set(entries.flatMap((e) => (e.correlationId === null ? [] : [e.correlationId])))]);
  const changes: OrderChange[] = [];
  for (const event of entries) {
    const found = !looked ? event.view : event.correlationId === null ? undefined : looked.get(event.correlationId);
    if (!found) continue;
    const { order, saga } = found;
    changes.push({
      position: event.position,
      streamId: event.streamId,
      version: event.version,
      type: event.type,
      orderId: order.orderId,
      order,
      saga,
    });
  }
  return changes;
};

/**
 * Called in the listener's turn with the messages of everything after what it was last handed
 * (shared objects, the same for every listener at the same position: a listener that filters
 * must build its own) and the position they cover up to.
 */
export type LiveFeedListener = (batches: readonly LiveBatch[], position: number) => void;

export type LiveFeedOptions = {
  /**
   * The least time between two flushes (default 5, the log follower's own spacing): what the
   * follower read meanwhile goes out as one message per subscriber. Beyond it the spacing adapts
   * to the fan-out: a flush waits until the previous fan-out took at most half of the time since
   * the previous flush began (writing to 1,000 sockets takes ~10 ms: flushes every ~20 ms), so
   * with few subscribers changes go out at once and with many they are batched.
   */
  flushMs?: number;
  /**
   * A turn of the fan-out ends once its listeners took this long (default `DEFAULT_TURN_MS`); the
   * next flush goes on from the next listener, handing it everything since its last message.
   */
  turnMs?: number;
  onError?: (error: unknown) => void;
};

/**
 * A flush hands changes to listeners for at most about this long (a turn), then the next flush
 * goes on from the next listener. With many subscribers a change then waits for its subscriber's
 * next turn, not also for everyone before it in one long fan-out: at 1,000 subscribers on a
 * 2-core VM the whole fan-out takes 10-17 ms, and a change's p99 went from ~2x to ~1.6x what a
 * bare socket server's fan-out takes (docs/benchmarks.md, fourteenth session). Flushes stay
 * spaced by twice their own length, so the sockets' share of the event loop is the same. When
 * every listener fits in a turn, each flush is a whole fan-out in subscription order. 2 ms rather
 * than 4: a command waits less for a turn to end at each of its steps (p50 ~1.50x the bare
 * server's against ~1.63x, fifteenth session).
 */
const DEFAULT_TURN_MS = 2;

/** A listener and the position up to which it has been handed every change. */
type Member = { readonly listener: LiveFeedListener; from: number; gone: boolean };

/** Index of the first change after `position` (changes in position order). */
const firstAfter = (changes: readonly OrderChange[], position: number): number => {
  let low = 0;
  let high = changes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (changes[mid]!.position <= position) low = mid + 1;
    else high = mid;
  }
  return low;
};

/**
 * The process's fan-out: the follower's batches, as order changes, to every live subscriber.
 * Follower batches are coalesced (at most one flush per `flushMs`, and while the fan-out is long
 * one per twice its duration), turned into changes (from the views the follower read with them,
 * else with one summary query per flush), and handed to the listeners as shared messages whose
 * JSON is encoded once (`shareEncoding`). Each listener
 * gets every change after the last one it was handed, so a listener whose turn came later gets a
 * longer stretch in one message.
 */
export class LiveFeed {
  private members: Member[] = [];
  /** Where the next turn starts in `members`. */
  private cursor = 0;
  private departed = false;
  /** Members that have not left. */
  private active = 0;
  /** Every listener had been handed everything up to here after the last turn (new ones start at `position`). */
  private handedOverTo = 0;
  /** Changes read and not yet handed to every listener, in position order. */
  private recent: OrderChange[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly flushMs: number;
  private readonly turnMs: number;
  /** Events read by the follower and not yet turned into changes, up to `pendingPosition`. */
  private pending: OrderLogEntry[] = [];
  private pendingPosition = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing = false;
  private lastFlushAt = -Infinity;
  /** The time between flushes: `flushMs`, or twice the last turn when that is longer; only the latter while a pass is under way. */
  private gapMs: number;
  private stopped = false;
  private releasePrompt: (() => void) | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly follower: LogFollower,
    private readonly options: LiveFeedOptions = {},
  ) {
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.turnMs = options.turnMs ?? DEFAULT_TURN_MS;
    this.gapMs = this.flushMs;
  }

  /** The position up to which changes have been read: a new listener is handed every change after it. */
  position = 0;

  start(): void {
    this.position = this.follower.position;
    this.pendingPosition = this.position;
    this.handedOverTo = this.position;
    this.unsubscribe = this.follower.subscribe((entries, position) => {
      for (const entry of entries) this.pending.push(entry);
      this.pendingPosition = position;
      this.schedule();
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  /** While it has a listener the follower reads at its prompt pace (see LogFollower). */
  subscribe(listener: LiveFeedListener): () => void {
    const member: Member = { listener, from: this.position, gone: false };
    this.members.push(member);
    this.active++;
    this.releasePrompt ??= this.follower.holdPrompt();
    return () => {
      if (member.gone) return;
      member.gone = true;
      this.departed = true;
      if (--this.active > 0) return;
      this.releasePrompt?.();
      this.releasePrompt = undefined;
    };
  }

  /** Drops departed members, keeping the cursor on the same next member. */
  private compact(): void {
    if (!this.departed) return;
    this.departed = false;
    let cursor = 0;
    this.members = this.members.filter((member, i) => {
      if (!member.gone && i < this.cursor) cursor++;
      return !member.gone;
    });
    this.cursor = cursor < this.members.length ? cursor : 0;
  }

  private schedule(delayMs?: number): void {
    if (this.timer || this.flushing || this.stopped) return;
    // Nothing new read, and the last turn left nobody behind.
    if (this.pendingPosition <= this.position && this.handedOverTo >= this.position) return;
    const wait = delayMs ?? this.lastFlushAt + this.gapMs - performance.now();
    if (wait <= 0) void this.flush();
    else this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  /** One flush at a time, so messages leave in log order; what arrives meanwhile waits for the next. */
  private async flush(): Promise<void> {
    this.flushing = true;
    this.lastFlushAt = performance.now();
    const events = this.pending;
    const position = this.pendingPosition;
    this.pending = [];
    let retryMs: number | undefined;
    try {
      this.compact();
      // Nobody to tell: nothing is read. A subscriber who comes later catches up from the store
      // up to `position`, as it does for everything before it subscribed.
      const changes = this.active === 0 ? [] : await toOrderChanges(this.sql, events);
      for (const change of changes) this.recent.push(change);
      this.position = position;
      const busyMs = await this.turn(position);
      this.forgetHandedOver();
      // Writing to many sockets takes a while (~10 µs each on a small VM): space flushes so the
      // fan-out takes at most half of the event loop, whatever the number of subscribers; with
      // few subscribers that is no wait beyond flushMs. The turns of a pass under way follow
      // each other as soon as that allows: flushMs is for gathering changes into fewer messages,
      // and the listeners still waiting for theirs gather them meanwhile anyway.
      const passUnderWay = this.handedOverTo < this.position;
      this.gapMs = passUnderWay ? 2 * busyMs : Math.max(this.flushMs, 2 * busyMs);
    } catch (error) {
      // Nothing is handed over and the position stays: the same events are tried again, so no
      // subscriber skips them (and one resuming from a later id cannot get them from us).
      this.pending = events.concat(this.pending);
      this.options.onError?.(error);
      retryMs = 200;
    } finally {
      this.flushing = false;
    }
    this.schedule(retryMs);
  }

  /** Notes how far every listener has been handed changes, and keeps only the changes some listener has not been handed yet. */
  private forgetHandedOver(): void {
    let least = this.position;
    for (const member of this.members) if (!member.gone && member.from < least) least = member.from;
    this.handedOverTo = least;
    const keep = firstAfter(this.recent, least);
    if (keep > 0) this.recent = this.recent.slice(keep);
  }

  /** The messages for a listener handed everything up to `from`: shared by every listener at `from`. */
  private batchesAfter(from: number, position: number, cache: Map<number, readonly LiveBatch[]>): readonly LiveBatch[] {
    let batches = cache.get(from);
    if (!batches) {
      batches = toBatches(this.recent, position, { from: firstAfter(this.recent, from) });
      for (const batch of batches) shareEncoding(batch);
      cache.set(from, batches);
    }
    return batches;
  }

  /**
   * Hands every change up to `position` to the listeners from the cursor on, in slices of at
   * most `SLICE_MS` (the event loop runs between slices: commands, queries, other sockets), until
   * the turn has taken `turnMs` or every listener had its go. A listener that left meanwhile is
   * skipped. Returns the time spent in listeners.
   */
  private async turn(position: number): Promise<number> {
    const members = this.members;
    const count = members.length;
    const cache = new Map<number, readonly LiveBatch[]>();
    let busyMs = 0;
    let sliceStart = performance.now();
    let served = 0;
    let at = this.cursor;
    while (served < count) {
      if (served > 0 && served % SLICE_CHECK_EVERY === 0) {
        const now = performance.now();
        if (busyMs + (now - sliceStart) >= this.turnMs) break;
        if (now - sliceStart >= SLICE_MS) {
          busyMs += now - sliceStart;
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      const member = members[at]!;
      at = at + 1 < count ? at + 1 : 0;
      served++;
      if (member.gone || member.from >= position) continue;
      const batches = this.batchesAfter(member.from, position, cache);
      member.from = position;
      // One subscriber's failure is its own: the others still get the flush, and it is not retried.
      try {
        member.listener(batches, position);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
    // A whole round starts the next turn from the first listener again.
    this.cursor = served >= count ? 0 : at;
    return busyMs + (performance.now() - sliceStart);
  }

  /**
   * Settled changes after `after` up to `upTo`, from the store: the catch-up before going live.
   * Returns the position it scanned to, which moves on even when a page held no order change.
   */
  async backfill(after: number, upTo: number, orderId?: string, limit = 1000): Promise<{ changes: OrderChange[]; position: number }> {
    const db = this.sql;
    const rows = await db<LogEntryRow[]>`
      SELECT ${db.unsafe(LOG_ENTRY_COLUMNS)} FROM events
      WHERE position > ${after} AND position <= ${upTo}
        ${orderId ? db`AND correlation_id = ${orderId}` : db``}
      ORDER BY position LIMIT ${literalLimit(db, limit)}`;
    const changes = await toOrderChanges(db, rows.map(toLogEntry));
    return { changes, position: rows.length < limit ? upTo : rows[rows.length - 1]!.position };
  }
}
