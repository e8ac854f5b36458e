import type { Queryable } from '@/db/client';
import { buildMetadata, toRecorded, type PreparedEvent, type Written } from './append-to-stream';
import { streamTypeOf, type AppendOptions, type RecordedEvent } from './types';

/** One caller's append inside a batch: its own stream, expected version, key and events. */
export type BatchItem = {
  readonly streamId: string;
  readonly events: readonly PreparedEvent[];
  /** Exact only (0 = the stream must not exist yet): other expectations are appended alone. */
  readonly options: AppendOptions & { readonly expectedVersion: number };
};

/** Per item, in the order given: its recorded events, or 'conflict' when its expected version did not hold. */
export type BatchOutcome = RecordedEvent[] | 'conflict';

/**
 * Appends the events of many callers, each to its own stream (at most one item per stream and
 * per idempotency key), in one statement: one round trip and one commit for all of them. Each
 * item is all or nothing on its own: when its expected version does not hold, none of its events
 * is written and the others go ahead.
 *
 * Locks are taken in one order by every batch, so two batches never wait on each other in a
 * circle: first the existing stream rows, sorted by id (`locked`); then new stream rows, sorted by
 * id (`created`, which waits for `locked` through its InitPlan); then the events, drawn in item
 * order after every stream row is written (the sort in `inserted` reads all its input first), so
 * the global reader's rule holds: a transaction owns its id before it draws a position; keys
 * last, sorted. A key already taken makes the whole statement fail with a unique violation, like
 * a single append.
 */
export const appendBatch = async (db: Queryable, items: readonly BatchItem[]): Promise<BatchOutcome[]> => {
  const metadata = items.map((item) => buildMetadata(item.events, item.options));
  const flat = items.flatMap((item, i) =>
    item.events.map((event, ord) => ({ item: i, ord: ord + 1, event, metadata: metadata[i]![ord]! })),
  );
  // Payloads and metadata go as one JSON array each, not as text[]: a text array escapes every
  // quote of every JSON document on the way out and Postgres unescapes it again on the way in.
  // Sent at once (execute), so statements a caller pipelines behind it run after it.
  const rows = await db<(Written & { item: number })[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${items.map((item) => item.streamId)}::text[],
        ${items.map((item) => streamTypeOf(item.streamId))}::text[],
        ${items.map((item) => item.options.expectedVersion)}::bigint[],
        ${items.map((item) => item.events.length)}::int[],
        ${items.map((item) => item.options.idempotencyKey ?? null)}::text[]
      ) WITH ORDINALITY AS i(stream_id, stream_type, expected, count, key, item)
    ),
    locked AS MATERIALIZED (
      SELECT s.stream_id, s.version FROM streams s
      WHERE s.stream_id IN (SELECT stream_id FROM input WHERE expected > 0)
      ORDER BY s.stream_id
      FOR UPDATE
    ),
    advanced AS (
      UPDATE streams s SET version = s.version + i.count, updated_at = now()
      FROM locked l JOIN input i ON i.stream_id = l.stream_id
      WHERE s.stream_id = l.stream_id AND l.version = i.expected
      RETURNING s.stream_id, s.version
    ),
    created AS (
      INSERT INTO streams (stream_id, stream_type, version)
      SELECT stream_id, stream_type, count FROM input
      WHERE expected = 0 AND (SELECT count(*) FROM locked) >= 0
      ORDER BY stream_id
      ON CONFLICT (stream_id) DO NOTHING
      RETURNING stream_id, version
    ),
    moved AS (SELECT stream_id, version FROM advanced UNION ALL SELECT stream_id, version FROM created),
    inserted AS (
      INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
      SELECT e.event_id, i.stream_id, m.version - i.count + e.ord, e.type, e.schema_version, e.data, e.metadata,
             e.correlation_id, e.occurred_at
      FROM ROWS FROM (
        unnest(${flat.map((f) => f.item + 1)}::bigint[]),
        unnest(${flat.map((f) => f.ord)}::int[]),
        unnest(${flat.map((f) => f.metadata.eventId)}::uuid[]),
        unnest(${flat.map((f) => f.event.type)}::text[]),
        unnest(${flat.map((f) => f.event.schemaVersion)}::int[]),
        jsonb_array_elements(${JSON.stringify(flat.map((f) => f.event.data))}::text::jsonb),
        jsonb_array_elements(${JSON.stringify(flat.map((f) => f.metadata))}::text::jsonb),
        unnest(${flat.map((f) => f.metadata.correlationId)}::text[]),
        unnest(${flat.map((f) => f.metadata.occurredAt)}::timestamptz[])
      ) AS e(item, ord, event_id, type, schema_version, data, metadata, correlation_id, occurred_at)
      JOIN input i ON i.item = e.item
      JOIN moved m ON m.stream_id = i.stream_id
      ORDER BY e.item, e.ord
      RETURNING position, stream_id, version, recorded_at
    ),
    claimed AS (
      INSERT INTO idempotency_keys (key, stream_id, result)
      SELECT i.key, i.stream_id, jsonb_build_object('streamId', i.stream_id, 'version', max(x.version), 'position', max(x.position))
      FROM inserted x JOIN input i ON i.stream_id = x.stream_id
      WHERE i.key IS NOT NULL
      GROUP BY i.key, i.stream_id
      ORDER BY i.key
    )
    SELECT x.position, x.version, x.recorded_at, (i.item - 1)::int AS item
    FROM inserted x JOIN input i ON i.stream_id = x.stream_id`.execute();
  const byItem = new Map<number, Written[]>();
  for (const row of rows) {
    const list = byItem.get(row.item) ?? [];
    list.push(row);
    byItem.set(row.item, list);
  }
  return items.map((item, i) => {
    const written = byItem.get(i);
    return written ? toRecorded(item.streamId, item.events, metadata[i]!, written) : 'conflict';
  });
};
