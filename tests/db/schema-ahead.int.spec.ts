import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations, SchemaAheadError } from '@/db/migrate';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
afterAll(() => db.drop());

describe('Migrations', () => {
  describe('When the database is at this build', () => {
    it('should start, applying nothing', async () => {
      const before = await db.sql`SELECT id FROM drizzle.__drizzle_migrations`;
      await runMigrations(db.url);
      expect(await db.sql`SELECT id FROM drizzle.__drizzle_migrations`).toHaveLength(before.length);
    });
  });

  describe('When a newer build has migrated the database', () => {
    it('should refuse to start, naming both versions', async () => {
      const [newest] = await db.sql<{ created_at: number }[]>`SELECT max(created_at)::bigint AS created_at FROM drizzle.__drizzle_migrations`;
      await db.sql`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('from-a-newer-build', ${newest!.created_at + 60_000})`;
      const refused = runMigrations(db.url);
      await expect(refused).rejects.toBeInstanceOf(SchemaAheadError);
      await expect(refused).rejects.toThrow(/newer than this build knows .* newest is dated \d{4}-/);
    });
  });
});
