import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrationsFolder } from '@/db/migrate';
import { createSql, singleConnection, type Sql } from '@/db/client';
import { databaseUrl } from '../support/test-database';

const root = path.resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** `npm run db:migrate` as package.json runs it (tsx scripts/migrate.ts), with this environment. */
const migrateCommand = (env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });

const name = `orderflow_migrate_${randomBytes(5).toString('hex')}`;
let sql: Sql;

beforeAll(async () => {
  const admin = singleConnection(inject('adminUrl'));
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  sql = createSql(databaseUrl(name), { max: 1 });
});

afterAll(async () => {
  await sql.end({ timeout: 5 });
  const admin = singleConnection(inject('adminUrl'));
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('The migrate command', () => {
  describe('When DATABASE_URL names an empty database', () => {
    it('should apply every migration this build ships, and say so', async () => {
      const { stdout } = await migrateCommand({ DATABASE_URL: databaseUrl(name) });
      expect(stdout).toContain('Migrated the database at DATABASE_URL');
      const applied = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
      expect(applied[0]!.n).toBe(readMigrationFiles({ migrationsFolder }).length);
      const [events] = await sql<{ exists: boolean }[]>`SELECT to_regclass('public.events') IS NOT NULL AS exists`;
      expect(events!.exists).toBe(true);
    });

    it('should leave payload columns out of the planner statistics, and keep the columns queries filter on', async () => {
      await sql`INSERT INTO streams (stream_id, stream_type, version) VALUES ('order-analyze', 'order', 1)`;
      await sql`
        INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
        VALUES (gen_random_uuid(), 'order-analyze', 1, 'OrderPlaced', 1, '{"a":1}', '{"b":2}', 'order-analyze', now())`;
      await sql`ANALYZE events`;
      const columns = await sql<{ attname: string }[]>`SELECT attname FROM pg_stats WHERE tablename = 'events' ORDER BY attname`;
      const names = columns.map((c) => c.attname);
      expect(names).toEqual(expect.arrayContaining(['stream_id', 'correlation_id', 'type']));
      expect(names).not.toContain('data');
      expect(names).not.toContain('metadata');
    });
  });

  describe('When run again', () => {
    it('should apply nothing', async () => {
      const appliedIds = () => sql<{ id: number }[]>`SELECT id FROM drizzle.__drizzle_migrations ORDER BY id`;
      const before = await appliedIds();
      expect(before.length).toBeGreaterThan(0);
      await migrateCommand({ DATABASE_URL: databaseUrl(name) });
      expect(await appliedIds()).toEqual(before);
    });
  });

  describe('When DATABASE_URL is not a Postgres URL', () => {
    it('should exit with code 1 and a message naming the variable', async () => {
      const failed = migrateCommand({ DATABASE_URL: 'mysql://localhost/orders' });
      await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('DATABASE_URL') });
    });
  });
});
