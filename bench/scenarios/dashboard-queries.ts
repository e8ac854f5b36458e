import { performance } from 'node:perf_hooks';
import type { Sql } from '../../db/client';
import { dashboardStats } from '../../server/queries/dashboard-stats';
import { listOrders } from '../../server/queries/order-queries';
import { formatMs, formatRate, formatRatio } from '../lib/format';
import { quietest } from '../lib/load';
import type { ResultTable, Scenario, ScenarioContext } from '../lib/types';
import { HttpClient, listen, pct, startApp, timedLoop, withIndexesRebuilt } from './orderflow-support';
import type { LatencySummary } from '../lib/stats';

/**
 * The dashboard's queries over a read model of 1,000,000 orders, loaded set-based (no events),
 * against a SELECT 1 round trip on the same pool.
 */
const CUSTOMERS = 10_000;
const PAGE = 25;
const DEEP_PAGE = 5000;
/** The newest orders are still in flight; older ones are final. */
const IN_FLIGHT_SHARE = 0.02;

const settings = (ctx: ScenarioContext) => ({
  orders: ctx.smoke ? 5000 : 1_000_000,
  warmupMs: ctx.smoke ? 20 : 300,
  durationMs: (ctx.cellSeconds ?? (ctx.smoke ? 0.05 : 2)) * 1000,
  deepPage: ctx.smoke ? 20 : DEEP_PAGE,
});

/**
 * order_summaries, order_details and the dashboard-stats tables for `orders` orders, the way the
 * projections would have left them: customers skewed (a few big accounts, a long tail), the newest
 * 2% in flight, the rest confirmed (93%) or cancelled, ~20 log positions per order, 30 days.
 */
export const loadDashboardReadModel = async (sql: Sql, orders: number, log: (line: string) => void): Promise<number> => {
  const started = performance.now();
  const phase = (name: string) => log(`  ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await sql.begin(async (tx) => {
    await tx`SET LOCAL synchronous_commit = off`;
    await tx`
      INSERT INTO customers (customer_id, name, email, country)
      SELECT 'cus_b' || lpad(c::text, 5, '0'), 'Bench Customer ' || c, 'customer' || c || '@example.com',
             (ARRAY['GB','US','NL','DE','FR','FI','SE','AT','CH','ES'])[1 + c % 10]
      FROM generate_series(1, ${CUSTOMERS}::int) AS c`;
    await tx`
      CREATE TEMP TABLE gen ON COMMIT DROP AS
      SELECT g,
             gen_random_uuid()::text AS order_id,
             -- cube of a uniform draw: customer 1 has ~5% of all orders, most have a few dozen
             1 + floor(power(random(), 3) * ${CUSTOMERS})::int AS customer,
             CASE WHEN g > ${orders}::int * (1 - ${IN_FLIGHT_SHARE}::float8)
                  THEN (ARRAY['placed','inventory_reserved','paid','shipment_created','cancelling'])[1 + floor(random() * 5)::int]
                  WHEN random() < 0.93 THEN 'confirmed' ELSE 'cancelled' END AS status,
             1 + floor(random() * 3)::int AS lines,
             now() - (${orders}::int - g) * interval '2.6 seconds' AS placed_at,
             g::bigint * 20 AS placed_position
      FROM generate_series(1, ${orders}::int) AS g`;
    phase('orders drawn');
    await withIndexesRebuilt(tx, 'order_summaries', async () => {
      await tx`
        INSERT INTO order_summaries (order_id, customer_id, customer_name, status, item_count, total_cents, placed_at, updated_at,
                                     placed_position, version, last_position)
        SELECT order_id, 'cus_b' || lpad(customer::text, 5, '0'), 'Bench Customer ' || customer, status, lines * 2,
               lines * 4900 + (g % 97) * 100, placed_at,
               placed_at + CASE WHEN status IN ('confirmed', 'cancelled') THEN interval '2 minutes' ELSE interval '5 seconds' END,
               placed_position,
               CASE status WHEN 'placed' THEN 1 WHEN 'inventory_reserved' THEN 2 WHEN 'paid' THEN 3 WHEN 'shipment_created' THEN 4
                           WHEN 'cancelling' THEN 2 WHEN 'cancelled' THEN 3 ELSE 5 END,
               placed_position + 19
        FROM gen ORDER BY g`;
    });
    phase('order_summaries');
    await tx`
      INSERT INTO order_details (order_id, lines, shipping_address, payment_token, payment_id, paid_cents, shipment_id, carrier,
                                 tracking_number, cancellation_reason, cancelled_by, version, last_position)
      SELECT order_id,
             CASE lines
               WHEN 1 THEN jsonb_build_array(line_a)
               WHEN 2 THEN jsonb_build_array(line_a, line_b)
               ELSE jsonb_build_array(line_a, line_b, line_c) END,
             jsonb_build_object('name', 'Bench Customer ' || customer, 'line1', g || ' Bench Street', 'city', 'Benchton',
                                'postalCode', 'B' || (g % 90 + 10), 'country', 'GB'),
             'tok_visa',
             CASE WHEN status IN ('paid', 'shipment_created', 'confirmed') THEN 'pay_' || g END,
             CASE WHEN status IN ('paid', 'shipment_created', 'confirmed') THEN lines * 4900 + (g % 97) * 100 END,
             CASE WHEN status IN ('shipment_created', 'confirmed') THEN 'shp_' || g END,
             CASE WHEN status IN ('shipment_created', 'confirmed') THEN 'Orderflow Express' END,
             CASE WHEN status IN ('shipment_created', 'confirmed') THEN 'OX' || lpad(g::text, 9, '0') || 'GB' END,
             CASE WHEN status IN ('cancelling', 'cancelled') THEN 'Cancelled by customer' END,
             CASE WHEN status = 'cancelled' THEN 'customer' END,
             CASE status WHEN 'placed' THEN 1 WHEN 'inventory_reserved' THEN 2 WHEN 'paid' THEN 3 WHEN 'shipment_created' THEN 4
                         WHEN 'cancelling' THEN 2 WHEN 'cancelled' THEN 3 ELSE 5 END,
             placed_position + 19
      FROM gen,
           LATERAL (SELECT jsonb_build_object('sku', 'SKU-' || lpad((g % 20)::text, 2, '0'), 'name', 'Product A', 'quantity', 2,
                                              'unitPriceCents', 2450, 'lineTotalCents', 4900) AS line_a,
                           jsonb_build_object('sku', 'SKU-' || lpad(((g + 7) % 20)::text, 2, '0'), 'name', 'Product B', 'quantity', 2,
                                              'unitPriceCents', 2450, 'lineTotalCents', 4900) AS line_b,
                           jsonb_build_object('sku', 'SKU-' || lpad(((g + 13) % 20)::text, 2, '0'), 'name', 'Product C', 'quantity', 2,
                                              'unitPriceCents', 2450, 'lineTotalCents', 4900) AS line_c) l
      -- in key order: the primary key's btree is filled left to right (the rows are read by key only)
      ORDER BY order_id`;
    phase('order_details');
    await tx`INSERT INTO stats_order_status (order_id, status, total_cents) SELECT order_id, status, total_cents FROM order_summaries`;
    await tx`INSERT INTO stats_status_counts (status, count) SELECT status, count(*) FROM stats_order_status GROUP BY status`;
    await tx`
      INSERT INTO stats_revenue (id, revenue_cents, confirmed_count)
      SELECT 1, coalesce(sum(total_cents), 0), count(*) FROM stats_order_status WHERE status = 'confirmed'`;
    await tx`
      INSERT INTO stats_orders_per_minute (minute, outcome, count)
      SELECT minute, outcome, count(*) FROM (
        SELECT date_trunc('minute', placed_at) AS minute, 'placed' AS outcome FROM order_summaries
        UNION ALL
        SELECT date_trunc('minute', updated_at), status FROM order_summaries WHERE status IN ('confirmed', 'cancelled')
      ) x GROUP BY minute, outcome`;
    await tx`
      UPDATE projection_checkpoints SET position = ${orders * 20 + 19}, updated_at = now() WHERE name = 'dashboard-stats'`;
    phase('stats');
  });
  for (const table of ['customers', 'order_summaries', 'order_details', 'stats_order_status', 'stats_status_counts', 'stats_revenue', 'stats_orders_per_minute']) {
    await sql.unsafe(`ANALYZE ${table}`);
  }
  phase('ANALYZE');
  return (performance.now() - started) / 1000;
};

type Row = LatencySummary & { name: string; opsPerSec: number; attempts: number; noisy: boolean; cpu?: { backgroundPct: number; machineBusyPct: number } };

export const dashboardQueriesScenario: Scenario = {
  name: 'dashboard-queries',
  description: 'orders.list (first page, by status, by customer, a deep page by cursor) and stats.dashboard over 1,000,000 orders vs SELECT 1',
  async run(ctx) {
    const s = settings(ctx);
    const app = await startApp(ctx.url, { seed: false, poolSize: 10 });
    const server = await listen(app);
    const http = new HttpClient(server.port, 1);
    const rows: Row[] = [];
    let loadSeconds = 0;
    const picks: Record<string, string | number> = {};
    try {
      loadSeconds = await loadDashboardReadModel(app.sql, s.orders, ctx.log);
      const [loaded] = await app.sql<{ n: number; size: string }[]>`
        SELECT count(*)::int AS n, pg_size_pretty(pg_total_relation_size('order_summaries')) AS size FROM order_summaries`;
      const { n, size } = loaded!;
      ctx.log(`loaded ${n.toLocaleString('en-US')} orders (order_summaries ${size}) in ${loadSeconds.toFixed(1)} s`);
      if (n !== s.orders) throw new Error(`order_summaries holds ${n} rows, not ${s.orders}`);

      // A typical customer (the median by order count) and the cursor of the deep page.
      const [median] = await app.sql<{ customer_id: string; n: number }[]>`
        SELECT customer_id, n FROM (SELECT customer_id, count(*)::int AS n FROM order_summaries GROUP BY customer_id) c
        ORDER BY n LIMIT 1 OFFSET (SELECT count(DISTINCT customer_id) / 2 FROM order_summaries)`;
      const [biggest] = await app.sql<{ customer_id: string; n: number }[]>`
        SELECT customer_id, count(*)::int AS n FROM order_summaries GROUP BY customer_id ORDER BY n DESC LIMIT 1`;
      const [deep] = await app.sql<{ cursor: number }[]>`
        SELECT placed_position AS cursor FROM order_summaries ORDER BY placed_position DESC LIMIT 1 OFFSET ${(s.deepPage - 1) * PAGE - 1}`;
      picks.customer = median!.customer_id;
      picks.customerOrders = median!.n;
      picks.biggestCustomer = biggest!.customer_id;
      picks.biggestCustomerOrders = biggest!.n;
      picks.deepCursor = deep!.cursor;

      const now = () => new Date().toISOString();
      const queries: { name: string; run: () => Promise<unknown>; check?: (r: unknown) => boolean }[] = [
        { name: 'SELECT 1 (baseline)', run: () => app.sql`SELECT 1` },
        { name: 'orders.list first page', run: () => listOrders(app.sql, { limit: PAGE }), check: (r) => (r as { items: unknown[] }).items.length === PAGE },
        {
          name: "orders.list status='cancelled'",
          run: () => listOrders(app.sql, { status: 'cancelled', limit: PAGE }),
          check: (r) => (r as { items: { status: string }[] }).items.every((i) => i.status === 'cancelled'),
        },
        {
          name: `orders.list customer (${median!.n} orders)`,
          run: () => listOrders(app.sql, { customerId: median!.customer_id, limit: PAGE }),
          check: (r) => (r as { items: { customerId: string }[] }).items.every((i) => i.customerId === median!.customer_id),
        },
        {
          name: `orders.list biggest customer (${biggest!.n} orders)`,
          run: () => listOrders(app.sql, { customerId: biggest!.customer_id, limit: PAGE }),
          check: (r) => (r as { items: { customerId: string }[] }).items.every((i) => i.customerId === biggest!.customer_id),
        },
        {
          name: `orders.list page ${s.deepPage.toLocaleString('en-US')} by cursor`,
          run: () => listOrders(app.sql, { cursor: String(deep!.cursor), limit: PAGE }),
          check: (r) => (r as { items: unknown[] }).items.length === PAGE,
        },
        { name: 'stats.dashboard', run: () => dashboardStats(app.sql, now()), check: (r) => (r as { completed: number }).completed > 0 },
        {
          name: 'orders.list first page via HTTP',
          run: () => http.query('orders.list', { limit: PAGE }),
          check: (r) => (r as { items: unknown[] }).items.length === PAGE,
        },
      ];
      for (const query of queries) {
        const first = await query.run();
        if (query.check && !query.check(first)) throw new Error(`${query.name}: unexpected answer ${JSON.stringify(first).slice(0, 300)}`);
        const result = await quietest(() => timedLoop({ warmupMs: s.warmupMs, durationMs: s.durationMs, minSamples: 20 }, query.run), {
          maxAttempts: ctx.smoke ? 1 : 2,
          log: ctx.log,
          label: query.name,
        });
        rows.push({ name: query.name, ...result });
        ctx.log(`${query.name.padEnd(40)} p50 ${formatMs(result.p50Ms)} ms  p95 ${formatMs(result.p95Ms)} ms  p99 ${formatMs(result.p99Ms)} ms  bg ${pct(result.cpu?.backgroundPct)}`);
      }
    } finally {
      http.close();
      await server.close();
      await app.close();
    }

    const base = rows[0]!;
    const noisy = rows.filter((r) => r.noisy).map((r) => r.name);
    const tables: ResultTable[] = [
      {
        title: `dashboard-queries: ${s.orders.toLocaleString('en-US')} orders in the read model — latency ms, one caller, and ratio to SELECT 1 on the same pool`,
        columns: ['query', 'p50', 'p95', 'p99', 'p50 / SELECT 1', 'p95 / SELECT 1', 'calls/s', 'bg'],
        rows: rows.map((r) => [
          r.name,
          formatMs(r.p50Ms),
          formatMs(r.p95Ms),
          formatMs(r.p99Ms),
          formatRatio(r.p50Ms / base.p50Ms),
          formatRatio(r.p95Ms / base.p95Ms),
          formatRate(r.opsPerSec),
          pct(r.cpu?.backgroundPct),
        ]),
        notes: [
          `Server-side query functions (listOrders, dashboardStats from server/queries) called directly on the app's pool, one at a time, ${s.durationMs / 1000} s each after ${s.warmupMs / 1000} s warm-up; the last row is orders.list over tRPC HTTP (GET, keep-alive) to the app in this process.`,
          `Read model: ${s.orders.toLocaleString('en-US')} order_summaries + order_details rows and the dashboard-stats tables, loaded set-based in ${loadSeconds.toFixed(0)} s, then ANALYZE; ${CUSTOMERS.toLocaleString('en-US')} customers (skewed: the biggest has ~5% of orders), newest ${IN_FLIGHT_SHARE * 100}% in flight, the rest 93% confirmed / 7% cancelled.`,
          `Customer filter: the median customer by order count, and the biggest; deep page: keyset cursor of the ${((s.deepPage - 1) * PAGE).toLocaleString('en-US')}th newest order.`,
          ...(noisy.length ? [`NOISY (other processes took >10% of the machine in every attempt): ${noisy.join(', ')}`] : []),
        ],
      },
    ];
    return { tables, data: { settings: s, loadSeconds, picks, rows } };
  },
};
