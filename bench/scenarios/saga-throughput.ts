import { performance } from 'node:perf_hooks';
import { placeOrder } from '../../server/handlers/place-order';
import { startWorkers, type Orderflow } from '../../server/orderflow';
import { formatMs, formatRate, formatRatio } from '../lib/format';
import { quietest } from '../lib/load';
import type { ResultTable, Scenario, ScenarioContext } from '../lib/types';
import { addStock, benchOrder, CellCpu, pct, sleep, startApp, taggedOrderId, us, zeroFaults } from './orderflow-support';
import { median, summarize, type LatencySummary } from '../lib/stats';

/**
 * Orders per second that reach a final saga state with the participants answering at once (the
 * faults table all zero), workers on in the app's process, against placing the same orders with
 * sagas off.
 */
const FINAL = ['completed', 'compensated', 'failed'];

const settings = (ctx: ScenarioContext) => ({
  /**
   * Pairs of cells (sagas on, then sagas off), medians reported: on a shared 2-core VM one saga
   * run's figure moves by ±15% from one minute to the next with the same code.
   */
  runs: ctx.smoke ? 1 : 3,
  orders: ctx.smoke ? 20 : 2000,
  warmupOrders: ctx.smoke ? 4 : 400,
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

/** Those of `ids` whose saga is final. */
const finalOf = async (app: Orderflow, ids: readonly string[]): Promise<string[]> => {
  const rows = await app.sql<{ orderId: string }[]>`
    SELECT order_id AS "orderId" FROM saga_progress WHERE order_id = ANY(${[...ids]}::text[]) AND status = ANY(${FINAL}::text[])`;
  return rows.map((row) => row.orderId);
};

/**
 * Until every one of `ids` is final. Each look asks only about the ones not final yet, every
 * 200 ms: asking about all 2,000 every 100 ms took ~6 ms of Postgres each time, in competition
 * with the sagas for the same two cores. The cell's time comes from finished_at, not from here.
 */
const waitFinal = async (app: Orderflow, ids: readonly string[], timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs;
  const pending = new Set(ids);
  while (performance.now() < deadline) {
    for (const id of await finalOf(app, [...pending])) pending.delete(id);
    if (pending.size === 0) return true;
    await sleep(200);
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

type PlaceCell = {
  orders: number;
  placed: number;
  seconds: number;
  ordersPerSec: number;
  eventsPerSec: number;
  eventsPerOrder: number;
  cpu?: ReturnType<CellCpu['finish']>;
};

/** Order id tags, distinct per run: the sagas-on runs share one database, the sagas-off runs another. */
const tags = (run: number) => ({ sagaWarmup: 0xff00 + run, saga: 0x100 + run, placeWarmup: 0xfe00 + run, place: 0x200 + run });

const sagaCell = async (ctx: ScenarioContext, s: ReturnType<typeof settings>, run: number): Promise<SagaCell> => {
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
    const warm = await placeAll(app, tags(run).sagaWarmup, s.warmupOrders, s.placers);
    if (!(await waitFinal(app, warm.ids, s.timeoutMs))) throw new Error('the warm-up sagas did not finish');

    const headBefore = await headOf(app);
    const cpu = new CellCpu();
    const t0 = Date.now();
    const placed = await placeAll(app, tags(run).saga, s.orders, s.placers);
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

/**
 * The same orders with sagas off: the command path alone. On a database of its own (seeded the
 * same way): in the sagas' one, its orders would be saga work for the next sagas-on app.
 */
const placeCell = async (url: string, s: ReturnType<typeof settings>, run: number): Promise<PlaceCell> => {
  const app = await startApp(url, { poolSize: s.poolSize });
  try {
    await placeAll(app, tags(run).placeWarmup, s.warmupOrders, s.placers);
    const headBefore = await headOf(app);
    const cpu = new CellCpu();
    const placed = await placeAll(app, tags(run).place, s.orders, s.placers);
    const cellCpu = cpu.finish(placed.ids.length);
    if (placed.failed > 0) throw new Error(`${placed.failed} orders could not be placed; first: ${placed.firstError}`);
    const written = (await headOf(app)) - headBefore;
    return {
      orders: s.orders,
      placed: placed.ids.length,
      seconds: placed.seconds,
      ordersPerSec: placed.ids.length / placed.seconds,
      eventsPerSec: written / placed.seconds,
      eventsPerOrder: written / Math.max(1, placed.ids.length),
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
    const sagaRuns: SagaCell[] = [];
    const placeRuns: PlaceCell[] = [];
    const baselineUrl = await ctx.createDatabase();
    // Alternated, so a slow minute of the machine falls on both kinds of cell alike.
    for (let run = 1; run <= s.runs; run++) {
      const of = s.runs > 1 ? ` (run ${run} of ${s.runs})` : '';
      const saga = await quietest(() => sagaCell(ctx, s, run), { maxAttempts: 1, log: ctx.log, label: 'sagas on' });
      ctx.log(
        `sagas on${of}: ${formatRate(saga.ordersPerSec)} orders/s final, ${formatRate(saga.eventsPerSec)} events/s (${saga.eventsPerOrder.toFixed(1)} per order), ` +
          `statuses ${JSON.stringify(saga.statuses)}, retries ${saga.retries}, bg ${pct(saga.cpu?.backgroundPct)}`,
      );
      if (!saga.allFinal) throw new Error(`not every saga was final after ${s.timeoutMs / 1000} s: ${JSON.stringify(saga.statuses)}`);
      sagaRuns.push(saga);
      const place = await quietest(() => placeCell(baselineUrl, s, run), { maxAttempts: 1, log: ctx.log, label: 'sagas off' });
      ctx.log(`sagas off${of}: ${formatRate(place.ordersPerSec)} orders/s placed, bg ${pct(place.cpu?.backgroundPct)}`);
      placeRuns.push(place);
    }

    const cpuTotal = (c: { cpu?: ReturnType<CellCpu['finish']> }) =>
      c.cpu?.postgresUsPerOp !== undefined ? c.cpu.nodeUsPerOp + c.cpu.postgresUsPerOp : Number.NaN;
    const mid = <T>(cells: readonly T[], value: (cell: T) => number | undefined) => median(cells.map((c) => value(c) ?? Number.NaN));
    const placeRate = mid(placeRuns, (c) => c.ordersPerSec);
    /** A table row of each column's median over these cells (one cell: its own figures). */
    const row = (label: string, cells: readonly (SagaCell | PlaceCell)[]) => [
      label,
      formatRate(mid(cells, (c) => c.ordersPerSec)),
      formatRate(mid(cells, (c) => ('steadyOrdersPerSec' in c ? c.steadyOrdersPerSec : Number.NaN))),
      formatRate(mid(cells, (c) => c.eventsPerSec)),
      mid(cells, (c) => c.eventsPerOrder).toFixed(1),
      mid(cells, (c) => c.seconds).toFixed(1),
      formatRatio(mid(cells, (c) => c.ordersPerSec) / placeRate),
      `${us(mid(cells, (c) => c.cpu?.nodeUsPerOp))} + ${us(mid(cells, (c) => c.cpu?.postgresUsPerOp))}`,
      pct(mid(cells, (c) => c.cpu?.machineBusyPct)),
      pct(mid(cells, (c) => c.cpu?.backgroundPct)),
    ];
    const many = s.runs > 1;
    const statuses = sagaRuns.map((c) => JSON.stringify(c.statuses)).join(', ');
    const sagaDurations = sagaRuns
      .map((c) => `${formatMs(c.sagaDuration.p50Ms)} / ${formatMs(c.sagaDuration.p95Ms)} / ${formatMs(c.sagaDuration.p99Ms)}`)
      .join('; ');
    const tables: ResultTable[] = [
      {
        title: `saga-throughput: ${s.orders} orders placed as fast as ${s.placers} callers go, until every saga is final${many ? `; ${s.runs} runs, medians` : ''}`,
        columns: ['cell', 'orders/s', 'steady orders/s', 'events/s', 'events/order', 'seconds', 'ratio', 'CPU µs/order node + pg', 'busy', 'bg'],
        rows: [
          ...(many ? sagaRuns.map((cell, i) => row(`sagas on, run ${i + 1}`, [cell])) : []),
          row(many ? 'sagas on (to final), median' : 'sagas on (to final)', sagaRuns),
          ...(many ? placeRuns.map((cell, i) => row(`sagas off, run ${i + 1}`, [cell])) : []),
          row(many ? 'sagas off (placed), median' : 'sagas off (placed)', placeRuns),
        ],
        notes: [
          `sagas on: one app (pool ${s.poolSize}, default FulfilmentOptions: concurrency 128, step timeout 2 s), workers started (saga processor and projection daemon), faults all 0, 1,000,000 units of each product in stock; orders placed in-process with placeOrder by ${s.placers} callers, timed from the first placement to the last saga's finished_at.`,
          ...(many
            ? [`${s.runs} runs, each a sagas-on cell and then a sagas-off cell (a fresh app each; the sagas-off cells on a second database of the same server, so their orders never become the next sagas-on cell's work): on a shared VM one run's figure moves by ±15% with the same code. Median rows: each column's median over the runs; ratio = a row's orders/s / the median sagas-off orders/s.`]
            : []),
          'steady orders/s: sagas finished between the 10th and the 90th percentile of finished_at, over that time.',
          `Statuses: ${statuses}; retries ${sagaRuns.map((c) => c.retries).join(', ')}; every saga final: ${sagaRuns.every((c) => c.allFinal)}; placing took ${sagaRuns.map((c) => c.placeSeconds.toFixed(1)).join(', ')} s while sagas ran; saga duration p50/p95/p99 ${sagaDurations} ms.`,
          `sagas off: a fresh app without workers placing the same number of orders the same way (the baseline). CPU by CPU ratio (medians): ${formatRatio(mid(placeRuns, cpuTotal) / mid(sagaRuns, cpuTotal))}.`,
          `${s.warmupOrders} warm-up orders before each cell (not measured).`,
        ],
      },
    ];
    return { tables, data: { settings: s, sagaRuns, placeRuns } };
  },
};
