import pg from 'pg';
import { createSql, type Sql } from '../../db/client';

/**
 * Ways of sending statements to Postgres, one iteration each, for the gc-promotion diagnostic:
 * how much of what each allocates outlives two scavenges (is promoted to the old generation,
 * where only a mark-compact frees it). The app's driver (postgres.js, as db/client.ts sets it up)
 * and, for the same shapes, node-postgres (the `pg` package Emmett and drizzle's other adapter
 * use): the baseline that says whether a figure is the driver's or node's. Each iteration runs in
 * an ordinary async function, as server code does (a loop at a module's top level promotes
 * more, whatever it sends).
 */
export type PromotionPattern = {
  readonly name: string;
  readonly driver: 'postgres.js' | 'node-postgres';
  readonly what: string;
  readonly statementsPerIteration: number;
  readonly open: (url: string) => Promise<{ step: (i: number) => Promise<unknown>; close: () => Promise<void> }>;
};

export const PROMOTION_TABLE = 'gc_promotion_rows';

/** The lines a run prints around its measured iterations (stdout, where node's GC lines go too). */
export const MEASURE_FROM = 'gc-promotion: measuring';
export const MEASURE_TO = 'gc-promotion: done';
/** Prefix of the line with the run's figures as JSON (node may print GC lines after it). */
export const RESULT_PREFIX = 'gc-promotion: result ';

const POOL_SIZE = 4;

const withPostgresJs =
  (step: (sql: Sql, i: number) => Promise<unknown>): PromotionPattern['open'] =>
  async (url) => {
    const sql = createSql(url, { max: POOL_SIZE });
    await sql`CREATE UNLOGGED TABLE IF NOT EXISTS ${sql(PROMOTION_TABLE)} (id bigserial PRIMARY KEY, v text NOT NULL)`;
    return { step: (i) => step(sql, i), close: () => sql.end({ timeout: 5 }) };
  };

const withNodePostgres =
  (step: (pool: pg.Pool, i: number) => Promise<unknown>): PromotionPattern['open'] =>
  async (url) => {
    const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
    await pool.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${PROMOTION_TABLE} (id bigserial PRIMARY KEY, v text NOT NULL)`);
    return { step: (i) => step(pool, i), close: () => pool.end() };
  };

const STORE_SHAPE = 'a reserved connection; BEGIN, an INSERT and a SELECT sent together, then an INSERT and COMMIT';

export const promotionPatterns: readonly PromotionPattern[] = [
  {
    name: 'one-statement',
    driver: 'postgres.js',
    what: 'one statement, awaited, on the pool (the baseline)',
    statementsPerIteration: 1,
    open: withPostgresJs((sql, i) => sql`SELECT ${i}::int AS x`),
  },
  {
    name: 'same-statement-twice',
    driver: 'postgres.js',
    what: 'the same statement twice, one after the other, from one call site',
    statementsPerIteration: 2,
    open: withPostgresJs(async (sql, i) => {
      for (let k = 0; k < 2; k++) await sql`SELECT ${i}::int AS x`;
    }),
  },
  {
    name: 'two-statements',
    driver: 'postgres.js',
    what: 'two statements one after the other, from two call sites',
    statementsPerIteration: 2,
    open: withPostgresJs(async (sql, i) => {
      await sql`SELECT ${i}::int AS x`;
      await sql`SELECT ${i}::int AS y`;
    }),
  },
  {
    name: 'three-at-once',
    driver: 'postgres.js',
    what: 'three statements at once (Promise.all) on the pool',
    statementsPerIteration: 3,
    open: withPostgresJs((sql, i) => Promise.all([sql`SELECT ${i}::int AS x`, sql`SELECT ${i}::int AS y`, sql`SELECT ${i}::int AS z`])),
  },
  {
    name: 'store-transaction',
    driver: 'postgres.js',
    what: `the store's transaction shape (server/event-store/stream-writer.ts): ${STORE_SHAPE}`,
    statementsPerIteration: 5,
    open: withPostgresJs(async (sql, i) => {
      const tx = await sql.reserve();
      try {
        await Promise.all([tx`BEGIN`.execute(), tx`INSERT INTO ${sql(PROMOTION_TABLE)} (v) VALUES (${`a${i}`})`.execute(), tx`SELECT ${i}::int AS x`.execute()]);
        await Promise.all([tx`INSERT INTO ${sql(PROMOTION_TABLE)} (v) VALUES (${`b${i}`})`.execute(), tx`COMMIT`.execute()]);
      } catch (error) {
        await tx`ROLLBACK`.execute().catch(() => undefined);
        throw error;
      } finally {
        tx.release();
      }
    }),
  },
  {
    name: 'pg one-statement',
    driver: 'node-postgres',
    what: 'one-statement through node-postgres (a named prepared statement)',
    statementsPerIteration: 1,
    open: withNodePostgres((pool, i) => pool.query({ name: 'x', text: 'SELECT $1::int AS x', values: [i] })),
  },
  {
    name: 'pg two-statements',
    driver: 'node-postgres',
    what: 'two-statements through node-postgres',
    statementsPerIteration: 2,
    open: withNodePostgres(async (pool, i) => {
      await pool.query({ name: 'x', text: 'SELECT $1::int AS x', values: [i] });
      await pool.query({ name: 'y', text: 'SELECT $1::int AS y', values: [i] });
    }),
  },
  {
    name: 'pg store-transaction',
    driver: 'node-postgres',
    what: `store-transaction through node-postgres: ${STORE_SHAPE}`,
    statementsPerIteration: 5,
    open: withNodePostgres(async (pool, i) => {
      const client = await pool.connect();
      try {
        const insert = (v: string) => client.query({ name: 'insert', text: `INSERT INTO ${PROMOTION_TABLE} (v) VALUES ($1)`, values: [v] });
        await Promise.all([client.query('BEGIN'), insert(`a${i}`), client.query({ name: 'x', text: 'SELECT $1::int AS x', values: [i] })]);
        await Promise.all([insert(`b${i}`), client.query('COMMIT')]);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }),
  },
];
