import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// patches/postgres+3.4.9.patch (applied by `npm install`'s postinstall) makes postgres.js's query a
// thenable over a native promise instead of a Promise subclass: see docs/benchmarks.md, gc-promotion.
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
afterAll(() => db.drop());

describe('The postgres.js driver', () => {
  describe('When installed', () => {
    it('should carry the patch: a query is a thenable, not a Promise', () => {
      const query = db.sql`SELECT 1 AS one`;
      expect(query).not.toBeInstanceOf(Promise);
      expect(typeof query.then).toBe('function');
      return query;
    });
  });

  describe('When a query is awaited, chained or combined', () => {
    it('should answer as a promise would', async () => {
      const [row] = await db.sql<{ one: number }[]>`SELECT 1 AS one`;
      expect(row).toEqual({ one: 1 });
      expect(await db.sql`SELECT 2 AS two`.then((rows) => rows[0])).toEqual({ two: 2 });
      const both = await Promise.all([db.sql`SELECT 3 AS x`, db.sql`SELECT 4 AS x`]);
      expect(both.map((rows) => rows[0]!.x)).toEqual([3, 4]);
      let finished = false;
      await db.sql`SELECT 5`.finally(() => (finished = true));
      expect(finished).toBe(true);
    });

    it('should reject with the server error through await and catch', async () => {
      await expect(db.sql`SELECT * FROM no_such_table`).rejects.toBeInstanceOf(postgres.PostgresError);
      const caught = await db.sql`SELECT * FROM no_such_table`.catch((error: unknown) => error);
      expect((caught as postgres.PostgresError).code).toBe('42P01');
    });

    it('should run a query sent early with execute() once, though it is awaited later', async () => {
      const reserved = await db.sql.reserve();
      try {
        await reserved`CREATE TEMP TABLE driver_patch_runs (n int)`;
        const sent = reserved`INSERT INTO driver_patch_runs VALUES (1)`.execute();
        await reserved`SELECT 1`;
        await sent;
        expect(await reserved`SELECT count(*)::int AS n FROM driver_patch_runs`).toEqual([{ n: 1 }]);
      } finally {
        reserved.release();
      }
    });
  });
});
