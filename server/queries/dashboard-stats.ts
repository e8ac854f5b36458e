import type { Queryable } from '@/db/client';

/** Dashboard figures from the async stats projection: every query is a primary-key or tiny range read. */
export const dashboardStats = async (db: Queryable, now: string) => {
  const dayStart = `${now.slice(0, 10)}T00:00:00.000Z`;
  const hourAgo = new Date(Date.parse(now) - 60 * 60_000).toISOString();
  const [counts, revenue, today, perMinute] = await Promise.all([
    db<{ status: string; count: number }[]>`SELECT status, count FROM stats_status_counts`,
    db<{ revenue_cents: number; confirmed_count: number }[]>`SELECT revenue_cents, confirmed_count FROM stats_revenue WHERE id = 1`,
    db<{ placed: number }[]>`
      SELECT coalesce(sum(count), 0)::int AS placed FROM stats_orders_per_minute
      WHERE outcome = 'placed' AND minute >= ${dayStart}`,
    db<{ minute: Date; outcome: string; count: number }[]>`
      SELECT minute, outcome, count FROM stats_orders_per_minute WHERE minute >= ${hourAgo} ORDER BY minute`,
  ]);
  const byStatus = Object.fromEntries(counts.map((c) => [c.status, c.count])) as Record<string, number>;
  const inFlight = ['placed', 'inventory_reserved', 'paid', 'shipment_created', 'cancelling'].reduce((n, s) => n + (byStatus[s] ?? 0), 0);
  return {
    byStatus,
    ordersToday: today[0]?.placed ?? 0,
    inFlight,
    completed: byStatus.confirmed ?? 0,
    cancelled: byStatus.cancelled ?? 0,
    revenueCents: revenue[0]?.revenue_cents ?? 0,
    ordersPerMinute: perMinute.map((row) => ({ minute: row.minute.toISOString(), outcome: row.outcome, count: row.count })),
  };
};
