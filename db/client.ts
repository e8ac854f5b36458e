import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;
/** Either the pool or an open transaction: store and projection functions accept both. */
export type Queryable = Sql | TransactionSql;

export const createSql = (url: string, options: { max?: number; debug?: postgres.Options<{}>['debug'] } = {}): Sql =>
  postgres(url, {
    max: options.max ?? 20,
    debug: options.debug,
    onnotice: () => {},
    // positions, versions and cents are bigint in Postgres but stay far below 2^53
    types: {
      bigint: { to: 20, from: [20], serialize: (n: number | bigint) => n.toString(), parse: (s: string) => Number(s) },
    },
    transform: { undefined: null },
    connection: { application_name: 'orderflow' },
  });

export const createDb = (sql: Sql) => drizzle(sql, { schema, casing: 'snake_case' });
export type Db = ReturnType<typeof createDb>;

/**
 * A LIMIT written into the statement rather than bound: with a bound limit a prepared statement
 * may switch to a generic plan that assumes a large result and sorts the whole table (seen at a
 * million orders: 200 ms for a first page instead of under a millisecond).
 */
export const literalLimit = (db: Queryable, n: number) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`Invalid limit ${n}`);
  return db.unsafe(String(n));
};

/** The entries of a column list ("a, b AS \"b2\"" gives "a" and "b AS \"b2\""). */
export const columnNames = (columns: string): string[] => columns.split(',').map((column) => column.trim());

/**
 * A column list ("a, b AS \"b2\"") with each column taken from the table aliased `alias`, for
 * statements that join tables with columns of the same names. Fixed SQL text only, never input.
 */
export const columnsOf = (alias: string, columns: string): string =>
  columnNames(columns)
    .map((column) => `${alias}.${column}`)
    .join(', ');
