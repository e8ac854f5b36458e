import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@/db/client';
import { migrationSteps, type MigrationSteps } from '../support/migration-steps';

/**
 * 0004 adds the saga counters to dashboard-stats. On a database that already has a log the
 * projection's checkpoint is past the saga events the counters need, so the migration rebuilds
 * dashboard-stats from position 0; a new database (no checkpoint yet) is left alone.
 */
let steps: MigrationSteps;
let sql: Sql;

beforeAll(async () => {
  steps = await migrationSteps();
  sql = steps.sql;
  await steps.upTo('0004_');
  // A database in use: a log, dashboard-stats at its head, its rows, and another projection.
  await sql`INSERT INTO streams (stream_id, stream_type, version) VALUES ('order-1', 'order', 2)`;
  await sql`
    INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, occurred_at)
    VALUES (gen_random_uuid(), 'order-1', 1, 'Test', 1, '{}', '{}', now()), (gen_random_uuid(), 'order-1', 2, 'Test', 1, '{}', '{}', now())`;
  await sql`INSERT INTO projection_checkpoints (name, position) VALUES ('dashboard-stats', 2), ('inventory-levels', 2)`;
  await sql`INSERT INTO stats_status_counts (status, count) VALUES ('placed', 1)`;
  await steps.apply('0004_');
});
afterAll(() => steps?.drop());

describe('Migration 0004 (saga counters)', () => {
  it('should rebuild dashboard-stats from the start of the log, emptied, and leave other projections alone', async () => {
    const checkpoints = await sql<{ name: string; position: number; status: string; rebuild_target: number | null }[]>`
      SELECT name, position, status, rebuild_target FROM projection_checkpoints ORDER BY name`;
    expect(checkpoints).toEqual([
      { name: 'dashboard-stats', position: 0, status: 'rebuilding', rebuild_target: 2 },
      { name: 'inventory-levels', position: 2, status: 'running', rebuild_target: null },
    ]);
    expect(await sql`SELECT 1 FROM stats_status_counts`).toHaveLength(0);
    expect(await sql`SELECT 1 FROM stats_saga_counts`).toHaveLength(0);
  });
});
