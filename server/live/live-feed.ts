import type { Queryable, Sql } from '@/db/client';
import { literalLimit } from '@/db/client';
import type { EventRegistry } from '../event-store/event-registry';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from '../event-store/stored-event-row';
import type { RecordedEvent } from '../event-store/types';
import { sagaProgressByOrder } from '../queries/saga-view';
import type { SagaProgress } from '../fulfilment/progress';
import { findOrderSummaries, type OrderSummary } from '../queries/order-queries';
import type { LogFollower } from './log-follower';

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
 * Turns log batches into order changes once per batch (one summary query, whatever the number of
 * subscribers). An event is an order change when its correlation id is an order that has a row.
 * The summary is read after the batch, so it may already include later changes of the same order;
 * its own `version` and `lastPosition` say exactly what it reflects.
 */
export const toOrderChanges = async (db: Queryable, events: readonly RecordedEvent[]): Promise<OrderChange[]> => {
  if (events.length === 0) return [];
  const ids = [...new Set(events.map((e) => e.metadata.correlationId))];
  const [summaries, sagas] = await Promise.all([findOrderSummaries(db, ids), sagaProgressByOrder(db, ids)]);
  const changes: OrderChange[] = [];
  for (const event of events) {
    const order = summaries.get(event.metadata.correlationId);
    if (!order) continue;
    changes.push({
      position: event.position,
      streamId: event.streamId,
      version: event.version,
      type: event.type,
      orderId: order.orderId,
      order,
      saga: sagas.get(order.orderId) ?? null,
    });
  }
  return changes;
};

export type LiveFeedListener = (changes: readonly OrderChange[], position: number) => void;

/** The process's fan-out: the follower's batches, as order changes, to every live subscriber. */
export class LiveFeed {
  private readonly listeners = new Set<LiveFeedListener>();
  private unsubscribe: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly registry: EventRegistry,
    private readonly follower: LogFollower,
  ) {}

  /** The position up to which every change has been handed to listeners. */
  position = 0;

  start(): void {
    this.position = this.follower.position;
    this.unsubscribe = this.follower.subscribe((events, position) => {
      // Keep batches in order even though building their messages is async.
      this.chain = this.chain.then(async () => {
        const changes = await toOrderChanges(this.sql, events).catch(() => []);
        this.position = position;
        for (const listener of [...this.listeners]) listener(changes, position);
      });
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  subscribe(listener: LiveFeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Settled changes after `after` up to `upTo`, from the store: the catch-up before going live.
   * Returns the position it scanned to, which moves on even when a page held no order change.
   */
  async backfill(after: number, upTo: number, orderId?: string, limit = 1000): Promise<{ changes: OrderChange[]; position: number }> {
    const db = this.sql;
    const rows = await db<StoredEventRow[]>`
      SELECT ${db.unsafe(EVENT_COLUMNS)} FROM events
      WHERE position > ${after} AND position <= ${upTo}
        ${orderId ? db`AND correlation_id = ${orderId}` : db``}
      ORDER BY position LIMIT ${literalLimit(db, limit)}`;
    const changes = await toOrderChanges(db, rows.map((row) => toRecordedEvent(this.registry, row)));
    return { changes, position: rows.length < limit ? upTo : rows[rows.length - 1]!.position };
  }
}
