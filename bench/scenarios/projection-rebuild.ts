import { performance } from 'node:perf_hooks';
import type { Sql } from '../../db/client';
import { createEventRegistry } from '../../server/event-definitions';
import { EVENT_COLUMNS } from '../../server/event-store/stored-event-row';
import { startWorkers } from '../../server/orderflow';
import { placeOrder } from '../../server/handlers/place-order';
import { allProjections } from '../../server/projections/all-projections';
import { DEFAULT_PROJECTION_BATCH_SIZE, ProjectionDaemon } from '../../server/projections/projection-daemon';
import type { Projection } from '../../server/projections/projection';
import { createSql } from '../../db/client';
import { formatRate, formatRatio } from '../lib/format';
import { quietest } from '../lib/load';
import type { ResultTable, Scenario, ScenarioContext } from '../lib/types';
import { addStock, benchOrder, CellCpu, pct, sleep, startApp, withIndexesRebuilt, zeroFaults } from './orderflow-support';

// Rebuilds every projection from a log of 1,000,000 events that real sagas would have written,
// against reading the same log with a plain SELECT (the ceiling of any rebuild).

/** The daemon's own batch size: what `projections.rebuild` uses in the app. */
const BATCH = DEFAULT_PROJECTION_BATCH_SIZE;
/** Template orders run through the real app; the log is made of copies of their events. */
const TEMPLATE_ORDERS = 6;
/** Events of one generated order are spread over about this many orders' worth of the log. */
const SPREAD = 40;

const settings = (ctx: ScenarioContext) => ({ events: ctx.events ?? (ctx.smoke ? 5000 : 1_000_000), batchSize: BATCH });

/**
 * Real events for a few orders: placed and fulfilled by the app (faults 0), so every payload and
 * every stream (order, saga, inventory, payment, shipment) is exactly what production writes.
 */
const templateOrders = async (url: string): Promise<string[]> => {
  const app = await startApp(url, { poolSize: 10 });
  try {
    await zeroFaults(app);
    await addStock(app, 1_000_000);
    startWorkers(app);
    const ids: string[] = [];
    for (let i = 0; i < TEMPLATE_ORDERS; i++) ids.push((await placeOrder(app, benchOrder(i))).orderId);
    const deadline = performance.now() + 60_000;
    for (;;) {
      const [row] = await app.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM saga_progress WHERE order_id = ANY(${ids}::text[]) AND status = 'completed'`;
      if (row!.n === ids.length) break;
      if (performance.now() > deadline) throw new Error('the template sagas did not complete');
      await sleep(50);
    }
    return ids;
  } finally {
    await app.close();
  }
};

/**
 * Copies of the template orders' events up to `target` events in the log, set-based: a new order
 * id (replaced in stream ids, payloads and metadata), a new event id, positions interleaving
 * orders as concurrent sagas do, and the shared inventory streams' versions continued.
 */
const generate = async (
  sql: Sql,
  templates: readonly string[],
  target: number,
  log: (line: string) => void,
): Promise<{ head: number; orders: number; seconds: number }> => {
  const started = performance.now();
  const phase = (name: string) => log(`  ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  let orders = 0;
  await sql.begin(async (tx) => {
    await tx`SET LOCAL synchronous_commit = off`;
    await tx`
      CREATE TEMP TABLE tpl ON COMMIT DROP AS
      SELECT t.k::int AS template, row_number() OVER (PARTITION BY e.correlation_id ORDER BY e.position)::int AS seq,
             count(*) OVER (PARTITION BY e.correlation_id)::int AS len,
             e.correlation_id AS order_id, e.stream_id, e.version, e.type, e.schema_version, e.data::text AS data,
             e.metadata::text AS metadata, e.occurred_at
      FROM unnest(${[...templates]}::text[]) WITH ORDINALITY AS t(id, k) JOIN events e ON e.correlation_id = t.id`;
    const [head] = await tx<{ head: number; per_order: number }[]>`
      SELECT (SELECT coalesce(max(position), 0) FROM events) AS head, (SELECT avg(len)::float8 FROM (SELECT DISTINCT template, len FROM tpl) x) AS per_order`;
    orders = Math.max(1, Math.round((target - head!.head) / head!.per_order));
    await tx`
      CREATE TEMP TABLE gen_orders ON COMMIT DROP AS
      SELECT g, ((g - 1) % ${templates.length}) + 1 AS template, gen_random_uuid()::text AS order_id
      FROM generate_series(1, ${orders}::int) AS g`;
    await tx`
      CREATE TEMP TABLE gen ON COMMIT DROP AS
      SELECT ${head!.head}::bigint + row_number() OVER (ORDER BY o.g + (t.seq - 1)::float8 * ${SPREAD} / t.len, o.g, t.seq) AS position,
             o.g, t.seq, o.order_id, t.order_id AS template_id, t.stream_id AS template_stream,
             replace(t.stream_id, t.order_id, o.order_id) AS stream_id, t.version, t.type, t.schema_version,
             replace(t.data, t.order_id, o.order_id) AS data, replace(t.metadata, t.order_id, o.order_id) AS metadata,
             gen_random_uuid() AS event_id, t.occurred_at
      FROM gen_orders o JOIN tpl t ON t.template = o.template`;
    phase('events planned');
    // A bulk load: secondary indexes are built after the rows (see withIndexesRebuilt).
    await withIndexesRebuilt(tx, 'events', async () => {
      // Streams shared by orders (a sku's inventory) go on from their version; the others keep the template's.
      await tx`
        INSERT INTO events (position, event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
        SELECT g.position, g.event_id, g.stream_id,
               CASE WHEN g.stream_id = g.template_stream
                    THEN coalesce(s.version, 0) + row_number() OVER (PARTITION BY g.stream_id ORDER BY g.position)
                    ELSE g.version END,
               g.type, g.schema_version, g.data::jsonb,
               jsonb_set(g.metadata::jsonb, '{eventId}', to_jsonb(g.event_id::text)), g.order_id, g.occurred_at
        FROM gen g LEFT JOIN streams s ON s.stream_id = g.stream_id AND g.stream_id = g.template_stream
        ORDER BY g.position`;
      phase('events inserted');
    });
    phase('indexes rebuilt');
    await tx`
      INSERT INTO streams (stream_id, stream_type, version)
      SELECT stream_id, split_part(stream_id, '-', 1), max(version) FROM events WHERE position > ${head!.head} GROUP BY stream_id
      ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`;
    await tx`SELECT setval(pg_get_serial_sequence('events', 'position'), (SELECT max(position) FROM events))`;
  });
  phase('committed');
  await sql`ANALYZE events`;
  const [row] = await sql<{ head: number }[]>`SELECT max(position) AS head FROM events`;
  return { head: row!.head, orders, seconds: (performance.now() - started) / 1000 };
};

type Pass = { name: string; events: number; seconds: number; eventsPerSec: number; batches: number; cpu?: ReturnType<CellCpu['finish']> };

const timed = async (name: string, events: number, run: () => Promise<number>): Promise<Pass> => {
  const cpu = new CellCpu();
  const start = performance.now();
  const batches = await run();
  const seconds = (performance.now() - start) / 1000;
  const cellCpu = cpu.finish(events);
  return { name, events, seconds, eventsPerSec: events / seconds, batches, ...(cellCpu ? { cpu: cellCpu } : {}) };
};

/** What a rebuild reads of each event (ProjectionLogReader): its place, type, payload and occurredAt. */
const PROJECTED_COLUMNS = `position, stream_id, version, type, schema_version, data, metadata->>'occurredAt' AS occurred_at`;

/** SELECT <columns> … WHERE position > $1 ORDER BY position LIMIT <BATCH> until the end; rows only. */
const rawRead = async (sql: Sql, columns: string): Promise<number> => {
  let after = 0;
  let batches = 0;
  for (;;) {
    const rows = await sql<{ position: number }[]>`
      SELECT ${sql.unsafe(columns)} FROM events WHERE position > ${after} ORDER BY position LIMIT ${BATCH}`;
    if (rows.length === 0) return batches;
    after = rows[rows.length - 1]!.position;
    batches++;
  }
};

/** requestRebuild, then drive daemon.step until the projection hands back (status no longer rebuilding). */
const rebuild = async (sql: Sql, daemon: ProjectionDaemon, projection: Projection): Promise<number> => {
  await daemon.requestRebuild(projection.name);
  let batches = 0;
  for (;;) {
    const outcome = await daemon.step(projection);
    if (outcome === 'progressed') batches++;
    else if (outcome === 'idle') {
      const [row] = await sql<{ status: string }[]>`SELECT status FROM projection_checkpoints WHERE name = ${projection.name}`;
      if (row?.status !== 'rebuilding') return batches;
    } else if (outcome === 'busy') await sleep(5);
  }
};

/**
 * What the daemon's loop does in production: requestRebuild for each, then rounds of
 * daemon.stepAll (projections at similar positions share one read and decode of each batch, each
 * applies in its own transaction) until every one has handed back.
 */
const rebuildTogether = async (sql: Sql, daemon: ProjectionDaemon, projections: readonly Projection[]): Promise<number> => {
  for (const projection of projections) await daemon.requestRebuild(projection.name);
  const names = projections.map((p) => p.name);
  let batches = 0;
  for (;;) {
    let active = false;
    for (const result of (await daemon.stepAll(projections)).values()) {
      if ('error' in result) throw result.error;
      if (result.outcome === 'progressed') batches++;
      if (result.outcome === 'progressed' || result.outcome === 'gap') active = true;
      else if (result.outcome === 'busy') await sleep(5);
    }
    if (active) continue;
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM projection_checkpoints WHERE name = ANY(${names}::text[]) AND status = 'rebuilding'`;
    if (row!.n === 0) return batches;
  }
};

export const projectionRebuildScenario: Scenario = {
  name: 'projection-rebuild',
  description: 'rebuild every projection from 1,000,000 events (copies of real sagas) with batches of 5,000, vs reading the log with a plain SELECT',
  async run(ctx) {
    const s = settings(ctx);
    const templates = await templateOrders(ctx.url);
    const sql = createSql(ctx.url, { max: 8 });
    const registry = createEventRegistry();
    const passes: Pass[] = [];
    const counts: Record<string, number> = {};
    try {
      const generated = await generate(sql, templates, s.events, ctx.log);
      const head = generated.head;
      ctx.log(`generated ${generated.orders.toLocaleString('en-US')} orders, ${head.toLocaleString('en-US')} events in ${generated.seconds.toFixed(1)} s`);
      const [gaps] = await sql<{ n: number }[]>`SELECT (max(position) - count(*))::int AS n FROM events`;
      const types = await sql<{ type: string; n: number }[]>`SELECT type, count(*)::int AS n FROM events GROUP BY type ORDER BY n DESC`;
      for (const t of types) counts[t.type] = t.n;

      const run = async (name: string, body: () => Promise<number>) => {
        const pass = await quietest(() => timed(name, head, body), { maxAttempts: 1, log: ctx.log, label: name });
        passes.push(pass);
        ctx.log(`${name.padEnd(28)} ${formatRate(pass.eventsPerSec).padStart(9)} events/s  ${pass.seconds.toFixed(1)} s  bg ${pct(pass.cpu?.backgroundPct)}`);
        return pass;
      };
      await run('raw SELECT (ceiling)', () => rawRead(sql, PROJECTED_COLUMNS));
      await run('raw SELECT, whole events', () => rawRead(sql, EVENT_COLUMNS));

      const daemon = new ProjectionDaemon(sql, registry, allProjections, { onError: (e) => ctx.log(`daemon: ${String(e)}`) });
      await daemon.ensureCheckpoints();
      for (const projection of allProjections) await run(`rebuild ${projection.name}`, () => rebuild(sql, daemon, projection));
      // Before the shared reads: the five driven by a step loop each, every one reading the log itself.
      await run('all 5, a step loop each', async () => {
        const batches = await Promise.all(allProjections.map((p) => rebuild(sql, daemon, p)));
        return batches.reduce((a, b) => a + b, 0);
      });
      const reads = { ...daemon.reads };
      await run('rebuild all 5 together', () => rebuildTogether(sql, daemon, allProjections));
      ctx.log(`all 5 together: ${daemon.reads.shared - reads.shared} shared reads, ${daemon.reads.own - reads.own} reads by one projection`);

      // The rebuilt read models must hold what the sagas wrote: every order confirmed, every saga completed.
      const [check] = await sql<{ summaries: number; confirmed: number; sagas: number; completed: number; stats: number }[]>`
        SELECT (SELECT count(*) FROM order_summaries)::int AS summaries,
               (SELECT count(*) FROM order_summaries WHERE status = 'confirmed')::int AS confirmed,
               (SELECT count(*) FROM saga_progress)::int AS sagas,
               (SELECT count(*) FROM saga_progress WHERE status = 'completed')::int AS completed,
               (SELECT coalesce(sum(count), 0) FROM stats_status_counts)::int AS stats`;
      const orders = generated.orders + templates.length;
      if (check!.summaries !== orders || check!.confirmed !== orders || check!.completed !== orders || check!.stats !== orders) {
        throw new Error(`rebuilt read models do not match the log (${orders} orders): ${JSON.stringify(check)}`);
      }
      ctx.log(`read models after the rebuilds: ${JSON.stringify(check)}; holes in positions: ${gaps!.n}`);
    } finally {
      await sql.end({ timeout: 5 });
    }

    const ceiling = passes[0]!;
    const head = ceiling.events;
    const eventTypesOf = (p: Pass) => allProjections.find((x) => p.name === `rebuild ${x.name}`)?.eventTypes;
    const tables: ResultTable[] = [
      {
        title: `projection-rebuild: ${head.toLocaleString('en-US')} events replayed, batch ${BATCH} — log events/s and ratio to the raw SELECT`,
        columns: ['pass', 'events/s', 'seconds', 'vs raw SELECT', 'events applied', 'CPU µs/event node + pg', 'busy', 'bg'],
        rows: passes.map((p) => {
          const types = eventTypesOf(p);
          const applied = types ? types.reduce((n, t) => n + (counts[t] ?? 0), 0) : p.name.includes('all 5') ? Number.NaN : 0;
          return [
            p.name,
            formatRate(p.eventsPerSec),
            p.seconds.toFixed(1),
            formatRatio(p.eventsPerSec / ceiling.eventsPerSec),
            p.name.includes('all 5') ? 'all' : types ? applied.toLocaleString('en-US') : '-',
            `${p.cpu ? p.cpu.nodeUsPerOp.toFixed(1) : 'n/a'} + ${p.cpu?.postgresUsPerOp !== undefined ? p.cpu.postgresUsPerOp.toFixed(1) : 'n/a'}`,
            pct(p.cpu?.machineBusyPct),
            pct(p.cpu?.backgroundPct),
          ];
        }),
        notes: [
          'events/s = every event of the log (a rebuild reads every position, payloads only of its types) / wall time from requestRebuild until the projection is handed back.',
          `raw SELECT (the ceiling): SELECT ${PROJECTED_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT ${BATCH}, keyset, rows parsed by postgres.js (JSON included) and nothing else: what a rebuild reads of each event (ProjectionLogReader), with none of its work. "whole events": the same with every column (${EVENT_COLUMNS}), as runs before 2026-12-06 measured the ceiling.`,
          `rebuild: ProjectionDaemon with the app's options (batch ${BATCH}, its default).requestRebuild(name), then step(projection) until it hands back. "all 5, a step loop each": the five rebuilt at once, each by its own step loop (each reads the log itself). "all 5 together": the five rebuilt at once as the daemon's loop does it, rounds of stepAll (one read and decode per batch for all five, each applies in its own transaction). events/s = log events / wall time (${allProjections.length}x that many projection-events).`,
          `Log: copies of ${TEMPLATE_ORDERS} orders fulfilled by the real app (faults 0), ${Object.entries(counts).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')}.`,
          'CPU µs per log event over each pass: Node (this process: driver, JSON, zod, projection code) + Postgres.',
        ],
      },
    ];
    return { tables, data: { settings: s, counts, passes, templateOrders: TEMPLATE_ORDERS, spread: SPREAD } };
  },
};
