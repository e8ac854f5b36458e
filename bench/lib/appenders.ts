import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { connectPostgres, createSql, type Sql } from '../../db/client';
import { defineEvent } from '../../server/event-store/event-definitions';
import { EventRegistry } from '../../server/event-store/event-registry';
import { EventStore } from '../../server/event-store/event-store';
import type { AppendOptions, EventMetadata } from '../../server/event-store/types';

/** A realistic small payload (~100 bytes of JSON), the same for every implementation. */
export const benchItemAdded = defineEvent(
  'BenchItemAdded',
  z.object({
    orderId: z.string(),
    sku: z.string(),
    quantity: z.number().int().positive(),
    unitPriceCents: z.number().int().nonnegative(),
  }),
);
export type BenchPayload = z.output<typeof benchItemAdded.schema>;

export const benchPayload = (streamId: string, i: number): BenchPayload => ({
  orderId: streamId,
  sku: `SKU-${(i % 97).toString().padStart(4, '0')}`,
  quantity: 1 + (i % 5),
  unitPriceCents: 1999 + (i % 13) * 100,
});

const ACTOR = { kind: 'system', id: 'bench' } as const;

/**
 * Appends one event to a stream. `expected` is the stream's version before the append, 0 for a
 * stream that must not exist yet; the result is the version after it.
 */
export type Appender = {
  readonly name: string;
  append(streamId: string, expected: number, data: BenchPayload): Promise<number>;
  close(): Promise<void>;
};

/** When given, the appender's pool counts every statement it sends (BEGIN and COMMIT included). */
export type StatementProbe = { statements: number };
export type AppenderFactory = (url: string, poolSize: number, probe?: StatementProbe) => Appender;

/**
 * A postgres.js pool with createSql's options (db/client.ts) that counts statements on the wire.
 * Only for counting, outside the clock: timed cells use createSql itself.
 */
export const countingSql = (url: string, probe: StatementProbe): Sql =>
  connectPostgres(url, {
    max: 1,
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20], serialize: (n: number | bigint) => n.toString(), parse: (s: string) => Number(s) },
    },
    transform: { undefined: null },
    debug: () => probe.statements++,
  });

const sqlFor = (url: string, poolSize: number, probe?: StatementProbe): Sql =>
  probe ? countingSql(url, probe) : createSql(url, { max: poolSize });

const appendOptions = (streamId: string, expected: number): AppendOptions => ({
  expectedVersion: expected === 0 ? 'no_stream' : expected,
  correlationId: streamId,
  actor: ACTOR,
  now: new Date().toISOString(),
});

/** Ours: EventStore.append, exactly as the application calls it. */
export const oursAppender: AppenderFactory = (url, poolSize, probe) => {
  const sql = sqlFor(url, poolSize, probe);
  const store = new EventStore(sql, new EventRegistry([benchItemAdded]));
  return {
    name: 'ours',
    append: async (streamId, expected, data) =>
      (await store.append(streamId, [{ type: benchItemAdded.type, data }], appendOptions(streamId, expected))).version,
    close: () => sql.end({ timeout: 5 }),
  };
};

/** The metadata our store writes, built the same way, for the baselines' rows. */
const metadataFor = (streamId: string): EventMetadata => ({
  eventId: uuidv7(),
  correlationId: streamId,
  causationId: null,
  occurredAt: new Date().toISOString(),
  schemaVersion: 1,
  actor: ACTOR,
});

/** An identical copy of `events` (indexes and constraints included) with a sequence of its own. */
export const createRawEventsTable = async (sql: Sql): Promise<void> => {
  await sql`CREATE TABLE raw_events (LIKE events INCLUDING ALL)`;
  await sql`CREATE SEQUENCE raw_events_position_seq OWNED BY raw_events.position`;
  await sql`ALTER TABLE raw_events ALTER COLUMN position SET DEFAULT nextval('raw_events_position_seq')`;
};

/** The ceiling: the same row as one autocommit INSERT, no stream row, no version check. */
export const rawAppender: AppenderFactory = (url, poolSize, probe) => {
  const sql = sqlFor(url, poolSize, probe);
  return {
    name: 'raw',
    append: async (streamId, expected, data) => {
      const metadata = metadataFor(streamId);
      await sql`
        INSERT INTO raw_events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
        VALUES (${metadata.eventId}, ${streamId}, ${expected + 1}, ${benchItemAdded.type}, 1,
                ${JSON.stringify(data)}::text::jsonb, ${JSON.stringify(metadata)}::text::jsonb, ${streamId}, ${metadata.occurredAt})
        RETURNING position`;
      return expected + 1;
    },
    close: () => sql.end({ timeout: 5 }),
  };
};

/** Creates Emmett's tables and functions (emt_streams, emt_messages, emt_append_to_stream). */
export const migrateEmmett = async (url: string): Promise<void> => {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await getPostgreSQLEventStore(url, { connectionOptions: { pool } }).schema.migrate();
  } finally {
    await pool.end();
  }
};

/**
 * Emmett's PostgreSQL event store on a node-postgres pool of the same size. A new stream is
 * appended with expectedStreamVersion 0n (insert the stream row, fail if it exists): in 0.42
 * STREAM_DOES_NOT_EXIST is sent as NULL, which skips the check, so 0n is the equal of no_stream.
 */
export const emmettAppender: AppenderFactory = (url, poolSize, probe) => {
  const pool = new pg.Pool({ connectionString: url, max: probe ? 1 : poolSize });
  if (probe) {
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        probe.statements++;
        return query(...args);
      };
    });
  }
  const store: PostgresEventStore = getPostgreSQLEventStore(url, {
    schema: { autoMigration: 'None' },
    connectionOptions: { pool },
  });
  return {
    name: 'emmett',
    append: async (streamId, expected, data) => {
      const { eventId: _id, schemaVersion: _v, ...metadata } = metadataFor(streamId);
      const result = await store.appendToStream(streamId, [{ type: benchItemAdded.type, data, metadata }], {
        expectedStreamVersion: BigInt(expected),
      });
      return Number(result.nextExpectedStreamVersion);
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  };
};
