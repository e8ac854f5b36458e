import type { TransactionSql } from '@/db/client';
import type { OrderEvent } from '../orders/events';
import type { ProjectedEvent } from '../event-store/types';
import type { FulfilmentEvent } from '../fulfilment/events';
import { sagaCounterEventTypes, sagaCounterMoves, type SagaCounter } from '../fulfilment/saga-counters';
import { orderTypes, statusAfter } from './order-summaries';
import { defineProjection } from './projection';

const minuteOf = (iso: string): string => `${iso.slice(0, 16)}:00.000Z`;

type Outcome = 'placed' | 'confirmed' | 'cancelled';

const sagaTypes: ReadonlySet<string> = new Set(sagaCounterEventTypes);
const orderTypeSet: ReadonlySet<string> = new Set(orderTypes);

/**
 * The saga counters of /api/health (stats_saga_counts), moved once per batch. Each event moves them
 * on its own (see sagaCounterMoves), so no saga's status needs to be kept or read. A counter an
 * event touched gets its row even when the batch's moves cancel out, so which rows exist does not
 * depend on where batches end (a rebuild gives the same rows).
 */
const applySagaCounters = async (tx: TransactionSql, moves: ReadonlyMap<SagaCounter, number>) => {
  if (moves.size === 0) return;
  const counters = [...moves.keys()];
  await tx`
    INSERT INTO stats_saga_counts (counter, count)
    SELECT * FROM unnest(${counters}::text[], ${counters.map((c) => moves.get(c)!)}::bigint[])
    ON CONFLICT (counter) DO UPDATE SET count = stats_saga_counts.count + EXCLUDED.count`;
};

/**
 * Counts by status, revenue and orders per minute. It keeps its own copy of each order's status
 * (stats_order_status) so it depends on nothing but the log, and works set-based per batch. It also
 * keeps the saga counters /api/health reports.
 */
export const dashboardStatsProjection = defineProjection({
  name: 'dashboard-stats',
  kind: 'async',
  description: 'Counts by status, revenue, orders per minute by outcome, saga counters',
  eventTypes: [...orderTypes, ...sagaCounterEventTypes],
  tables: ['stats_order_status', 'stats_status_counts', 'stats_revenue', 'stats_orders_per_minute', 'stats_saga_counts'],
  apply: async (tx, events) => {
    const moves = new Map<SagaCounter, number>();
    const orderEvents: (ProjectedEvent & OrderEvent)[] = [];
    for (const event of events) {
      if (orderTypeSet.has(event.type)) orderEvents.push(event as unknown as ProjectedEvent & OrderEvent);
      if (!sagaTypes.has(event.type)) continue;
      for (const [counter, by] of sagaCounterMoves(event as unknown as FulfilmentEvent)) moves.set(counter, (moves.get(counter) ?? 0) + by);
    }
    await applySagaCounters(tx, moves);
    if (orderEvents.length === 0) return;
    const ids = [...new Set(orderEvents.map((e) => e.data.orderId))];
    const known = await tx<{ order_id: string; status: string; total_cents: number }[]>`
      SELECT order_id, status, total_cents FROM stats_order_status WHERE order_id = ANY(${ids}::text[])`;
    const orders = new Map(known.map((r) => [r.order_id, { status: r.status, totalCents: r.total_cents }]));
    const countDeltas = new Map<string, number>();
    const perMinute = new Map<string, number>();
    let revenue = 0;
    let confirmed = 0;
    const bump = <K>(map: Map<K, number>, key: K, by: number) => map.set(key, (map.get(key) ?? 0) + by);
    const outcome = (event: ProjectedEvent, kind: Outcome) => bump(perMinute, `${minuteOf(event.metadata.occurredAt)}|${kind}`, 1);

    for (const event of orderEvents) {
      const current = orders.get(event.data.orderId);
      if (event.type === 'OrderPlaced') {
        if (current) continue;
        orders.set(event.data.orderId, { status: 'placed', totalCents: event.data.totalCents });
        bump(countDeltas, 'placed', 1);
        outcome(event, 'placed');
        continue;
      }
      if (!current) continue;
      const next = statusAfter[event.type];
      if (current.status === next) continue;
      bump(countDeltas, current.status, -1);
      bump(countDeltas, next, 1);
      current.status = next;
      if (event.type === 'OrderConfirmed') {
        revenue += current.totalCents;
        confirmed += 1;
        outcome(event, 'confirmed');
      }
      if (event.type === 'OrderCancelled') outcome(event, 'cancelled');
    }

    const touched = ids.filter((id) => orders.has(id));
    await tx`
      INSERT INTO stats_order_status (order_id, status, total_cents)
      SELECT * FROM unnest(${touched}::text[], ${touched.map((id) => orders.get(id)!.status)}::text[],
                           ${touched.map((id) => orders.get(id)!.totalCents)}::bigint[])
      ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status`;
    const statuses = [...countDeltas.keys()];
    if (statuses.length > 0) {
      await tx`
        INSERT INTO stats_status_counts (status, count)
        SELECT * FROM unnest(${statuses}::text[], ${statuses.map((s) => countDeltas.get(s)!)}::bigint[])
        ON CONFLICT (status) DO UPDATE SET count = stats_status_counts.count + EXCLUDED.count`;
    }
    if (confirmed > 0) {
      await tx`
        INSERT INTO stats_revenue (id, revenue_cents, confirmed_count) VALUES (1, ${revenue}, ${confirmed})
        ON CONFLICT (id) DO UPDATE SET revenue_cents = stats_revenue.revenue_cents + EXCLUDED.revenue_cents,
                                       confirmed_count = stats_revenue.confirmed_count + EXCLUDED.confirmed_count`;
    }
    const buckets = [...perMinute.keys()];
    if (buckets.length > 0) {
      await tx`
        INSERT INTO stats_orders_per_minute (minute, outcome, count)
        SELECT * FROM unnest(${buckets.map((b) => b.split('|')[0]!)}::timestamptz[], ${buckets.map((b) => b.split('|')[1]!)}::text[],
                             ${buckets.map((b) => perMinute.get(b)!)}::int[])
        ON CONFLICT (minute, outcome) DO UPDATE SET count = stats_orders_per_minute.count + EXCLUDED.count`;
    }
  },
});
