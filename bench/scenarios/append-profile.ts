import postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { createSql, type Sql } from '../../db/client';
import { EventRegistry } from '../../server/event-store/event-registry';
import { EventStore } from '../../server/event-store/event-store';
import { EVENT_COLUMNS } from '../../server/event-store/stored-event-row';
import { streamTypeOf } from '../../server/event-store/types';
import { benchItemAdded, benchPayload, countingSql, createRawEventsTable, type BenchPayload } from '../lib/appenders';
import { formatMs, formatRate, formatRatio } from '../lib/format';
import { quietest, runClosedLoop, type ClosedLoopResult } from '../lib/load';
import type { Scenario } from '../lib/types';

/**
 * Where an append's time goes: the same single-event append taken apart into variants that add
 * or remove one cost at a time, from a bare INSERT to EventStore.append and its transactional
 * path. `ours-sql*` copy the statement of server/event-store/append-to-stream.ts (as of commit
 * 9417143, "Append in one statement"); `two-statements-tx` is the append before that commit.
 * Keep them in step when the store's SQL changes.
 */
type Append = (streamId: string, expected: number, data: BenchPayload) => Promise<number>;
type Variant = { name: string; what: string; make: (sql: Sql) => Append };
type Db = Sql | postgres.TransactionSql;

const ACTOR = { kind: 'system', id: 'bench' } as const;
const metadataJson = (streamId: string, eventId: string, now: string) =>
  JSON.stringify({ eventId, correlationId: streamId, causationId: null, occurredAt: now, schemaVersion: 1, actor: ACTOR });

class Conflict extends Error {}

const rawInsert = (db: Db, streamId: string, version: number, data: BenchPayload) => {
  const eventId = uuidv7();
  const now = new Date().toISOString();
  return db`
    INSERT INTO raw_events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
    VALUES (${eventId}, ${streamId}, ${version}, ${benchItemAdded.type}, 1,
            ${JSON.stringify(data)}::text::jsonb, ${metadataJson(streamId, eventId, now)}::text::jsonb, ${streamId}, ${now})
    RETURNING position`;
};

/** The stream-row statement, as the store writes it for no_stream and for an exact version. */
const advance = (db: Db, streamId: string, expected: number) =>
  expected === 0
    ? db<{ version: number }[]>`
        INSERT INTO streams (stream_id, stream_type, version) VALUES (${streamId}, ${streamTypeOf(streamId)}, ${1})
        ON CONFLICT (stream_id) DO NOTHING
        RETURNING version`
    : db<{ version: number }[]>`
        UPDATE streams SET version = version + ${1}, updated_at = now()
        WHERE stream_id = ${streamId} AND version = ${expected} RETURNING version`;

/** The events INSERT of the append before 9417143: positions drawn after the stream row's statement. */
const insertEventAt = (tx: postgres.TransactionSql, streamId: string, version: number, data: BenchPayload) => {
  const eventId = uuidv7();
  const now = new Date().toISOString();
  return tx`
    INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
    SELECT e.event_id, ${streamId}, e.version, e.type, e.schema_version, e.data::jsonb, e.metadata::jsonb, ${streamId}, ${now}::timestamptz
    FROM unnest(
      ${[eventId]}::uuid[],
      ${[version]}::bigint[],
      ${[benchItemAdded.type]}::text[],
      ${[1]}::int[],
      ${[JSON.stringify(data)]}::text[],
      ${[metadataJson(streamId, eventId, now)]}::text[]
    ) WITH ORDINALITY AS e(event_id, version, type, schema_version, data, metadata, ord)
    ORDER BY e.ord
    RETURNING ${tx.unsafe(EVENT_COLUMNS)}`;
};

/** Today's append statement, verbatim but for what it returns. */
const oneStatement = (db: Db, streamId: string, expected: number, data: BenchPayload, returning: string) => {
  const eventId = uuidv7();
  const now = new Date().toISOString();
  const count = 1;
  return db<{ version: number }[]>`
    WITH stream AS (${advance(db, streamId, expected)})
    INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
    SELECT e.event_id, ${streamId}, stream.version - ${count} + e.ord, e.type, e.schema_version, e.data::jsonb, e.metadata::jsonb,
           ${streamId}, ${now}::timestamptz
    FROM stream, unnest(
      ${[eventId]}::uuid[],
      ${[benchItemAdded.type]}::text[],
      ${[1]}::int[],
      ${[JSON.stringify(data)]}::text[],
      ${[metadataJson(streamId, eventId, now)]}::text[]
    ) WITH ORDINALITY AS e(event_id, type, schema_version, data, metadata, ord)
    ORDER BY e.ord
    RETURNING ${db.unsafe(returning)}`;
};

/** The same statement for exactly one event: plain parameters instead of unnest over arrays. */
const oneRow = (db: Db, streamId: string, expected: number, data: BenchPayload) => {
  const eventId = uuidv7();
  const now = new Date().toISOString();
  return db<{ version: number }[]>`
    WITH stream AS (${advance(db, streamId, expected)})
    INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
    SELECT ${eventId}, ${streamId}, stream.version, ${benchItemAdded.type}, 1,
           ${JSON.stringify(data)}::text::jsonb, ${metadataJson(streamId, eventId, now)}::text::jsonb, ${streamId}, ${now}
    FROM stream
    RETURNING position, version, recorded_at`;
};

const versionOf = (rows: readonly { version: number }[], streamId: string): number => {
  if (!rows[0]) throw new Conflict(streamId);
  return rows[0].version;
};

const storeAppend = (sql: Sql, idempotent: boolean): Append => {
  const store = new EventStore(sql, new EventRegistry([benchItemAdded]));
  return async (streamId, expected, data) =>
    (
      await store.append(streamId, [{ type: benchItemAdded.type, data }], {
        expectedVersion: expected === 0 ? 'no_stream' : expected,
        correlationId: streamId,
        actor: ACTOR,
        now: new Date().toISOString(),
        ...(idempotent ? { idempotencyKey: `bench:${uuidv7()}` } : {}),
      })
    ).version;
};

const VARIANTS: readonly Variant[] = [
  {
    name: 'raw',
    what: 'autocommit INSERT into raw_events (the ceiling)',
    make: (sql) => async (streamId, expected, data) => (await rawInsert(sql, streamId, expected + 1, data), expected + 1),
  },
  {
    name: 'raw-in-tx',
    what: 'the same INSERT inside sql.begin (BEGIN, INSERT, COMMIT)',
    make: (sql) => async (streamId, expected, data) => {
      await sql.begin((tx) => rawInsert(tx, streamId, expected + 1, data));
      return expected + 1;
    },
  },
  {
    name: 'two-statements-tx',
    what: 'the append before 9417143: BEGIN, stream row, events INSERT, COMMIT',
    make: (sql) => async (streamId, expected, data) =>
      sql.begin(async (tx) => {
        const version = versionOf(await advance(tx, streamId, expected), streamId);
        await insertEventAt(tx, streamId, version, data);
        return version;
      }),
  },
  { name: 'ours', what: 'EventStore.append (no idempotency key, no inline projection: one autocommit statement)', make: (sql) => storeAppend(sql, false) },
  {
    name: 'ours-sql',
    what: "today's statement alone: none of EventStore's JS (zod, row mapping)",
    make: (sql) => async (streamId, expected, data) => versionOf(await oneStatement(sql, streamId, expected, data, EVENT_COLUMNS), streamId),
  },
  {
    name: 'ours-sql-lean',
    what: "today's statement, RETURNING position, version, recorded_at instead of every column",
    make: (sql) => async (streamId, expected, data) =>
      versionOf(await oneStatement(sql, streamId, expected, data, 'position, version, recorded_at'), streamId),
  },
  {
    name: 'one-row',
    what: 'the same CTE with plain parameters instead of unnest over arrays, lean RETURNING',
    make: (sql) => async (streamId, expected, data) => versionOf(await oneRow(sql, streamId, expected, data), streamId),
  },
  {
    name: 'ours-sql-in-tx',
    what: "today's statement inside sql.begin: the floor of the transactional path (inline projection or idempotency key)",
    make: (sql) => async (streamId, expected, data) =>
      sql.begin(async (tx) => versionOf(await oneStatement(tx, streamId, expected, data, EVENT_COLUMNS), streamId)),
  },
  {
    name: 'ours-idempotent',
    what: 'EventStore.append with an idempotency key: BEGIN, claim key, append, store result, COMMIT',
    make: (sql) => storeAppend(sql, true),
  },
];

type Mode = 'new-stream' | 'expected-version';
const STREAMS_PER_WRITER = 4;

const drive = async (append: Append, mode: Mode, writers: number, cell: string, timing: { warmupMs: number; durationMs: number }) => {
  const owned = Array.from({ length: writers }, (_, w) =>
    Array.from({ length: STREAMS_PER_WRITER }, (_, s) => ({ id: `prof-${cell}-w${w}-s${s}`, version: 0 })),
  );
  if (mode === 'expected-version') {
    for (const streams of owned) for (const s of streams) s.version = await append(s.id, 0, benchPayload(s.id, 0));
  }
  return runClosedLoop({ workers: writers, ...timing }, async (w, i) => {
    if (mode === 'new-stream') {
      const id = `prof-${cell}-w${w}-n${i}`;
      await append(id, 0, benchPayload(id, i));
    } else {
      const stream = owned[w]![i % STREAMS_PER_WRITER]!;
      stream.version = await append(stream.id, stream.version, benchPayload(stream.id, i));
    }
  });
};

type ProfileCell = ClosedLoopResult & { variant: string; mode: Mode; statementsPerAppend: number; attempts: number; noisy: boolean };

export const appendProfileScenario: Scenario = {
  name: 'append-profile',
  diagnostic: true,
  description:
    'where a single-event append spends its time: a bare INSERT, our statement piece by piece, EventStore.append, and its transactional path',
  async run(ctx) {
    const writers = ctx.writers?.[0] ?? (ctx.smoke ? 4 : 16);
    const warmupMs = ctx.smoke ? 50 : 1000;
    const durationMs = (ctx.cellSeconds ?? (ctx.smoke ? 0.1 : 4)) * 1000;
    const admin = createSql(ctx.url, { max: 1 });
    const cells: ProfileCell[] = [];
    try {
      await createRawEventsTable(admin);
      let n = 0;
      for (const mode of ['expected-version', 'new-stream'] as const) {
        for (const variant of VARIANTS) {
          // Statements per append, counted on the wire by a one-connection pool, outside the clock.
          const counter = { statements: 0 };
          const counting = countingSql(ctx.url, counter);
          const probes = 20;
          try {
            await counting`SELECT 1`; // connects (and fetches array types) before counting
            const probe = variant.make(counting);
            const id = `probe-${n}`;
            let version = 0;
            if (mode === 'expected-version') version = await probe(id, 0, benchPayload(id, 0));
            const before = counter.statements;
            for (let i = 0; i < probes; i++) {
              version = await probe(mode === 'new-stream' ? `${id}-n${i}` : id, mode === 'new-stream' ? 0 : version, benchPayload(id, i));
            }
            counter.statements -= before;
          } finally {
            await counting.end({ timeout: 5 });
          }

          const cell = `p${n++}`;
          const result = await quietest(
            async (attempt) => {
              await admin`CHECKPOINT`.catch(() => {});
              const sql = createSql(ctx.url, { max: writers });
              try {
                return await drive(variant.make(sql), mode, writers, `${cell}a${attempt}`, { warmupMs, durationMs });
              } finally {
                await sql.end({ timeout: 5 });
              }
            },
            { maxAttempts: ctx.smoke ? 1 : 2, log: ctx.log, label: `${mode} ${variant.name}` },
          );
          cells.push({ ...result, variant: variant.name, mode, statementsPerAppend: counter.statements / probes });
          ctx.log(`${mode.padEnd(16)} ${variant.name.padEnd(14)} ${formatRate(result.eventsPerSec).padStart(7)} ev/s  p50 ${formatMs(result.p50Ms)} ms`);
        }
      }
    } finally {
      await admin.end({ timeout: 5 });
    }

    const us = (v: number | undefined) => (v === undefined ? 'n/a' : Math.round(v).toString());
    const tables = (['expected-version', 'new-stream'] as const).map((mode) => {
      const rows = cells.filter((c) => c.mode === mode);
      const raw = rows.find((c) => c.variant === 'raw');
      return {
        title: `append-profile, ${mode}, ${writers} writers: one single-event append, taken apart`,
        columns: ['variant', 'statements', 'ev/s', 'vs raw', 'p50 / p99 ms', 'node µs', 'postgres µs', 'other µs', 'busy', ''],
        rows: rows.map((c) => [
          c.variant,
          c.statementsPerAppend.toFixed(1),
          formatRate(c.eventsPerSec),
          formatRatio(c.eventsPerSec / (raw?.eventsPerSec ?? Number.NaN)),
          `${formatMs(c.p50Ms)} / ${formatMs(c.p99Ms)}`,
          us(c.cpu?.nodeUsPerOp),
          us(c.cpu?.postgresUsPerOp),
          us(c.cpu?.otherUsPerOp),
          c.cpu ? `${Math.round(c.cpu.machineBusyPct)}%` : 'n/a',
          c.noisy ? 'NOISY' : '',
        ]),
        notes: [
          ...VARIANTS.map((v) => `${v.name}: ${v.what}`),
          'statements: counted on the wire per append; each is a round trip.',
          'µs columns: CPU per append over the measured window, of this Node process, of the Postgres server, and of everything else on the machine (other processes: noise); busy = share of all cores.',
          `${durationMs / 1000} s measured per cell after ${warmupMs / 1000} s warm-up; pool size = writers.`,
        ],
      };
    });
    return { tables, data: { settings: { writers, warmupMs, durationMs }, cells } };
  },
};
