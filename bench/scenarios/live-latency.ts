import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { singleConnection } from '../../db/client';
import { startChildProcess, startChildServer, type ChildServer } from '../../tests/support/child-server';
import { formatMs, formatRate, formatRatio } from '../lib/format';
import { quietest } from '../lib/load';
import type { ResultTable, Scenario, ScenarioContext } from '../lib/types';
import { gcBetween, GcTrace, type GcCounts } from '../lib/gc-trace';
import { benchOrder, CellCpu, HttpClient, pct, rssMiB, sleep, startApp, taggedOrderId, us } from './orderflow-support';
import { median, percentileBySecond, summarize, type LatencySummary } from '../lib/stats';
import { FLOOR_SERVER_LISTENING, type FloorServerMessage } from '../lib/fan-out-floor-protocol';
import type { SubscribersMessage, SubscribersResult, SubscribersWorkerData } from '../lib/live-subscribers-worker';

/**
 * Time from sending orders.place to every live.changes subscriber receiving that order's change,
 * with the server in a child process (its RSS is measured), at a fixed open-loop command rate.
 */
const settings = (ctx: ScenarioContext) => ({
  subscribers: ctx.writers?.[ctx.writers.length - 1] ?? (ctx.smoke ? 20 : 1000),
  ratePerSec: 200,
  seconds: ctx.cellSeconds ?? (ctx.smoke ? 2 : 30),
  baselineSeconds: ctx.cellSeconds ?? (ctx.smoke ? 0.5 : 10),
  warmupSeconds: ctx.smoke ? 0.2 : 10,
  cellWarmupSeconds: ctx.smoke ? 0.2 : 5,
  drainMs: ctx.smoke ? 3000 : 15_000,
  floorSamples: ctx.smoke ? 20 : 1000,
});

// ---------------------------------------------------------------------------------------------
// The child server: tests/support/child-server.ts's, `node --import tsx scripts/start.ts --no-ui
// --no-seed` (one process, so its pid is the server's and VmRSS is the server's), workers off: each
// order then makes exactly one change. It gets the node flags `npm start` runs with (package.json)
// and --trace-gc, whose lines (a few a second) are counted per cell: a mark-compact of the server
// shows in the latency tail. BENCH_SERVER_NODE_ARGS: extra ones, e.g. "--cpu-prof
// --cpu-prof-dir=/tmp/prof" to profile it.

/** The node flags of `npm start` (package.json's start script, between `node` and `--import`). */
const startScriptNodeFlags = (): string[] => {
  const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = scripts.start.split(/\s+/);
  return words[0] === 'node' ? words.slice(1, Math.max(1, words.indexOf('--import'))) : [];
};

type BenchServer = ChildServer & { gc: GcTrace };

const startServer = async (databaseUrl: string): Promise<BenchServer> => {
  const gc = new GcTrace();
  const server = await startChildServer(databaseUrl, { ORDERFLOW_WORKERS: '0' }, ['--no-ui', '--no-seed'], {
    nodeArgs: [...startScriptNodeFlags(), '--trace-gc', ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    startTimeoutMs: 60_000,
    // BENCH_SERVER_LOG=<file>: the server's output (its --trace-gc lines among it) appended there, to read the GC beside the figures.
    onOutput: (text: string) => {
      gc.feed(text);
      if (process.env.BENCH_SERVER_LOG) appendFileSync(process.env.BENCH_SERVER_LOG, text);
    },
  });
  return { ...server, gc };
};

// ---------------------------------------------------------------------------------------------
// The subscribers: WebSocket clients speaking tRPC's WebSocket protocol, in a worker thread of
// their own (bench/lib/live-subscribers-worker.ts) so the open-loop sender's timers are not held
// up by 200,000 messages a second.
//
// The 1,000 subscribers share the server's two cores, so what each received message costs the
// bench is taken from the server. By default they are lean clients (bench/lib/lean-socket.ts), a
// real WebSocket without `ws`'s stream machinery per message. LIVE_BENCH_CLIENT=ws runs the same
// subscribers on `ws` instead, to compare.

/** Which client the subscribers run on: LIVE_BENCH_CLIENT=ws, else the lean one. */
const subscriberClient = (): 'ws' | 'lean' => (process.env.LIVE_BENCH_CLIENT === 'ws' ? 'ws' : 'lean');

/** What both kinds of cell measure: deliveries to the subscribers, their latency, and CPU. */
type DeliveryFigures = {
  subscribers: number;
  ordersSent: number;
  expected: number;
  delivered: number;
  /** Messages with changes, over all subscribers (deliveries / frames = orders per message). */
  frames: number;
  /** Their bytes, over all subscribers. */
  bytes: number;
  missing: number;
  duplicates: number;
  /** Deliveries of the warm-up's orders that came after its end (not timed, not in `delivered`). */
  warmupDeliveries: number;
  latency: LatencySummary;
  /** The p99 of the deliveries received in each second of the cell (NaN for a second with none). */
  p99BySecond: number[];
  serverCpuPct: number;
  benchCpuPct: number;
  /** Server CPU and bench CPU (subscribers and sender) over the cell, µs per message received. */
  serverUsPerMessage: number;
  benchUsPerMessage: number;
  cpu?: { backgroundPct: number };
};

type Cell = DeliveryFigures & {
  seconds: number;
  ordersAccepted: number;
  commandErrors: number;
  /** orders.place refused in the cell's warm-up (not timed). */
  warmupErrors: number;
  /** Commands without an answer when the drain time ran out (the server is behind). */
  unanswered: number;
  achievedRate: number;
  closes: Record<string, number>;
  errors: string[];
  drainedMs: number;
  /** From the server's clock when it took the command (OrderPlaced.placedAt, ms resolution) to delivery. */
  afterPlacedAt: LatencySummary;
  command: LatencySummary;
  rssIdleMiB: number | undefined;
  rssConnectedMiB: number | undefined;
  rssPeakMiB: number | undefined;
  postgresCpuPct: number | undefined;
  /** Server and bench CPU µs per order sent. */
  serverUsPerOrder: number;
  benchUsPerOrder: number;
  /** The server's garbage collections over the cell (its --trace-gc lines). */
  gc: GcCounts;
};

/** The subscribers' worker thread: connects them, counts deliveries, hands over its figures at the end. */
class SubscriberPool {
  readonly sent: BigInt64Array;
  delivered = 0;
  failure: Error | undefined;
  private readonly worker: Worker;
  private readonly ready: Promise<number>;
  private readonly result: Promise<SubscribersResult>;

  constructor(options: { url: string; subscribers: number; maxOrders: number; tag: number }) {
    const sentAt = new SharedArrayBuffer(options.maxOrders * 8);
    this.sent = new BigInt64Array(sentAt);
    const workerData: SubscribersWorkerData & { entry: string } = {
      entry: fileURLToPath(new URL('../lib/live-subscribers-worker.ts', import.meta.url)),
      client: subscriberClient(),
      url: options.url,
      subscribers: options.subscribers,
      maxOrders: options.maxOrders,
      tagHex: options.tag.toString(16).padStart(8, '0'),
      sentAt,
    };
    this.worker = new Worker(new URL('../lib/typescript-worker.mjs', import.meta.url), { workerData });
    let onReady: (started: number) => void = () => {};
    this.ready = new Promise<number>((resolve) => (onReady = resolve));
    this.result = new Promise<SubscribersResult>((resolve, reject) => {
      this.worker.on('message', (message: SubscribersMessage) => {
        if (message.type === 'progress') this.delivered = message.delivered;
        else if (message.type === 'ready') onReady(message.started);
        else if (message.type === 'result') resolve(message);
        else reject(new Error(`subscribers failed: ${message.error} ${JSON.stringify(message.closes)} ${JSON.stringify(message.errors)}`));
      });
      this.worker.on('error', reject);
    });
    this.result.catch((error: Error) => (this.failure = error));
  }

  /** Resolves with the number of subscribers started once all are connected; throws when they failed. */
  async connected(): Promise<number> {
    const ready = await Promise.race([this.ready, this.result.then(() => 0, () => 0)]);
    if (this.failure) throw this.failure;
    return ready;
  }

  /** Marks order `index` as sent now (the clock its deliveries are timed from). */
  markSent(index: number): void {
    Atomics.store(this.sent, index, process.hrtime.bigint() / 1000n);
  }

  /** Waits (until `deadline`, a performance.now() time) for `expected` deliveries. */
  async drain(expected: number, deadline: number): Promise<void> {
    while (this.delivered < expected && performance.now() < deadline && !this.failure) await sleep(50);
  }

  /** The cell's warm-up is over: message and byte counts start from here. */
  measure(): void {
    this.worker.postMessage({ type: 'measure', at: process.hrtime.bigint() / 1000n });
  }

  async finish(): Promise<SubscribersResult> {
    this.worker.postMessage({ type: 'finish' });
    return this.result;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * A cell's deliveries and CPU from what the subscribers' worker counted: `expected` deliveries of
 * `ordersSent` orders to `subscribers`, CPU per core-µs over `wallSeconds` (the cell's own clock).
 */
const deliveryFigures = (
  cell: { subscribers: number; ordersSent: number; expected: number; wallSeconds: number },
  result: SubscribersResult,
  cellCpu: ReturnType<CellCpu['finish']>,
): DeliveryFigures => {
  const perCoreUs = cell.wallSeconds * 1e6;
  const total = cell.ordersSent;
  return {
    subscribers: cell.subscribers,
    ordersSent: total,
    expected: cell.expected,
    delivered: result.delivered,
    frames: result.frames,
    bytes: result.bytes,
    missing: cell.expected - result.delivered,
    duplicates: result.duplicates,
    warmupDeliveries: result.foreign,
    latency: summarize(result.latencies),
    p99BySecond: percentileBySecond(result.latencies, result.receivedAt, 99),
    serverCpuPct: cellCpu ? ((cellCpu.childUsPerOp * total) / perCoreUs) * 100 : Number.NaN,
    benchCpuPct: cellCpu ? ((cellCpu.nodeUsPerOp * total) / perCoreUs) * 100 : Number.NaN,
    serverUsPerMessage: cellCpu ? (cellCpu.childUsPerOp * total) / Math.max(1, result.frames) : Number.NaN,
    benchUsPerMessage: cellCpu ? (cellCpu.nodeUsPerOp * total) / Math.max(1, result.frames) : Number.NaN,
    ...(cellCpu ? { cpu: { backgroundPct: cellCpu.backgroundPct } } : {}),
  };
};

/** Open loop: every 5 ms tick sends whatever is due by the clock, so a late timer catches up. Returns the seconds it took. */
const sendOpenLoop = async (total: number, ratePerSec: number, send: (i: number) => void): Promise<number> => {
  const start = performance.now();
  let sentCount = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * ratePerSec) + 1);
      while (sentCount < due) send(sentCount++);
      if (sentCount >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 5);
    tick();
  });
  return (performance.now() - start) / 1000;
};

const runCell = async (
  server: BenchServer,
  options: { subscribers: number; ratePerSec: number; seconds: number; drainMs: number; tag: number; warmupSeconds?: number },
  log: (line: string) => void,
): Promise<Cell> => {
  const total = Math.max(1, Math.round(options.ratePerSec * options.seconds));
  const rssIdle = rssMiB(server.pid);
  let rssPeak = rssIdle ?? 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(server.pid) ?? 0)), 250);
  const pool = new SubscriberPool({ url: server.wsUrl, subscribers: options.subscribers, maxOrders: total, tag: options.tag });
  const http = new HttpClient(server.port, 64);
  // The warm-up's orders are not timed, but a server refusing them is a broken cell: said at the end.
  let warmupErrors = 0;
  let firstWarmupError: string | undefined;
  try {
    const ready = await pool.connected();
    const connectedAt = performance.now();
    // Let the server settle after the connection burst before the clock starts.
    await sleep(options.subscribers > 100 ? 1000 : 100);
    const rssConnected = rssMiB(server.pid);
    log(`${ready} subscribers connected in ${((performance.now() - connectedAt) / 1000).toFixed(1)} s; server RSS ${rssConnected?.toFixed(0)} MiB`);

    // The cell's own warm-up: the same rate to the same subscribers, with orders of another tag,
    // which the subscribers do not time. What follows the connection burst (the server's first
    // mark-compact with 1,000 sockets' state, the fan-out's code at scale) is not the steady state
    // the cell measures; the open loop then goes straight on into the measured orders.
    if (options.warmupSeconds) {
      const warmTag = options.tag + 0x8000;
      await sendOpenLoop(Math.round(options.ratePerSec * options.warmupSeconds), options.ratePerSec, (i) => {
        http.mutation('orders.place', benchOrder(i, taggedOrderId(warmTag, i))).catch((error: unknown) => {
          warmupErrors++;
          firstWarmupError ??= String(error);
        });
      });
      pool.measure();
    }

    const commandLatencies: number[] = [];
    let accepted = 0;
    let commandErrors = 0;
    let firstCommandError: string | undefined;
    const inflight = new Set<Promise<void>>();
    const cpu = new CellCpu([server.pid]);
    const gcAtStart = server.gc.snapshot();
    const serverTicksStart = performance.now();
    const send = (i: number) => {
      const t0 = performance.now();
      pool.markSent(i);
      const p = http
        .mutation('orders.place', benchOrder(i, taggedOrderId(options.tag, i)))
        .then(() => {
          accepted++;
          commandLatencies.push(performance.now() - t0);
        })
        .catch((error: unknown) => {
          commandErrors++;
          firstCommandError ??= String(error);
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    };
    const sendSeconds = await sendOpenLoop(total, options.ratePerSec, send);
    // Bounded: commands still unanswered and deliveries still missing after the drain time count as such.
    const drainStart = performance.now();
    const drainEnd = drainStart + options.drainMs;
    while (inflight.size > 0 && performance.now() < drainEnd) await Promise.race([Promise.allSettled([...inflight]), sleep(Math.max(1, drainEnd - performance.now()))]);
    const unanswered = inflight.size;
    const expected = (total - commandErrors) * options.subscribers;
    await pool.drain(expected, drainEnd);
    const drainedMs = performance.now() - drainStart;
    const cellCpu = cpu.finish(total);
    const gc = gcBetween(gcAtStart, server.gc.snapshot());
    const wallSeconds = (performance.now() - serverTicksStart) / 1000;
    const result = await pool.finish();
    if (commandErrors > 0) log(`${commandErrors} orders.place failed; first: ${firstCommandError}`);
    if (warmupErrors > 0) log(`warm-up: ${warmupErrors} orders.place failed; first: ${firstWarmupError}`);

    return {
      ...deliveryFigures({ subscribers: options.subscribers, ordersSent: total, expected, wallSeconds }, result, cellCpu),
      seconds: options.seconds,
      ordersAccepted: accepted,
      commandErrors,
      warmupErrors,
      unanswered,
      achievedRate: total / sendSeconds,
      closes: result.closes,
      errors: result.errors,
      drainedMs,
      afterPlacedAt: summarize(result.afterServer),
      command: summarize(commandLatencies),
      rssIdleMiB: rssIdle,
      rssConnectedMiB: rssConnected,
      rssPeakMiB: rssPeak,
      postgresCpuPct: cellCpu?.postgresUsPerOp !== undefined ? ((cellCpu.postgresUsPerOp * total) / (wallSeconds * 1e6)) * 100 : undefined,
      serverUsPerOrder: cellCpu?.childUsPerOp ?? Number.NaN,
      benchUsPerOrder: cellCpu?.nodeUsPerOp ?? Number.NaN,
      gc,
    };
  } finally {
    clearInterval(sampler);
    http.close();
    await pool.terminate();
  }
};

// ---------------------------------------------------------------------------------------------
// The fan-out floor: what delivering the same messages costs this machine without Orderflow. A
// bare WebSocket server (bench/lib/fan-out-floor-server.ts, a child process: TCP, the HTTP
// upgrade, unmasked text frames, nothing else) is handed each order as it is "sent" and, on a fixed timer, writes one frame carrying
// every order since the last tick to every socket, one write each. The subscribers are the same
// worker and client as above. Its timer is the real cell's measured spacing between messages and
// its changes are padded to the real cell's bytes per change, so it sends the same number of
// messages of the same size: the part of the latency and CPU the kernel and the sockets take.

type FloorCell = DeliveryFigures & { flushMs: number; changeBytes: number };

const runFloorCell = async (
  options: { subscribers: number; ratePerSec: number; seconds: number; drainMs: number; tag: number; flushMs: number; changeBytes: number; warmupSeconds?: number },
  log: (line: string) => void,
): Promise<FloorCell> => {
  const total = Math.max(1, Math.round(options.ratePerSec * options.seconds));
  const child = await startChildProcess('bench/lib/fan-out-floor-server.ts', { readyWhen: FLOOR_SERVER_LISTENING, ipc: true, startTimeoutMs: 60_000 });
  const send = (message: FloorServerMessage) => child.send(message);
  try {
    const port = Number(new RegExp(`${FLOOR_SERVER_LISTENING} (\\d+)`).exec(child.output())![1]);
    const pool = new SubscriberPool({ url: `ws://127.0.0.1:${port}/api/ws`, subscribers: options.subscribers, maxOrders: total, tag: options.tag });
    try {
      const ready = await pool.connected();
      await sleep(options.subscribers > 100 ? 1000 : 100);
      log(`floor: ${ready} subscribers connected; a message every ${options.flushMs.toFixed(1)} ms, ${Math.round(options.changeBytes)} bytes per change`);
      send({ type: 'start', flushMs: options.flushMs, changeBytes: options.changeBytes });
      // Orders go to the floor server in one IPC message per tick of the open loop (as commands go out in one tick).
      let batch: [string, string][] = [];
      const sendOrders = (tag: number, count: number, onSend: (i: number) => void) =>
        sendOpenLoop(count, options.ratePerSec, (i) => {
          onSend(i);
          batch.push([taggedOrderId(tag, i), new Date().toISOString()]);
          queueMicrotask(() => {
            if (batch.length === 0) return;
            send({ type: 'orders', orders: batch });
            batch = [];
          });
        });
      // The same warm-up as the real cell's (orders of another tag, not timed).
      if (options.warmupSeconds) {
        await sendOrders(options.tag + 0x8000, Math.round(options.ratePerSec * options.warmupSeconds), () => {});
        pool.measure();
      }
      const cpu = new CellCpu([child.pid]);
      const startedAt = performance.now();
      await sendOrders(options.tag, total, (i) => pool.markSent(i));
      await pool.drain(total * options.subscribers, performance.now() + options.drainMs);
      const cellCpu = cpu.finish(total);
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const result = await pool.finish();
      return {
        ...deliveryFigures({ subscribers: options.subscribers, ordersSent: total, expected: total * options.subscribers, wallSeconds }, result, cellCpu),
        flushMs: options.flushMs,
        changeBytes: options.changeBytes,
      };
    } finally {
      await pool.terminate();
    }
  } finally {
    await child.kill();
  }
};

/** Postgres NOTIFY → LISTEN on the same database: one sender, one listener, one at a time. */
const notifyFloor = async (url: string, samples: number): Promise<LatencySummary> => {
  const listener = singleConnection(url);
  const sender = singleConnection(url);
  try {
    let arrived: (() => void) | undefined;
    await listener.listen('orderflow_bench_floor', () => arrived?.());
    const latencies: number[] = [];
    await sender`SELECT 1`;
    for (let i = 0; i < samples + 20; i++) {
      const got = new Promise<void>((resolve) => (arrived = resolve));
      const t0 = performance.now();
      // postgres.js queries are lazy: execute() sends it now, before we wait for the notification.
      const query = sender`SELECT pg_notify('orderflow_bench_floor', ${String(i)})`.execute();
      await got;
      if (i >= 20) latencies.push(performance.now() - t0);
      await query;
    }
    return summarize(latencies);
  } finally {
    await listener.end({ timeout: 5 });
    await sender.end({ timeout: 5 });
  }
};

/** The median and the worst of a cell's per-second p99s, and the second the worst was in. */
const bySecond = (c: DeliveryFigures): string => {
  const seconds = c.p99BySecond.map((p99, second) => ({ p99, second })).filter((s) => Number.isFinite(s.p99));
  if (seconds.length === 0) return 'n/a';
  const worst = seconds.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  return `${formatMs(median(seconds.map((s) => s.p99)))} / ${formatMs(worst.p99)} (s ${worst.second})`;
};

const triple = (s: LatencySummary) => `${formatMs(s.p50Ms)} / ${formatMs(s.p95Ms)} / ${formatMs(s.p99Ms)}`;
const mib = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(0));

export const liveLatencyScenario: Scenario = {
  name: 'live-latency',
  description: 'orders.place at 200/s open loop to a child server, latency to every one of 1,000 live.changes subscribers vs 1 subscriber and a raw NOTIFY',
  async run(ctx) {
    const s = settings(ctx);
    // The demo catalog, seeded from this process; the child starts with --no-seed.
    const seeder = await startApp(ctx.url, { poolSize: 2, workers: false });
    await seeder.close();

    const floor = await notifyFloor(ctx.url, s.floorSamples);
    ctx.log(`NOTIFY→LISTEN floor p50/p95/p99 ${triple(floor)} ms`);

    const server = await startServer(ctx.url);
    const cells: Cell[] = [];
    try {
      // Warm-up at the same rate with nobody listening: JIT, connections, prepared statements.
      const warm = await runCell(server, { subscribers: 0, ratePerSec: s.ratePerSec, seconds: s.warmupSeconds, drainMs: 0, tag: 0xffff }, () => {});
      ctx.log(`warm-up: ${warm.ordersAccepted} orders in ${s.warmupSeconds} s, command p50 ${formatMs(warm.command.p50Ms)} ms p99 ${formatMs(warm.command.p99Ms)} ms`);
      let tag = 1;
      for (const [subscribers, seconds] of [
        [1, s.baselineSeconds],
        [s.subscribers, s.seconds],
      ] as const) {
        const cell = await quietest(
          () => runCell(server, { subscribers, ratePerSec: s.ratePerSec, seconds, drainMs: s.drainMs, tag: tag++, warmupSeconds: s.cellWarmupSeconds }, ctx.log),
          { maxAttempts: 1, log: ctx.log, label: `subscribers=${subscribers}` },
        );
        cells.push(cell);
        ctx.log(
          `subscribers=${subscribers}: ${cell.delivered}/${cell.expected} deliveries in ${cell.frames} messages (missing ${cell.missing}, duplicates ${cell.duplicates}; ${cell.warmupDeliveries} of the warm-up's after it), latency p50/p95/p99 ${triple(cell.latency)} ms, ` +
            `max ${formatMs(cell.latency.maxMs)} ms, p99 of each second median / worst ${bySecond(cell)} ms; server RSS peak ${mib(cell.rssPeakMiB)} MiB, server CPU ${pct(cell.serverCpuPct)} of a core, ${cell.gc.markCompacts} mark-compacts; closes ${JSON.stringify(cell.closes)}`,
        );
      }
    } finally {
      await server.kill();
    }

    const [one, many] = cells as [Cell, Cell];
    // The same messages from a bare socket server: as many per subscriber (the real cell's spacing) and as large.
    const fanOutFloor = await runFloorCell(
      {
        subscribers: many.subscribers,
        ratePerSec: s.ratePerSec,
        seconds: s.baselineSeconds,
        drainMs: s.drainMs,
        tag: 0xf100,
        flushMs: (many.seconds * 1000) / Math.max(1, many.frames / many.subscribers),
        changeBytes: many.bytes / Math.max(1, many.delivered),
        warmupSeconds: s.cellWarmupSeconds,
      },
      ctx.log,
    );
    ctx.log(`fan-out floor: ${fanOutFloor.delivered}/${fanOutFloor.expected} deliveries in ${fanOutFloor.frames} messages (${fanOutFloor.warmupDeliveries} of the warm-up's after it), latency p50/p95/p99 ${triple(fanOutFloor.latency)} ms, p99 of each second median / worst ${bySecond(fanOutFloor)} ms, CPU server ${pct(fanOutFloor.serverCpuPct)} bench ${pct(fanOutFloor.benchCpuPct)}`);
    const ratio = (a: number, b: number) => formatRatio(a / b);
    const tables: ResultTable[] = [
      {
        title: `live-latency: orders.place at ${s.ratePerSec}/s (open loop) → each live.changes subscriber has the change; latency ms`,
        columns: ['subscribers', 'orders', 'sent/s', 'deliveries', 'messages', 'missing', 'p50 / p95 / p99', 'max', 'p99 by second med / worst', 'after placedAt p50/p99', 'cmd p50/p99', 'RSS idle/conn/peak MiB', 'CPU server/bench/pg', 'µs/msg server/bench', 'server GC', 'bg'],
        rows: cells.map((c) => [
          String(c.subscribers),
          `${c.ordersAccepted}/${c.ordersSent}${c.unanswered ? ` (${c.unanswered} unanswered)` : ''}`,
          formatRate(c.achievedRate),
          formatRate(c.delivered),
          `${formatRate(c.frames)} (${(c.delivered / Math.max(1, c.frames)).toFixed(1)}/msg)`,
          String(c.missing),
          triple(c.latency),
          formatMs(c.latency.maxMs),
          bySecond(c),
          `${formatMs(c.afterPlacedAt.p50Ms)} / ${formatMs(c.afterPlacedAt.p99Ms)}`,
          `${formatMs(c.command.p50Ms)} / ${formatMs(c.command.p99Ms)}`,
          `${mib(c.rssIdleMiB)} / ${mib(c.rssConnectedMiB)} / ${mib(c.rssPeakMiB)}`,
          `${pct(c.serverCpuPct)} / ${pct(c.benchCpuPct)} / ${pct(c.postgresCpuPct)}`,
          `${c.serverUsPerMessage.toFixed(1)} / ${c.benchUsPerMessage.toFixed(1)}`,
          `${c.gc.markCompacts} mc (${c.gc.markCompactPauseMs.toFixed(0)} ms), ${c.gc.scavenges} sc (${c.gc.scavengePauseMs.toFixed(0)} ms)`,
          pct(c.cpu?.backgroundPct),
        ]),
        notes: [
          `Latency: from just before the command is sent (client clock) to the subscriber's socket handing over the message, matched by orderId; every delivery counts.`,
          'p99 by second: the p99 of the deliveries received in each second of the cell, their median and the worst (and which second): a p99 set by a few stalled seconds shows as a worst far above the median.',
          'messages: WebSocket messages with changes received over all subscribers, and orders per message (a message carries every change of a short stretch of the log).',
          'after placedAt: from the server taking the command (OrderPlaced.placedAt, its wall clock, ms) to delivery: the append, the log follower and the fan-out, without the HTTP queue in front.',
          'cmd: the orders.place round trip as the sender saw it (queueing in the server included).',
          'server GC: the server\'s mark-compacts and scavenges over the cell and their main-thread pauses (--trace-gc). A mark-compact also marks on background threads for 100-300 ms of CPU, which two busy cores feel: each one shows as a burst of late deliveries (docs/benchmarks.md).',
          `${s.subscribers} subscribers for ${s.seconds} s; the 1-subscriber baseline for ${s.baselineSeconds} s at the same rate; each cell (and the fan-out floor) after ${s.cellWarmupSeconds} s of warm-up at that rate with its subscribers connected, not timed. Drain: up to ${s.drainMs / 1000} s after the last command was sent, for answers and deliveries; missing = (orders sent − commands refused) × subscribers − deliveries by then.`,
          `Server: a child process (node --import tsx scripts/start.ts --no-ui --no-seed, ORDERFLOW_WORKERS=0: sagas off, so one change per order); subscribers: ${subscriberClient() === 'ws' ? 'ws clients' : 'lean WebSocket clients (LeanSocket; LIVE_BENCH_CLIENT=ws for ws)'} in one worker thread of the bench process.`,
          'CPU: % of one core over the cell (server = the child, bench = this process incl. subscribers and sender, pg = the Postgres server); bg = other processes, % of the machine.',
          'µs/msg: the server\'s and the bench\'s CPU over the cell per message received by a subscriber (commands included: compare with the 1-subscriber cell); steadier than latency on a shared machine.',
          ...cells.filter((c) => Object.keys(c.closes).length > 0).map((c) => `subscribers=${c.subscribers}: sockets closed by the server: ${JSON.stringify(c.closes)} (4008 = too slow)`),
          ...cells.filter((c) => c.errors.length > 0).map((c) => `subscribers=${c.subscribers}: ${c.errors.join(' | ')}`),
        ],
      },
      {
        title: 'live-latency: ratios — 1,000 subscribers vs 1, and vs the raw Postgres NOTIFY → LISTEN round trip (the floor)',
        columns: ['', 'p50', 'p95', 'p99'],
        rows: [
          ['NOTIFY→LISTEN floor, ms', formatMs(floor.p50Ms), formatMs(floor.p95Ms), formatMs(floor.p99Ms)],
          [`1 subscriber, ms`, formatMs(one.latency.p50Ms), formatMs(one.latency.p95Ms), formatMs(one.latency.p99Ms)],
          [`${many.subscribers} subscribers, ms`, formatMs(many.latency.p50Ms), formatMs(many.latency.p95Ms), formatMs(many.latency.p99Ms)],
          [`${many.subscribers} vs 1`, ratio(many.latency.p50Ms, one.latency.p50Ms), ratio(many.latency.p95Ms, one.latency.p95Ms), ratio(many.latency.p99Ms, one.latency.p99Ms)],
          ['1 vs floor', ratio(one.latency.p50Ms, floor.p50Ms), ratio(one.latency.p95Ms, floor.p95Ms), ratio(one.latency.p99Ms, floor.p99Ms)],
          [`fan-out floor, ${fanOutFloor.subscribers} subscribers, ms`, formatMs(fanOutFloor.latency.p50Ms), formatMs(fanOutFloor.latency.p95Ms), formatMs(fanOutFloor.latency.p99Ms)],
          [`${many.subscribers} vs fan-out floor`, ratio(many.latency.p50Ms, fanOutFloor.latency.p50Ms), ratio(many.latency.p95Ms, fanOutFloor.latency.p95Ms), ratio(many.latency.p99Ms, fanOutFloor.latency.p99Ms)],
        ],
        notes: [
          `Floor: ${s.floorSamples} NOTIFYs one after the other from one connection to a LISTEN on another, same database.`,
          'Fan-out floor: the table below; the same messages without Orderflow or Postgres.',
          `Fan-out CPU per message (the ${many.subscribers}-subscriber cell's CPU less ${many.ordersSent} orders at the 1-subscriber cell's CPU per order, over its messages): ` +
            `server ${(((many.serverUsPerOrder - one.serverUsPerOrder) * many.ordersSent) / Math.max(1, many.frames)).toFixed(1)} µs, ` +
            `bench ${(((many.benchUsPerOrder - one.benchUsPerOrder) * many.ordersSent) / Math.max(1, many.frames)).toFixed(1)} µs; per order: server ${us(one.serverUsPerOrder)} µs at 1 subscriber, ${us(many.serverUsPerOrder)} µs at ${many.subscribers}.`,
        ],
      },
    ];
    tables.push({
      title: `live-latency: the fan-out floor — a bare WebSocket server sends the ${many.subscribers}-subscriber cell's messages (as many, as large) with no app and no database`,
      columns: ['subscribers', 'orders', 'message every', 'bytes/change', 'deliveries', 'messages', 'missing', 'p50 / p95 / p99', 'max', 'p99 by second med / worst', 'CPU server/bench', 'µs/msg server/bench', 'bg'],
      rows: [
        [
          String(fanOutFloor.subscribers),
          String(fanOutFloor.ordersSent),
          `${fanOutFloor.flushMs.toFixed(1)} ms`,
          String(Math.round(fanOutFloor.delivered > 0 ? fanOutFloor.bytes / fanOutFloor.delivered : 0)),
          formatRate(fanOutFloor.delivered),
          `${formatRate(fanOutFloor.frames)} (${(fanOutFloor.delivered / Math.max(1, fanOutFloor.frames)).toFixed(1)}/msg)`,
          String(fanOutFloor.missing),
          triple(fanOutFloor.latency),
          formatMs(fanOutFloor.latency.maxMs),
          bySecond(fanOutFloor),
          `${pct(fanOutFloor.serverCpuPct)} / ${pct(fanOutFloor.benchCpuPct)}`,
          `${fanOutFloor.serverUsPerMessage.toFixed(1)} / ${fanOutFloor.benchUsPerMessage.toFixed(1)}`,
          pct(fanOutFloor.cpu?.backgroundPct),
        ],
      ],
      notes: [
        `A child process (bench/lib/fan-out-floor-server.ts: TCP, the HTTP upgrade, unmasked text frames; no tRPC, no Postgres) gets each order over IPC when it is "sent" (${s.ratePerSec}/s, open loop, ${s.baselineSeconds} s) and every ${fanOutFloor.flushMs.toFixed(1)} ms (the ${many.subscribers}-subscriber cell's time between two messages to a subscriber) writes one frame with every order since to each socket, one write each.`,
        `Changes are padded to that cell's bytes per delivered change; the subscribers, their client and the latency clock are the same. What is left of the real cell's latency and CPU above this is Orderflow's: commands, Postgres, the follower, the lookup and tRPC's framing.`,
      ],
    });
    const data = {
      settings: s,
      floor,
      fanOutFloor,
      cells: cells.map(({ errors, ...c }) => ({ ...c, errors })),
    };
    if (many.missing !== 0) ctx.log(`WARNING: ${many.missing} deliveries missing with ${many.subscribers} subscribers`);
    // An order delivered twice to one subscriber, or one missed in a smoke run (far from any limit),
    // is a fault of the server or of the subscribers' client, not a figure: the scenario fails.
    const faulty = [...cells, fanOutFloor].filter((c) => c.duplicates > 0 || (ctx.smoke && c.missing > 0));
    if (faulty.length > 0) {
      throw new Error(`deliveries wrong: ${faulty.map((c) => `${c.subscribers} subscribers: ${c.missing} missing, ${c.duplicates} duplicated`).join('; ')}`);
    }
    // So is an order refused in a smoke run, timed or not.
    const refusing = cells.filter((c) => ctx.smoke && c.commandErrors + c.warmupErrors > 0);
    if (refusing.length > 0) {
      throw new Error(`orders.place refused: ${refusing.map((c) => `${c.subscribers} subscribers: ${c.commandErrors} in the cell, ${c.warmupErrors} in its warm-up`).join('; ')}`);
    }
    return { tables, data };
  },
};
