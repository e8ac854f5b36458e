import { performance } from 'node:perf_hooks';
import { placeOrder } from '../../server/handlers/place-order';
import { startWorkers, type Orderflow } from '../../server/orderflow';
import { formatMs, formatRate, formatRatio } from '../lib/format';
import { quietest } from '../lib/load';
import type { ResultTable, Scenario, ScenarioContext } from '../lib/types';
import { addStock, benchOrder, CellCpu, pct, sleep, startApp, taggedOrderId, us, zeroFaults } from './orderflow-support';
import { summarize, type LatencySummary } from '../lib/stats';

/**
 * Orders per second that reach a final saga state with the participants answering at once (the
 * faults table all zero), workers on in the app's process, against placing the same orders with
 * sagas off.
 */
const FINAL = ['completed', 'compensated', 'failed'];

const settings = (ctx: ScenarioContext) => ({
  orders: ctx.smoke ? 20 : 2000,
  warmupOrders: ctx.smoke ? 4 : 50,
  placers: ctx.writers?.[0] ?? 16,
  poolSize: 20,
  timeoutMs: ctx.smoke ? 30_000 : 180_000,
});

type Placed = { ids: string[]; seconds: number; failed: number; firstError?: string };

/** N orders from `placers` concurrent callers of the in-process handler, as fast as they go. */
const placeAll = async (app: Orderflow, tag: number, orders: number, placers: number): Promise<Placed> => {
  const ids: string[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: placers }, async () => {
      while (next < orders) {
        const i = next++;
        const id = taggedOrderId(tag, i);
        try {
          await placeOrder(app, benchOrder(i, id));
          ids.push(id);
        } catch (error) {
          failed++;
          firstError ??= String(error);
        }
      }
    }),
  );
  return { ids, seconds: (performance.now() - start) / 1000, failed, ...(firstError ? { firstError } : {}) };
};

const finalCount = async (app: Orderflow, ids: readonly string[]): Promise<number> => {
  const [row] = await app.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM saga_progress WHERE order_id = ANY(${[...ids]}::text[]) AND status = ANY(${FINAL}::text[])`;
  return row!.n;
};

const waitFinal = async (app: Orderflow, ids: readonly string[], timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await finalCount(app, ids)) === ids.length) return true;
    await sleep(100);
  }
  return false;
};

const headOf = async (app: Orderflow): Promise<number> => {
  const [row] = await app.sql<{ head: number }[]>`SELECT coalesce(max(position), 0) AS head FROM events`;
  return row!.head;
};

type SagaCell = {
  orders: number;
  placed: number;
  placeFailures: number;
  placeSeconds: number;
  allFinal: boolean;
  seconds: number;
  ordersPerSec: number;
  steadyOrdersPerSec: number;
  eventsWritten: number;
  eventsPerSec: number;
  eventsPerOrder: number;
  statuses: Record<string, number>;
  retries: number;
  sagaDuration: LatencySummary;
  appErrors: number;
  cpu?: ReturnType<CellCpu['finish']>;
};

type PlaceCell = { orders: number; placed: number; seconds: number; ordersPerSec: number; eventsPerSec: number; cpu?: ReturnType<CellCpu['finish']> };

const sagaCell = async (ctx: ScenarioContext, s: ReturnType<typeof settings>): Promise<SagaCell> => {
  let appErrors = 0;
  let firstAppError: unknown;
  const app = await startApp(ctx.url, {
    poolSize: s.poolSize,
    onError: (error) => {
      appErrors++;
      firstAppError ??= error;
    },
  });
  try {
    await zeroFaults(app);
    await addStock(app, 1_000_000);
    startWorkers(app);
    // Warm-up (JIT, prepared statements, the intake's first batch), not measured.
    const warm = await placeAll(app, 0xfffe, s.warmupOrders, s.placers);
    if (!(await waitFinal(app, warm.ids, s.timeoutMs))) throw new Error('the warm-up sagas did not finish');

    const headBefore = await headOf(app);
    const cpu = new CellCpu();
    const t0 = Date.now();
    const placed = await placeAll(app, 1, s.orders, s.placers);
    if (placed.failed > 0) ctx.log(`${placed.failed} orders could not be placed; first: ${placed.firstError}`);
    ctx.log(`placed ${placed.ids.length} orders in ${placed.seconds.toFixed(1)} s while the sagas ran`);
    const allFinal = await waitFinal(app, placed.ids, s.timeoutMs);
    const cellCpu = cpu.finish(placed.ids.length);
    const ids = placed.ids;
    const [timing] = await app.sql<{ last: Date | null; p10: Date | null; p90: Date | null }[]>`
      SELECT max(finished_at) AS last,
             percentile_disc(0.1) WITHIN GROUP (ORDER BY finished_at) AS p10,
             percentile_disc(0.9) WITHIN GROUP (ORDER BY finished_at) AS p90
      FROM saga_progress WHERE order_id = ANY(${ids}::text[]) AND finished_at IS NOT NULL`;
    const last = timing?.last?.getTime() ?? Date.now();
    const seconds = (last - t0) / 1000;
    const [written] = await app.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM events WHERE position > ${headBefore} AND recorded_at <= ${new Date(last).toISOString()}::timestamptz`;
    const statusRows = await app.sql<{ status: string; n: number; retries: number }[]>`
      SELECT status, count(*)::int AS n, coalesce(sum(retries), 0)::int AS retries FROM saga_progress
      WHERE order_id = ANY(${ids}::text[]) GROUP BY status`;
    const durations = await app.sql<{ ms: number }[]>`
      SELECT extract(epoch FROM finished_at - started_at)::float8 * 1000 AS ms FROM saga_progress
      WHERE order_id = ANY(${ids}::text[]) AND finished_at IS NOT NULL`;
    const steady =
      timing?.p10 && timing.p90 && timing.p90 > timing.p10 ? (0.8 * ids.length) / ((timing.p90.getTime() - timing.p10.getTime()) / 1000) : Number.NaN;
    if (appErrors > 0) ctx.log(`${appErrors} background error(s); first: ${String(firstAppError)}`);
    return {
      orders: s.orders,
      placed: ids.length,
      placeFailures: placed.failed,
      placeSeconds: placed.seconds,
      allFinal,
      seconds,
      ordersPerSec: statusRows.filter((r) => FINAL.includes(r.status)).reduce((n, r) => n + r.n, 0) / seconds,
      steadyOrdersPerSec: steady,
      eventsWritten: written!.n,
      eventsPerSec: written!.n / seconds,
      eventsPerOrder: written!.n / Math.max(1, ids.length),
      statuses: Object.fromEntries(statusRows.map((r) => [r.status, r.n])),
      retries: statusRows.reduce((n, r) => n + r.retries, 0),
      sagaDuration: summarize(durations.map((d) => d.ms)),
      appErrors,
      ...(cellCpu ? { cpu: cellCpu } : {}),
    };
  } finally {
    await app.close();
  }
};

/** The same orders with sagas off: the command path alone. */
const placeCell = async (ctx: ScenarioContext, s: ReturnType<typeof settings>): Promise<PlaceCell> => {
  const app = await startApp(ctx.url, { poolSize: s.poolSize, seed: false });
  try {
    await placeAll(app, 0xfffd, s.warmupOrders, s.placers);
    const headBefore = await headOf(app);
    const cpu = new CellCpu();
    const placed = await placeAll(app, 2, s.orders, s.placers);
    const cellCpu = cpu.finish(placed.ids.length);
    if (placed.failed > 0) throw new Error(`${placed.failed} orders could not be placed; first: ${placed.firstError}`);
    const written = (await headOf(app)) - headBefore;
    return {
      orders: s.orders,
      placed: placed.ids.length,
      seconds: placed.seconds,
      ordersPerSec: placed.ids.length / placed.seconds,
      eventsPerSec: written / placed.seconds,
      ...(cellCpu ? { cpu: cellCpu } : {}),
    };
  } finally {
    await app.close();
  }
};

export const sagaThroughputScenario: Scenario = {
  name: 'saga-throughput',
  description: 'orders per second through the whole fulfilment saga (participant latency 0, workers on) vs placing the same orders with sagas off',
  async run(ctx) {
    const s = settings(ctx);
    const saga = await quietest(() => sagaCell(ctx, s), { maxAttempts: 1, log: ctx.log, label: 'sagas on' });
    ctx.log(
      `sagas on: ${formatRate(saga.ordersPerSec)} orders/s final, ${formatRate(saga.eventsPerSec)} events/s (${saga.eventsPerOrder.toFixed(1)} per order), ` +
        `statuses ${JSON.stringify(saga.statuses)}, retries ${saga.retries}, bg ${pct(saga.cpu?.backgroundPct)}`,
    );
    const place = await quietest(() => placeCell(ctx, s), { maxAttempts: 1, log: ctx.log, label: 'sagas off' });
    ctx.log(`sagas off: ${formatRate(place.ordersPerSec)} orders/s placed, bg ${pct(place.cpu?.backgroundPct)}`);

    const cpuTotal = (c: { cpu?: ReturnType<CellCpu['finish']> }) =>
      c.cpu?.postgresUsPerOp !== undefined ? c.cpu.nodeUsPerOp + c.cpu.postgresUsPerOp : Number.NaN;
    const tables: ResultTable[] = [
      {
        title: `saga-throughput: ${s.orders} orders placed as fast as ${s.placers} callers go, until every saga is final`,
        columns: ['cell', 'orders/s', 'steady orders/s', 'events/s', 'events/order', 'seconds', 'ratio', 'CPU µs/order node + pg', 'busy', 'bg'],
        rows: [
          [
            'sagas on (to final)',
            formatRate(saga.ordersPerSec),
            formatRate(saga.steadyOrdersPerSec),
            formatRate(saga.eventsPerSec),
            saga.eventsPerOrder.toFixed(1),
            saga.seconds.toFixed(1),
            formatRatio(saga.ordersPerSec / place.ordersPerSec),
            `${us(saga.cpu?.nodeUsPerOp)} + ${us(saga.cpu?.postgresUsPerOp)}`,
            pct(saga.cpu?.machineBusyPct),
            pct(saga.cpu?.backgroundPct),
          ],
          [
            'sagas off (placed)',
            formatRate(place.ordersPerSec),
            'n/a',
            formatRate(place.eventsPerSec),
            '1.0',
            place.seconds.toFixed(1),
            '1.00x',
            `${us(place.cpu?.nodeUsPerOp)} + ${us(place.cpu?.postgresUsPerOp)}`,
            pct(place.cpu?.machineBusyPct),
            pct(place.cpu?.backgroundPct),
          ],
        ],
        notes: [
          `sagas on: one app (pool ${s.poolSize}, default FulfilmentOptions: concurrency 128, step timeout 2 s), workers started (saga processor and projection daemon), faults all 0, 1,000,000 units of each product in stock; orders placed in-process with placeOrder by ${s.placers} callers, timed from the first placement to the last saga's finished_at.`,
          'steady orders/s: sagas finished between the 10th and the 90th percentile of finished_at, over that time.',
          `Statuses: ${JSON.stringify(saga.statuses)}; retries ${saga.retries}; every saga final: ${saga.allFinal}; placing took ${saga.placeSeconds.toFixed(1)} s while sagas ran; saga duration p50/p95/p99 ${formatMs(saga.sagaDuration.p50Ms)} / ${formatMs(saga.sagaDuration.p95Ms)} / ${formatMs(saga.sagaDuration.p99Ms)} ms.`,
          `sagas off: a fresh app without workers placing the same number of orders the same way (the baseline); ratio = orders/s / this. CPU by CPU ratio: ${formatRatio(cpuTotal(place) / cpuTotal(saga))}.`,
          `${s.warmupOrders} warm-up orders before each cell (not measured).`,
        ],
      },
    ];
    if (!saga.allFinal) throw new Error(`not every saga was final after ${s.timeoutMs / 1000} s: ${JSON.stringify(saga.statuses)}`);
    return { tables, data: { settings: s, saga, place } };
  },
};
