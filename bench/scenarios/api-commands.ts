import { placeOrder } from '../../server/handlers/place-order';
import { formatMs, formatRate, formatRatio } from '../lib/format';
import { quietest, runClosedLoop, type ClosedLoopResult } from '../lib/load';
import type { ResultTable, Scenario, ScenarioContext } from '../lib/types';
import { benchOrder, HttpClient, listen, pair, pct, startApp, us } from './orderflow-support';

/**
 * orders.place over the real HTTP endpoint vs the same command through the in-process handler,
 * and a trivial tRPC query over HTTP as the transport's ceiling.
 */
type Variant = 'in-process' | 'http' | 'http-query';
const VARIANTS: readonly Variant[] = ['in-process', 'http', 'http-query'];
const label: Record<Variant, string> = {
  'in-process': 'placeOrder(app, input) in this process (no HTTP)',
  http: 'POST /api/trpc/orders.place (JSON body), keep-alive HTTP/1.1',
  'http-query': 'GET /api/trpc/customers.list (reads the 10 demo customers): the transport ceiling',
};

type Cell = ClosedLoopResult & { variant: Variant; attempts: number; noisy: boolean };

const settings = (ctx: ScenarioContext) => ({
  clients: ctx.writers ?? (ctx.smoke ? [1, 8] : [1, 8, 32]),
  warmupMs: ctx.smoke ? 50 : 500,
  processWarmupMs: ctx.smoke ? 50 : 1500,
  durationMs: (ctx.cellSeconds ?? (ctx.smoke ? 0.1 : 2)) * 1000,
  poolSize: 20,
});

export const apiCommandsScenario: Scenario = {
  name: 'api-commands',
  description: 'orders.place over the real HTTP endpoint from 1/8/32 clients vs the in-process handler and a trivial tRPC query',
  async run(ctx) {
    const { clients, warmupMs, processWarmupMs, durationMs, poolSize } = settings(ctx);
    let errors = 0;
    // Workers off: no saga or projection daemon competes with the commands (the live follower runs, as in production).
    const app = await startApp(ctx.url, { poolSize, workers: false, onError: () => errors++ });
    const server = await listen(app);
    const cells: Cell[] = [];
    let placed = 0;
    try {
      let sequence = 0;
      const operation = (variant: Variant, http: HttpClient) => async () => {
        const i = sequence++;
        if (variant === 'in-process') await placeOrder(app, benchOrder(i));
        else if (variant === 'http') await http.mutation('orders.place', benchOrder(i));
        else await http.query('customers.list');
      };
      // The process warms up once, on every variant (not measured): with a cell's own 0.5 s alone, the
      // first cells ran half-compiled code (one client: 1,306-2,009 µs of Node CPU per in-process
      // command without this, 931 with it).
      const warmHttp = new HttpClient(server.port, 8);
      try {
        for (const variant of VARIANTS) {
          const warm = await runClosedLoop({ workers: 8, warmupMs: 0, durationMs: processWarmupMs }, operation(variant, warmHttp));
          if (variant !== 'http-query') placed += warm.totalOps;
        }
      } finally {
        warmHttp.close();
      }
      for (const c of clients) {
        const http = new HttpClient(server.port, c);
        try {
          for (const variant of VARIANTS) {
            const result = await quietest(
              async () => {
                const r = await runClosedLoop({ workers: c, warmupMs, durationMs }, operation(variant, http));
                if (variant !== 'http-query') placed += r.totalOps;
                return r;
              },
              { maxAttempts: ctx.smoke ? 1 : 2, log: ctx.log, label: `clients=${c} ${variant}` },
            );
            cells.push({ ...result, variant });
            ctx.log(
              `clients=${String(c).padStart(2)} ${variant.padEnd(10)} ${formatRate(result.opsPerSec).padStart(6)}/s  ` +
                `p50 ${formatMs(result.p50Ms)} ms  p99 ${formatMs(result.p99Ms)} ms  ` +
                `cpu ${us(result.cpu?.nodeUsPerOp)}+${us(result.cpu?.postgresUsPerOp)} µs  bg ${pct(result.cpu?.backgroundPct)}`,
            );
          }
        } finally {
          http.close();
        }
      }
      // Every command that returned is an order row: the harness loses no writes silently.
      const [row] = await app.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM order_summaries`;
      if (row?.n !== placed) throw new Error(`order_summaries holds ${row?.n} rows but ${placed} orders.place returned`);
    } finally {
      await server.close();
      await app.close();
    }
    if (errors > 0) ctx.log(`${errors} background error(s) reported by the app`);

    const find = (variant: Variant, c: number) => cells.find((cell) => cell.variant === variant && cell.workers === c);
    const cpuOf = (cell: Cell | undefined) =>
      cell?.cpu?.postgresUsPerOp !== undefined ? cell.cpu.nodeUsPerOp + cell.cpu.postgresUsPerOp : Number.NaN;
    const noisy = cells.filter((c) => c.noisy).map((c) => `${c.variant}@${c.workers}`);
    const tables: ResultTable[] = [
      {
        title: 'api-commands: orders.place over HTTP vs in-process vs a trivial query over HTTP — per second, and latency p50 / p99 ms',
        columns: ['clients', 'http cmd/s', 'in-proc cmd/s', 'http/in-proc', 'query/s', 'http cmd/query', 'http p50/p99', 'in-proc p50/p99', 'query p50/p99'],
        rows: clients.map((c) => {
          const [inproc, http, query] = VARIANTS.map((v) => find(v, c));
          return [
            String(c),
            formatRate(http?.opsPerSec ?? Number.NaN),
            formatRate(inproc?.opsPerSec ?? Number.NaN),
            formatRatio((http?.opsPerSec ?? Number.NaN) / (inproc?.opsPerSec ?? Number.NaN)),
            formatRate(query?.opsPerSec ?? Number.NaN),
            formatRatio((http?.opsPerSec ?? Number.NaN) / (query?.opsPerSec ?? Number.NaN)),
            pair(http),
            pair(inproc),
            pair(query),
          ];
        }),
        notes: [
          ...VARIANTS.map((v) => `${v}: ${label[v]}`),
          `Closed loop, ${durationMs / 1000} s measured per cell after ${warmupMs / 1000} s warm-up, and ${processWarmupMs / 1000} s of each variant at 8 clients before the first cell; one app, pool ${poolSize} (the default DB_POOL_SIZE), workers off (no saga competes), server and clients in this process.`,
          ...(noisy.length ? [`NOISY (other processes took >10% of the machine in every attempt): ${noisy.join(', ')}`] : []),
        ],
      },
      {
        title: 'api-commands: CPU per operation in µs, node (server and client) + postgres; HTTP overhead per command',
        columns: ['clients', 'http', 'in-proc', 'query', 'http - in-proc', 'in-proc/http by CPU', 'busy http/in-proc/query', 'bg max'],
        rows: clients.map((c) => {
          const [inproc, http, query] = VARIANTS.map((v) => find(v, c));
          const cpu = (cell: Cell | undefined) => (cell?.cpu ? `${us(cell.cpu.nodeUsPerOp)} + ${us(cell.cpu.postgresUsPerOp)}` : 'n/a');
          return [
            String(c),
            cpu(http),
            cpu(inproc),
            cpu(query),
            us(cpuOf(http) - cpuOf(inproc)),
            formatRatio(cpuOf(inproc) / cpuOf(http)),
            `${pct(http?.cpu?.machineBusyPct)} / ${pct(inproc?.cpu?.machineBusyPct)} / ${pct(query?.cpu?.machineBusyPct)}`,
            pct(Math.max(...[inproc, http, query].map((cell) => cell?.cpu?.backgroundPct ?? 0))),
          ];
        }),
        notes: ['The HTTP client runs in the server process: its CPU (node:http request, JSON) is in the node column of http and query.'],
      },
    ];
    return { tables, data: { settings: { clients, warmupMs, processWarmupMs, durationMs, poolSize, workers: false }, cells, placed } };
  },
};
