'use client';
import { useSyncExternalStore } from 'react';
import type { RouterOutputs } from '@/server/root';
import type { ConnectionState } from '@/components/trpc/client';

type Envelope = RouterOutputs['live']['changes'] extends AsyncIterable<infer T, never, unknown> ? T : never;
/** One message: the changes of a stretch of the log, and the last position it covers (its tracked id). */
export type LiveBatch = Envelope extends { data: infer D } ? D : never;
/** One pushed change: the event's coordinates and the order's summary after it. */
export type LiveChange = LiveBatch['changes'][number];
export type LiveOrderSummary = LiveChange['order'];

export type LiveOrder = {
  summary: LiveOrderSummary;
  /** The global position of the order's OrderPlaced event, when the feed delivered it. */
  placedPosition: number | null;
};

export type LiveSnapshot = {
  readonly connection: ConnectionState;
  /** When the connection was last lost (ms since epoch), while not live. */
  readonly since: number | null;
  /** Highest global position this page has seen (feed or query answers). */
  readonly lastPosition: number;
  /** The position the live feed started after; answers older than this may miss changes. */
  readonly liveFrom: number | null;
  /** Changes received since the page loaded. */
  readonly received: number;
  readonly orders: ReadonlyMap<string, LiveOrder>;
};

const MAX_ORDERS = 20_000;

/**
 * What the live channel has told this tab, outside React: the newest summary per order (by
 * version, so a late or repeated change never overwrites a newer one), the connection state and
 * the last position. Views merge it over their query answers.
 */
class LiveStore {
  private orders = new Map<string, LiveOrder>();
  private snapshot: LiveSnapshot = {
    connection: 'connecting',
    since: null,
    lastPosition: 0,
    liveFrom: null,
    received: 0,
    orders: new Map(),
  };
  private readonly listeners = new Set<() => void>();
  private readonly changeListeners = new Set<(change: LiveChange) => void>();
  private scheduled: ReturnType<typeof setTimeout> | null = null;
  private pending: Partial<Omit<LiveSnapshot, 'orders'>> = {};
  private ordersDirty = false;

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

  /** Called for every change as it arrives (not batched). */
  onChange(listener: (change: LiveChange) => void) {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  order(orderId: string): LiveOrder | undefined {
    return this.orders.get(orderId);
  }

  get lastPosition() {
    return Math.max(this.snapshot.lastPosition, this.pending.lastPosition ?? 0);
  }

  /** A message of the feed: its changes in order, then the position it covers. */
  applyBatch(batch: LiveBatch) {
    for (const change of batch.changes) this.applyChange(change);
    this.notePosition(batch.position);
  }

  applyChange(change: LiveChange) {
    const existing = this.orders.get(change.orderId);
    const placedPosition = change.type === 'OrderPlaced' ? change.position : (existing?.placedPosition ?? null);
    if (!existing || change.order.version > existing.summary.version || placedPosition !== existing.placedPosition) {
      const summary = existing && existing.summary.version >= change.order.version ? existing.summary : change.order;
      this.orders.delete(change.orderId);
      this.orders.set(change.orderId, { summary, placedPosition });
      if (this.orders.size > MAX_ORDERS) this.orders.delete(this.orders.keys().next().value!);
      this.ordersDirty = true;
    }
    this.update({ lastPosition: Math.max(this.lastPosition, change.position), received: (this.pending.received ?? this.snapshot.received) + 1 });
    for (const listener of this.changeListeners) listener(change);
  }

  notePosition(position: number) {
    if (position > this.lastPosition) this.update({ lastPosition: position });
  }

  setLiveFrom(position: number) {
    this.update({ liveFrom: position, lastPosition: Math.max(this.lastPosition, position) });
    this.flush();
  }

  setConnection(connection: ConnectionState) {
    const current = this.pending.connection ?? this.snapshot.connection;
    if (current === connection) return;
    this.update({ connection, since: connection === 'live' ? null : Date.now() });
    this.flush();
  }

  private update(patch: Partial<Omit<LiveSnapshot, 'orders'>>) {
    Object.assign(this.pending, patch);
    this.scheduled ??= setTimeout(() => this.flush(), 60);
  }

  private flush() {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = null;
    this.snapshot = { ...this.snapshot, ...this.pending, orders: this.ordersDirty ? new Map(this.orders) : this.snapshot.orders };
    this.pending = {};
    this.ordersDirty = false;
    for (const listener of this.listeners) listener();
  }
}

export const liveStore = new LiveStore();

const serverSnapshot: LiveSnapshot = liveStore.getSnapshot();

export const useLive = (): LiveSnapshot => useSyncExternalStore(liveStore.subscribe, liveStore.getSnapshot, () => serverSnapshot);

/** Positions of this tab's own writes, so the next read waits for them (read-your-writes). */
const writes = new Map<string, number>();
export const rememberWrite = (orderId: string, position: number) => writes.set(orderId, Math.max(writes.get(orderId) ?? 0, position));
export const writePosition = (orderId: string) => writes.get(orderId);
