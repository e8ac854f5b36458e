import { v7 as uuidv7 } from 'uuid';
import postgres from 'postgres';
import type { Queryable } from '@/db/client';
import { ConcurrencyError } from '../shared/errors';
import type { EventRegistry } from './event-registry';
import { streamTypeOf, type AppendOptions, type EventMetadata, type ExpectedVersion, type NewEvent, type RecordedEvent } from './types';

/** Each stream's version; a stream that does not exist is absent (version 0). */
export const streamVersions = async (db: Queryable, streamIds: readonly string[]): Promise<Map<string, number>> => {
  const rows = await db<{ stream_id: string; version: number }[]>`
    SELECT stream_id, version FROM streams WHERE stream_id = ANY(${[...streamIds]}::text[])`;
  return new Map(rows.map((row) => [row.stream_id, row.version]));
};

export const currentVersion = async (db: Queryable, streamId: string): Promise<number> =>
  (await streamVersions(db, [streamId])).get(streamId) ?? 0;

/** Moves the stream's version on by `count`, only when the expectation holds; returns the new version. */
const advanceStreamVersion = (db: Queryable, streamId: string, count: number, expected: ExpectedVersion) => {
  const streamType = streamTypeOf(streamId);
  if (expected === 'any') {
    return db`
      INSERT INTO streams (stream_id, stream_type, version) VALUES (${streamId}, ${streamType}, ${count})
      ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + ${count}, updated_at = now()
      RETURNING version`;
  }
  if (expected === 'no_stream' || expected === 0) {
    return db`
      INSERT INTO streams (stream_id, stream_type, version) VALUES (${streamId}, ${streamType}, ${count})
      ON CONFLICT (stream_id) DO NOTHING
      RETURNING version`;
  }
  if (expected === 'stream_exists') {
    return db`UPDATE streams SET version = version + ${count}, updated_at = now() WHERE stream_id = ${streamId} RETURNING version`;
  }
  return db`
    UPDATE streams SET version = version + ${count}, updated_at = now()
    WHERE stream_id = ${streamId} AND version = ${expected} RETURNING version`;
};

/** A payload already validated by the registry, with the schema version it is written at. */
export type PreparedEvent = { readonly type: string; readonly data: unknown; readonly schemaVersion: number };

export const prepareEvents = (registry: EventRegistry, events: readonly NewEvent[]): PreparedEvent[] =>
  events.map((event) => ({ type: event.type, ...registry.prepare(event.type, event.data) }));

/** The append's idempotency key was used by a committed append: nothing was written. */
export class IdempotencyKeyTaken extends Error {
  constructor(readonly key: string) {
    super(`idempotency key ${key} already used`);
  }
}

export type Written = { position: number; version: number; recorded_at: Date };

/** Each event's metadata: a fresh id and what the append options say of its cause and actor. */
export const buildMetadata = (events: readonly PreparedEvent[], options: AppendOptions): EventMetadata[] =>
  events.map((event) => ({
    eventId: uuidv7(),
    correlationId: options.correlationId,
    causationId: options.causationId ?? null,
    occurredAt: options.now,
    schemaVersion: event.schemaVersion,
    actor: options.actor,
    ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
  }));

/** The recorded events, built from the validated input and the rows the insert returned. */
export const toRecorded = (
  streamId: string,
  events: readonly PreparedEvent[],
  metadata: readonly EventMetadata[],
  rows: readonly Written[],
): RecordedEvent[] => {
  const firstVersion = Math.min(...rows.map((r) => r.version));
  return rows
    .map((row) => {
      const i = row.version - firstVersion;
      return {
        position: row.position,
        streamId,
        version: row.version,
        type: events[i]!.type,
        data: events[i]!.data,
        metadata: metadata[i]!,
        recordedAt: row.recorded_at instanceof Date ? row.recorded_at.toISOString() : String(row.recorded_at),
      };
    })
    .sort((a, b) => a.version - b.version);
};

/**
 * The whole append is one statement: the stream row is advanced in a CTE that the insert reads
 * from, so the row is written (and the transaction owns an id) before any position is drawn,
 * which the global reader relies on. When the expectation fails the CTE yields no row, nothing
 * is inserted, and the caller gets a ConcurrencyError. One event binds plain parameters; several
 * go through unnest. The recorded events are built from the validated input, not read back.
 */
export const appendEvents = async (
  db: Queryable,
  streamId: string,
  events: readonly PreparedEvent[],
  options: AppendOptions,
): Promise<RecordedEvent[]> => {
  const count = events.length;
  const metadata = buildMetadata(events, options);
  const stream = advanceStreamVersion(db, streamId, count, options.expectedVersion);
  const only = events[0]!;
  const insert =
    count === 1
      ? db`
          INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
          SELECT ${metadata[0]!.eventId}::uuid, ${streamId}, stream.version, ${only.type}, ${only.schemaVersion},
                 ${JSON.stringify(only.data)}::text::jsonb, ${JSON.stringify(metadata[0])}::text::jsonb, ${options.correlationId}, ${options.now}::timestamptz
          FROM stream
          RETURNING position, version, recorded_at`
      : db`
          INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
          SELECT e.event_id, ${streamId}, stream.version - ${count} + e.ord, e.type, e.schema_version, e.data, e.metadata,
                 ${options.correlationId}, ${options.now}::timestamptz
          FROM stream, ROWS FROM (
            unnest(${metadata.map((m) => m.eventId)}::uuid[]),
            unnest(${events.map((e) => e.type)}::text[]),
            unnest(${events.map((e) => e.schemaVersion)}::int[]),
            jsonb_array_elements(${JSON.stringify(events.map((e) => e.data))}::text::jsonb),
            jsonb_array_elements(${JSON.stringify(metadata)}::text::jsonb)
          ) WITH ORDINALITY AS e(event_id, type, schema_version, data, metadata, ord)
          ORDER BY e.ord
          RETURNING position, version, recorded_at`;
  // With a key, the key is claimed in the same statement, with the result it answers repeats
  // with. A key already taken is a unique violation: the whole statement, events included, fails
  // (IdempotencyKeyTaken). A twin still in flight makes it wait for the twin's end first.
  const key = options.idempotencyKey;
  const rows = await (key
    ? db<Written[]>`
        WITH stream AS (${stream}), inserted AS (${insert}), claimed AS (
          INSERT INTO idempotency_keys (key, stream_id, result)
          SELECT ${key}, ${streamId}, jsonb_build_object('streamId', ${streamId}::text, 'version', max(version), 'position', max(position))
          FROM inserted HAVING count(*) > 0
        )
        SELECT position, version, recorded_at FROM inserted`
    : db<Written[]>`WITH stream AS (${stream}) ${insert}`
  ).catch((error: unknown) => {
    const keyTaken = error instanceof postgres.PostgresError && error.code === '23505' && error.constraint_name === 'idempotency_keys_pkey';
    throw key && keyTaken ? new IdempotencyKeyTaken(key) : error;
  });
  if (rows.length === 0) throw new ConcurrencyError(streamId, options.expectedVersion, await currentVersion(db, streamId));
  return toRecorded(streamId, events, metadata, rows);
};
