import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '@/db/client';
import { ConcurrencyError } from '../shared/errors';
import type { EventRegistry } from './event-registry';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from './stored-event-row';
import { streamTypeOf, type AppendOptions, type EventMetadata, type ExpectedVersion, type NewEvent, type RecordedEvent } from './types';

const currentVersion = async (db: Queryable, streamId: string): Promise<number> => {
  const [row] = await db<{ version: number }[]>`SELECT version FROM streams WHERE stream_id = ${streamId}`;
  return row?.version ?? 0;
};

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

/**
 * The whole append is one statement: the stream row is advanced in a CTE that the insert reads
 * from, so the row is written (and the transaction owns an id) before any position is drawn,
 * which the global reader relies on. When the expectation fails the CTE yields no row, nothing
 * is inserted, and the caller gets a ConcurrencyError.
 */
export const appendEvents = async (
  db: Queryable,
  registry: EventRegistry,
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions,
): Promise<RecordedEvent[]> => {
  const count = events.length;
  const prepared = events.map((event) => registry.prepare(event.type, event.data));
  const metadata: EventMetadata[] = events.map((_, i) => ({
    eventId: uuidv7(),
    correlationId: options.correlationId,
    causationId: options.causationId ?? null,
    occurredAt: options.now,
    schemaVersion: prepared[i]!.schemaVersion,
    actor: options.actor,
    ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
  }));
  const rows = await db<StoredEventRow[]>`
    WITH stream AS (${advanceStreamVersion(db, streamId, count, options.expectedVersion)})
    INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
    SELECT e.event_id, ${streamId}, stream.version - ${count} + e.ord, e.type, e.schema_version, e.data::jsonb, e.metadata::jsonb,
           ${options.correlationId}, ${options.now}::timestamptz
    FROM stream, unnest(
      ${metadata.map((m) => m.eventId)}::uuid[],
      ${events.map((e) => e.type)}::text[],
      ${prepared.map((p) => p.schemaVersion)}::int[],
      ${prepared.map((p) => JSON.stringify(p.data))}::text[],
      ${metadata.map((m) => JSON.stringify(m))}::text[]
    ) WITH ORDINALITY AS e(event_id, type, schema_version, data, metadata, ord)
    ORDER BY e.ord
    RETURNING ${db.unsafe(EVENT_COLUMNS)}`;
  if (rows.length === 0) throw new ConcurrencyError(streamId, options.expectedVersion, await currentVersion(db, streamId));
  return rows.map((row) => toRecordedEvent(registry, row)).sort((a, b) => a.version - b.version);
};
