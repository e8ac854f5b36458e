/**
 * Shared by the application-level scenarios (api-commands, live-latency, saga-throughput,
 * projection-rebuild, dashboard-queries): the app in this process, a real HTTP server on a random
 * port, a lean keep-alive HTTP client, the order a benchmark places, and /proc readings of a child.
 * Not a scenario itself (index.ts registers scenarios by name).
 */
import { readFileSync } from 'node:fs';
import type { TransactionSql } from '../../db/client';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { handleCommand } from '../../server/command-handler';
import { demoCustomers, demoProducts } from '../../server/catalog/demo-data';
import { seedDemoData } from '../../server/catalog/seed';
import type { PlaceOrderInput } from '../../server/handlers/order-inputs';
import { createServer } from '../../server/http/create-server';
import { inventoryDecider } from '../../server/inventory/decider';
import { inventorySnapshotPolicy } from '../../server/inventory/snapshot-policy';
import { inventoryStreamId } from '../../server/inventory/stream';
import { createOrderflow, startWorkers, type Orderflow } from '../../server/orderflow';
import type { FulfilmentOptions } from '../../server/fulfilment/processor';
import { participantNames, setFaults } from '../../server/participants/faults';
import { cpuBetween, cpuSnapshot, type CpuSnapshot, type CpuSummary } from '../lib/cpu';
import { summarize, type LatencySummary } from '../lib/stats';
import { formatMs } from '../lib/format';

/** A benchmark order: customers and products of the demo catalog in turn, one to three lines. */
export const benchOrder = (i: number, orderId?: string): PlaceOrderInput => {
  const customer = demoCustomers[i % demoCustomers.length]!;
  // SKU-LT-20 has 3 units of stock: leave it out so no saga is rejected for stock by design.
  const products = demoProducts.filter((p) => p.sku !== 'SKU-LT-20');
  const lines = Array.from({ length: 1 + (i % 3) }, (_, k) => ({ sku: products[(i * 7 + k * 5) % products.length]!.sku, quantity: 1 + ((i + k) % 2) }));
  return {
    customerId: customer.customerId,
    lines,
    shippingAddress: { name: customer.name, line1: '1 Bench Street', city: 'Benchton', postalCode: 'B3 NCH', country: customer.country },
    paymentToken: 'tok_visa',
    ...(orderId ? { orderId } : {}),
  };
};

/** A UUID (version 4 layout, so z.uuid() takes it) that carries a cell tag and an index. */
export const taggedOrderId = (tag: number, index: number): string =>
  `${tag.toString(16).padStart(8, '0')}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;

export type AppOptions = {
  readonly poolSize?: number;
  readonly workers?: boolean;
  readonly fulfilment?: FulfilmentOptions;
  readonly seed?: boolean;
  readonly onError?: (error: unknown) => void;
};

/** The composition root of the app, as scripts/start.ts builds it, seeded with the demo catalog. */
export const startApp = async (url: string, options: AppOptions = {}): Promise<Orderflow> => {
  const app = await createOrderflow({
    databaseUrl: url,
    poolSize: options.poolSize ?? 20,
    ...(options.fulfilment ? { fulfilment: options.fulfilment } : {}),
    onError: options.onError ?? ((error) => console.error('[bench app]', error)),
  });
  if (options.seed !== false) await seedDemoData(app);
  if (options.workers) startWorkers(app);
  return app;
};

export type RunningServer = { readonly port: number; readonly baseUrl: string; close: () => Promise<void> };

/** createServer on 127.0.0.1 and a random port, in this process. */
export const listen = async (app: Orderflow): Promise<RunningServer> => {
  const server = createServer(app, { health: app.healthContributors });
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, baseUrl: `http://127.0.0.1:${port}`, close: () => server.close() };
};

/** Participants answer at once and never fail: the saga's own cost, not the simulated services'. */
export const zeroFaults = async (app: Orderflow): Promise<void> => {
  for (const participant of participantNames) await setFaults(app.sql, participant, { latencyMs: 0, transientErrorRate: 0 });
};

/** Enough stock of every demo product that no benchmark order is rejected for stock. */
export const addStock = async (app: Orderflow, quantity: number): Promise<void> => {
  for (const product of demoProducts) {
    const now = app.clock.now();
    await handleCommand(app.store, {
      streamId: inventoryStreamId(product.sku),
      decider: inventoryDecider,
      command: { type: 'ReceiveStock', data: { sku: product.sku, quantity, now } },
      correlationId: `bench:${product.sku}`,
      actor: { kind: 'system', id: 'bench' },
      now,
      snapshot: inventorySnapshotPolicy,
    });
  }
};

/**
 * A keep-alive HTTP/1.1 client with little overhead of its own (node:http, not fetch), so the
 * figures are the server's: the client runs in the same process when the server does.
 */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly port: number,
    maxSockets: number,
  ) {
    // A socket idle for 4 s is closed here, before the server's keep-alive timeout (Node's 5 s)
    // closes it from its side: reusing one the server is closing fails as 'socket hang up' (seen
    // once, in a cell whose commands had piled up and opened more sockets than the rate needed).
    this.agent = new http.Agent({ keepAlive: true, maxSockets, timeout: 4000 });
  }

  request(method: 'GET' | 'POST', path: string, body?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method,
          agent: this.agent,
          headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === 200) resolve(text);
            else reject(new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** tRPC mutation over HTTP: POST /api/trpc/<path> with the input as the JSON body (no transformer). */
  async mutation<T>(path: string, input: unknown): Promise<T> {
    const text = await this.request('POST', `/api/trpc/${path}`, JSON.stringify(input));
    return (JSON.parse(text) as { result: { data: T } }).result.data;
  }

  /** tRPC query over HTTP: GET /api/trpc/<path>?input=<json>. */
  async query<T>(path: string, input?: unknown): Promise<T> {
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const text = await this.request('GET', `/api/trpc/${path}${query}`);
    return (JSON.parse(text) as { result: { data: T } }).result.data;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** utime + stime of one process, in clock ticks (USER_HZ = 100); undefined when it is gone. */
export const processTicks = (pid: number): number | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(' ');
    // after comm: state(0) ppid(1) ... utime(11) stime(12)
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
};

/** Resident set size of a process in MiB, from /proc/<pid>/status VmRSS. */
export const rssMiB = (pid: number): number | undefined => {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
};

/**
 * CPU over a long, single-run cell (no retry: too long to run twice), with the share of the
 * machine other processes took. `extraPids` are processes of ours (a child server) whose CPU is
 * not background noise.
 */
export class CellCpu {
  private readonly start: CpuSnapshot;
  private readonly extraStart: number;
  private readonly startedAt = performance.now();

  constructor(private readonly extraPids: readonly number[] = []) {
    this.start = cpuSnapshot();
    this.extraStart = this.extraTicks();
  }

  private extraTicks(): number {
    return this.extraPids.reduce((sum, pid) => sum + (processTicks(pid) ?? 0), 0);
  }

  /** CPU per op (node = this process; child servers are added to node) and the background share. */
  finish(ops: number): (CpuSummary & { childUsPerOp: number; seconds: number }) | undefined {
    const end = cpuSnapshot();
    const summary = cpuBetween(this.start, end, ops);
    if (!summary) return undefined;
    const seconds = (performance.now() - this.startedAt) / 1000;
    const childUs = (this.extraTicks() - this.extraStart) * 10_000;
    const capacityUs = seconds * 1e6 * (end.machine ? coresOf() : 1);
    const otherUs = Math.max(0, summary.otherUsPerOp * ops - childUs);
    return {
      ...summary,
      otherUsPerOp: otherUs / Math.max(1, ops),
      backgroundPct: Number.isNaN(summary.backgroundPct) ? Number.NaN : (otherUs / capacityUs) * 100,
      childUsPerOp: childUs / Math.max(1, ops),
      seconds,
    };
  }
}

const coresOf = (): number => {
  try {
    const cpus = readFileSync('/proc/stat', 'utf8').split('\n').filter((line) => /^cpu\d+ /.test(line)).length;
    return Math.max(1, cpus);
  } catch {
    return 1;
  }
};

export const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${Math.round(v)}%`);
export const us = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : Math.round(v).toLocaleString('en-US'));
export const pair = (s: Pick<LatencySummary, 'p50Ms' | 'p99Ms'> | undefined): string => (s ? `${formatMs(s.p50Ms)} / ${formatMs(s.p99Ms)}` : 'n/a');
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One caller running `op` back to back: `warmupMs` unmeasured, then `durationMs` (at least
 * `minSamples` calls) measured. For per-query latency where p95 is wanted (runClosedLoop gives p90/p99).
 */
export const timedLoop = async (
  options: { warmupMs: number; durationMs: number; minSamples?: number },
  op: () => Promise<unknown>,
): Promise<LatencySummary & { opsPerSec: number; cpu?: CpuSummary }> => {
  const warmEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmEnd) await op();
  const samples: number[] = [];
  const cpuStart = cpuSnapshot();
  const start = performance.now();
  const stopAt = start + options.durationMs;
  while (performance.now() < stopAt || samples.length < (options.minSamples ?? 1)) {
    const t0 = performance.now();
    await op();
    samples.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuBetween(cpuStart, cpuSnapshot(), samples.length);
  return { ...summarize(samples), opsPerSec: samples.length / seconds, ...(cpu ? { cpu } : {}) };
};

/**
 * A set-based bulk load into `table` inside the caller's transaction: its secondary indexes and
 * unique constraints are dropped first and built again afterwards from their own definitions (a
 * sorted build beats a million inserts into each btree). The table ends exactly as the
 * migrations made it; that is checked. The primary key stays.
 */
export const withIndexesRebuilt = async <T>(tx: TransactionSql, table: string, load: () => Promise<T>): Promise<T> => {
  await tx`SET LOCAL maintenance_work_mem = '256MB'`;
  const list = () => tx<{ name: string; def: string; constraint_name: string | null; constraint_def: string | null }[]>`
    SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def, c.conname AS constraint_name, pg_get_constraintdef(c.oid) AS constraint_def
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = x.indrelid
    WHERE x.indrelid = ${table}::regclass AND NOT x.indisprimary`;
  const indexes = await list();
  for (const index of indexes) {
    if (index.constraint_name) await tx.unsafe(`ALTER TABLE "${table}" DROP CONSTRAINT "${index.constraint_name}"`);
    else await tx.unsafe(`DROP INDEX "${index.name}"`);
  }
  const result = await load();
  for (const index of indexes) {
    if (index.constraint_name) await tx.unsafe(`ALTER TABLE "${table}" ADD CONSTRAINT "${index.constraint_name}" ${index.constraint_def}`);
    else await tx.unsafe(index.def);
  }
  const defs = (rows: readonly { def: string }[]) => rows.map((r) => r.def).sort().join('\n');
  const rebuilt = await list();
  if (defs(rebuilt) !== defs(indexes)) throw new Error(`${table}: indexes differ after the bulk load:\n${defs(rebuilt)}\nvs\n${defs(indexes)}`);
  return result;
};
