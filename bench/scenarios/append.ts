import { createSql } from '../../db/client';
import {
  benchPayload,
  createRawEventsTable,
  emmettAppender,
  migrateEmmett,
  oursAppender,
  rawAppender,
  type AppenderFactory,
  type StatementProbe,
} from '../lib/appenders';
import { formatMs, formatRate, formatRatio } from '../lib/format';
import { quietest, runClosedLoop, type ClosedLoopResult } from '../lib/load';
import type { ResultTable, Scenario, ScenarioContext } from '../lib/types';

type Mode = 'new-stream' | 'expected-version';
const MODES: readonly Mode[] = ['new-stream', 'expected-version'];
const IMPLS: readonly { name: 'ours' | 'raw' | 'emmett'; factory: AppenderFactory; table: string }[] = [
  { name: 'raw', factory: rawAppender, table: 'raw_events' },
  { name: 'ours', factory: oursAppender, table: 'events' },
  { name: 'emmett', factory: emmettAppender, table: 'emt_messages' },
];
/** Each writer of the expected-version mode owns this many streams and cycles through them. */
const STREAMS_PER_WRITER = 4;

export type AppendCell = ClosedLoopResult & { impl: string; mode: Mode; attempts: number; noisy: boolean };

const settings = (ctx: ScenarioContext) => ({
  writers: ctx.writers ?? (ctx.smoke ? [1, 4] : [1, 4, 16, 64]),
  warmupMs: ctx.smoke ? 50 : 1000,
  durationMs: (ctx.cellSeconds ?? (ctx.smoke ? 0.1 : 4)) * 1000,
});

/**
 * One cell: `writers` concurrent writers on a pool of that size, each appending one event at a
 * time. new-stream: every append opens a stream (expected 'no_stream'). expected-version: each
 * writer owns a few streams, created before the clock starts, and appends with the exact version.
 */
const runCell = async (
  url: string,
  factory: AppenderFactory,
  mode: Mode,
  writers: number,
  cell: string,
  timing: { warmupMs: number; durationMs: number },
): Promise<ClosedLoopResult & { written: number }> => {
  const appender = factory(url, writers);
  try {
    let written = 0;
    const owned = Array.from({ length: writers }, (_, w) =>
      Array.from({ length: STREAMS_PER_WRITER }, (_, s) => ({ id: `bench-${cell}-w${w}-s${s}`, version: 0 })),
    );
    if (mode === 'expected-version') {
      for (const streams of owned) {
        await Promise.all(streams.map(async (s, i) => (s.version = await appender.append(s.id, 0, benchPayload(s.id, i)))));
        written += streams.length;
      }
    }
    const result = await runClosedLoop({ workers: writers, ...timing }, async (w, i) => {
      if (mode === 'new-stream') {
        const id = `bench-${cell}-w${w}-n${i}`;
        await appender.append(id, 0, benchPayload(id, i));
      } else {
        const stream = owned[w]![i % STREAMS_PER_WRITER]!;
        stream.version = await appender.append(stream.id, stream.version, benchPayload(stream.id, i));
      }
    });
    return { ...result, written: written + result.totalOps };
  } finally {
    await appender.close();
  }
};

/** Statements one append sends, counted on the wire over 20 appends after a warm-up one. */
const countStatements = async (url: string, factory: AppenderFactory, mode: Mode, tag: string): Promise<{ statements: number; written: number }> => {
  const probe: StatementProbe = { statements: 0 };
  const appender = factory(url, 1, probe);
  try {
    const id = `probe-${tag}`;
    let version = await appender.append(id, 0, benchPayload(id, 0)); // connects, prepares
    probe.statements = 0;
    const appends = 20;
    for (let i = 1; i <= appends; i++) {
      if (mode === 'new-stream') await appender.append(`${id}-n${i}`, 0, benchPayload(id, i));
      else version = await appender.append(id, version, benchPayload(id, i));
    }
    return { statements: probe.statements / appends, written: appends + 1 };
  } finally {
    await appender.close();
  }
};

const pair = (cell: AppendCell | undefined) => (cell ? `${formatMs(cell.p50Ms)} / ${formatMs(cell.p99Ms)}` : 'n/a');

const tableFor = (mode: Mode, cells: readonly AppendCell[], writerCounts: readonly number[]): ResultTable => {
  const find = (impl: string, writers: number) => cells.find((c) => c.impl === impl && c.mode === mode && c.workers === writers);
  return {
    title:
      mode === 'new-stream'
        ? "append (a): one event to a NEW stream (expected 'no_stream') — events/s and latency p50 / p99 ms"
        : 'append (b): one event to an EXISTING stream with its exact expected version — events/s and latency p50 / p99 ms',
    columns: ['writers', 'ours ev/s', 'raw ev/s', 'emmett ev/s', 'ours/raw', 'ours/emmett', 'ours p50/p99', 'raw p50/p99', 'emmett p50/p99'],
    rows: writerCounts.map((writers) => {
      const [ours, raw, emmett] = [find('ours', writers), find('raw', writers), find('emmett', writers)];
      return [
        String(writers),
        formatRate(ours?.eventsPerSec ?? Number.NaN),
        formatRate(raw?.eventsPerSec ?? Number.NaN),
        formatRate(emmett?.eventsPerSec ?? Number.NaN),
        formatRatio((ours?.eventsPerSec ?? Number.NaN) / (raw?.eventsPerSec ?? Number.NaN)),
        formatRatio((ours?.eventsPerSec ?? Number.NaN) / (emmett?.eventsPerSec ?? Number.NaN)),
        pair(ours),
        pair(raw),
        pair(emmett),
      ];
    }),
  };
};

const us = (v: number | undefined) => (v === undefined ? '?' : Math.round(v).toString());

/**
 * Where the machine's CPU went per append. On 2 cores the system is CPU-bound from ~4 writers,
 * so the CPU ratio predicts the throughput ratio, and it holds up when other processes share
 * the machine (they change how much CPU a cell gets, not what one append costs).
 */
const cpuTable = (cells: readonly AppendCell[], writerCounts: readonly number[]): ResultTable => ({
  title: 'append: CPU per append in µs, node + postgres; CPU ratios (raw CPU / ours CPU: what ours/raw throughput would be if CPU-bound)',
  columns: ['mode', 'writers', 'ours', 'raw', 'emmett', 'ours/raw by CPU', 'ours/emmett by CPU', 'busy ours/raw/emmett', 'bg max'],
  rows: MODES.flatMap((mode) =>
    writerCounts.map((writers) => {
      const found = IMPLS.map((impl) => cells.find((c) => c.impl === impl.name && c.mode === mode && c.workers === writers));
      const [raw, ours, emmett] = found;
      const total = (c: AppendCell | undefined) =>
        c?.cpu?.postgresUsPerOp !== undefined ? c.cpu.nodeUsPerOp + c.cpu.postgresUsPerOp : Number.NaN;
      const cpu = (c: AppendCell | undefined) => (c?.cpu ? `${us(c.cpu.nodeUsPerOp)} + ${us(c.cpu.postgresUsPerOp)}` : 'n/a');
      const busy = (c: AppendCell | undefined) => (c?.cpu ? `${Math.round(c.cpu.machineBusyPct)}%` : 'n/a');
      const bg = Math.max(...found.map((c) => c?.cpu?.backgroundPct ?? 0));
      return [
        mode,
        String(writers),
        cpu(ours),
        cpu(raw),
        cpu(emmett),
        formatRatio(total(raw) / total(ours)),
        formatRatio(total(emmett) / total(ours)),
        `${busy(ours)} / ${busy(raw)} / ${busy(emmett)}`,
        `${Math.round(bg)}%`,
      ];
    }),
  ),
});

export const appendScenario: Scenario = {
  name: 'append',
  description:
    'single-event appends to new streams and with an exact expected version, 1-64 writers: ours vs a raw INSERT ceiling vs Emmett',
  async run(ctx) {
    const { writers: writerCounts, warmupMs, durationMs } = settings(ctx);
    const admin = createSql(ctx.url, { max: 1 });
    const cells: AppendCell[] = [];
    const written = new Map<string, number>();
    const statementsPerAppend = new Map<string, number>();
    let canCheckpoint = true;
    try {
      await createRawEventsTable(admin);
      await migrateEmmett(ctx.url);

      for (const mode of MODES) {
        for (const impl of IMPLS) {
          const { statements, written: probeRows } = await countStatements(ctx.url, impl.factory, mode, `${impl.name}-${mode}`);
          statementsPerAppend.set(`${impl.name}:${mode}`, statements);
          written.set(impl.table, (written.get(impl.table) ?? 0) + probeRows);
        }
      }

      let n = 0;
      for (const writers of writerCounts) {
        for (const mode of MODES) {
          for (const impl of IMPLS) {
            // Each cell starts with no dirty buffers left by the one before it.
            if (canCheckpoint) {
              await admin`CHECKPOINT`.catch((e: unknown) => {
                canCheckpoint = false;
                ctx.log(`CHECKPOINT refused (${String(e)}); cells run without it`);
              });
            }
            const cell = `c${n++}`;
            const result = await quietest(
              async (attempt) => {
                const r = await runCell(ctx.url, impl.factory, mode, writers, `${cell}a${attempt}`, { warmupMs, durationMs });
                written.set(impl.table, (written.get(impl.table) ?? 0) + r.written);
                return r;
              },
              { maxAttempts: ctx.smoke ? 1 : 2, log: ctx.log, label: `${mode} writers=${writers} ${impl.name}` },
            );
            const { written: _w, ...measured } = result;
            cells.push({ impl: impl.name, mode, ...measured });
            ctx.log(
              `${mode.padEnd(16)} writers=${String(writers).padStart(2)} ${impl.name.padEnd(6)} ` +
                `${formatRate(result.eventsPerSec).padStart(7)} ev/s  p50 ${formatMs(result.p50Ms)} ms  p99 ${formatMs(result.p99Ms)} ms`,
            );
          }
        }
      }

      // Every append that returned must be a row: a harness that loses writes measures nothing.
      for (const impl of IMPLS) {
        const [row] = await admin.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${impl.table}`);
        if (row?.n !== written.get(impl.table)) {
          throw new Error(`${impl.table} holds ${row?.n} rows but ${written.get(impl.table)} appends returned`);
        }
      }
      const [sample] = await admin<{ sku: string | null }[]>`SELECT data->>'sku' AS sku FROM raw_events LIMIT 1`;
      if (!sample?.sku) throw new Error('raw_events.data was not stored as a JSON object');
    } finally {
      await admin.end({ timeout: 5 });
    }

    const roundTrips = (mode: Mode) =>
      `Statements per append, counted on the wire (each is a round trip): ${IMPLS.map(
        (impl) => `${impl.name} ${statementsPerAppend.get(`${impl.name}:${mode}`)?.toFixed(1) ?? '?'}`,
      ).join(', ')}.`;
    const noisy = cells.filter((c) => c.noisy);
    const tables: ResultTable[] = MODES.map((mode) => ({
      ...tableFor(mode, cells, writerCounts),
      notes: [
        `${durationMs / 1000} s measured per cell after ${warmupMs / 1000} s warm-up; pool size = writers; closed loop, one event per append.`,
        roundTrips(mode),
        ...(noisy.some((c) => c.mode === mode)
          ? [
              `NOISY (other processes took >10% of the machine in every attempt): ${noisy
                .filter((c) => c.mode === mode)
                .map((c) => `${c.impl}@${c.workers}`)
                .join(', ')}`,
            ]
          : []),
      ],
    }));
    tables.push(cpuTable(cells, writerCounts));
    return {
      tables,
      data: {
        settings: { writerCounts, warmupMs, durationMs, streamsPerWriter: STREAMS_PER_WRITER },
        statementsPerAppend: Object.fromEntries(statementsPerAppend),
        cells,
      },
    };
  },
};
