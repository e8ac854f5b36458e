import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createSql, type Sql } from '@/db/client';
import { migrationsFolder } from '@/db/migrate';
import { databaseUrl } from '../support/test-database';

/**
 * 0004 adds the saga counters to dashboard-stats. On a database that already has a log the
 * projection's checkpoint is past the saga events the counters need, so the migration rebuilds
 * dashboard-stats from position 0; a new database (no checkpoint yet) is left alone.
 */
const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
const statementsOf = (tag: string) =>
  readFileSync(path.join(migrationsFolder, `${tag}.sql`), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);
const migrate = async (sql: Sql, tags: string[]) => {
  for (const tag of tags) for (const statement of statementsOf(tag)) await sql.unsafe(statement);
};

let admin: postgres.Sql;
let sql: Sql;
const name = `orderflow_test_${randomBytes(5).toString('hex')}`;

beforeAll(async () => {
  admin = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  sql = createSql(databaseUrl(name), { max: 2 });
  const tags = journal.entries.map((e) => e.tag);
  const counts = tags.findIndex((t) => t.startsWith('0004_'));
  await migrate(sql, tags.slice(0, counts));
  // A database in use: a log, dashboard-stats at its head, its rows, and another projection.
  await sql`INSERT INTO streams (stream_id, stream_type, version) VALUES ('order-1', 'order', 2)`;
  await sql`
    INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, occurred_at)
    VALUES (gen_random_uuid(), 'order-1', 1, 'Test', 1, '{}', '{}', now()), (gen_random_uuid(), 'order-1', 2, 'Test', 1, '{}', '{}', now())`;
  await sql`INSERT INTO projection_checkpoints (name, position) VALUES ('dashboard-stats', 2), ('inventory-levels', 2)`;
  await sql`INSERT INTO stats_status_counts (status, count) VALUES ('placed', 1)`;
  await migrate(sql, tags.slice(counts, counts + 1));
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await admin?.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin?.end();
});

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
