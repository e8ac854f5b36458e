import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

/** One row per stream: the version is what optimistic concurrency checks against. */
export const streams = pgTable('streams', {
  streamId: text('stream_id').primaryKey(),
  streamType: text('stream_type').notNull(),
  version: bigint('version', { mode: 'number' }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The log. `position` comes from a sequence (cache 1, so values are handed out in time order);
 * readers of the global order never trust it alone, see server/event-store/global-log-reader.ts.
 */
export const events = pgTable(
  'events',
  {
    position: bigserial('position', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull().unique(),
    streamId: text('stream_id').notNull(),
    version: bigint('version', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    schemaVersion: integer('schema_version').notNull(),
    data: jsonb('data').notNull(),
    metadata: jsonb('metadata').notNull(),
    correlationId: text('correlation_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'string' }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    unique('events_stream_version_unique').on(t.streamId, t.version),
    index('events_correlation_position_idx').on(t.correlationId, t.position),
    index('events_type_position_idx').on(t.type, t.position),
  ],
);

/** The first result of a command, so a retried command returns it and writes nothing. */
export const idempotencyKeys = pgTable('idempotency_keys', {
  key: text('key').primaryKey(),
  streamId: text('stream_id').notNull(),
  result: jsonb('result'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
});

export const snapshots = pgTable('snapshots', {
  streamId: text('stream_id').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull(),
  snapshotSchema: integer('snapshot_schema').notNull(),
  state: jsonb('state').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
