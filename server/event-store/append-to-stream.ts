import { v7 as uuidv7 } from 'uuid';
import type { TransactionSql } from '@/db/client';
import { ConcurrencyError } from '../shared/errors';
import type { EventRegistry } from './event-registry';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from './stored-event-row';
import { streamTypeOf, type AppendOptions, type EventMetadata, type ExpectedVersion, type NewEvent, type RecordedEvent } from './types';

const currentVersion = async (tx: TransactionSql, streamId: string): Promise<number> => {
  const [row] = await tx<{ version: number }[]>`SELECT version FROM streams WHERE stream_id = ${streamId}`;
  return row?.version ?? 0;
};

/**
 * Moves the stream's version on by `count` when the expectation holds. It is the append's first
 * write, so the transaction owns an id before any position is drawn: the global reader relies on it.
 */
const advanceStreamVersion = async (
  tx: TransactionSql,
  streamId: string,
  count: number,
  expected: ExpectedVersion,
): Promise<number> => {
  const streamType = streamTypeOf(streamId);
  let rows: { version: number }[];
  if (expected === 'any') {
    rows = await tx`
      INSERT INTO streams (stream_id, stream_type, version) VALUES (${streamId}, ${streamType}, ${count})
      ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + ${count}, updated_at = now()
      RETURNING version`;
  } else if (expected === 'no_stream' || expected === 0) {
    rows = await tx`
      INSERT INTO streams (stream_id, stream_type, version) VALUES (${streamId}, ${streamType}, ${count})
      ON CONFLICT (stream_id) DO NOTHING
      RETURNING version`;
  } else if (expected === 'stream_exists') {
    rows = await tx`
      UPDATE streams SET version = version + ${count}, updated_at = now()
      WHERE stream_id = ${streamId} RETURNING version`;
  } else {
    rows = await tx`
      UPDATE streams SET version = version + ${count}, updated_at = now()
      WHERE stream_id = ${streamId} AND version = ${expected} RETURNING version`;
  }
  const [row] = rows;
  if (!row) throw new ConcurrencyError(streamId, expected, await currentVersion(tx, streamId));
  return row.version;
};

/** Validates, then writes the events with consecutive versions; positions come from the sequence. */
export const insertEvents = async (
  tx: TransactionSql,
  registry: EventRegistry,
  streamId: string,
  events: readonly NewEvent[],
  lastVersion: number,
  options: AppendOptions,
): Promise<RecordedEvent[]> => {
  const firstVersion = lastVersion - events.length + 1;
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
  const rows = await tx<StoredEventRow[]>`
    INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
    SELECT e.event_id, ${streamId}, e.version, e.type, e.schema_version, e.data::jsonb, e.metadata::jsonb, ${options.correlationId}, ${options.now}::timestamptz
    FROM unnest(
      ${metadata.map((m) => m.eventId)}::uuid[],
      ${events.map((_, i) => firstVersion + i)}::bigint[],
      ${events.map((e) => e.type)}::text[],
      ${prepared.map((p) => p.schemaVersion)}::int[],
      ${prepared.map((p) => JSON.stringify(p.data))}::text[],
      ${metadata.map((m) => JSON.stringify(m))}::text[]
    ) WITH ORDINALITY AS e(event_id, version, type, schema_version, data, metadata, ord)
    ORDER BY e.ord
    RETURNING ${tx.unsafe(EVENT_COLUMNS)}`;
  return rows.map((row) => toRecordedEvent(registry, row)).sort((a, b) => a.version - b.version);
};

export const appendInTransaction = async (
  tx: TransactionSql,
  registry: EventRegistry,
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions,
): Promise<RecordedEvent[]> => {
  const lastVersion = await advanceStreamVersion(tx, streamId, events.length, options.expectedVersion);
  return insertEvents(tx, registry, streamId, events, lastVersion, options);
};
