import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;
/** Either the pool or an open transaction: store and projection functions accept both. */
export type Queryable = Sql | TransactionSql;

/**
 * A URL's `host` query parameter, read as libpq reads it: a directory (starting with /) holding the
 * server's Unix socket, which is then used instead of TCP (the URL's port still names the socket
 * file), or else a host name. postgres.js would send it to the server as a setting instead.
 */
export const socketOptionsOf = (url: string): { url: string; host?: string; path?: string } => {
  if (!/[?&]host=/.test(url)) return { url };
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host');
  parsed.searchParams.delete('host');
  if (!host) return { url: parsed.toString() };
  if (!host.startsWith('/')) return { url: parsed.toString(), host };
  return { url: parsed.toString(), path: `${host.replace(/\/+$/, '')}/.s.PGSQL.${parsed.port || '5432'}` };
};

/** The same server URL (credentials, port, `?host=` and all) naming another database. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/** postgres.js's `postgres(url, options)`, for URLs that name a Unix socket the libpq way (`?host=/dir`). */
export const connectPostgres = <T extends Record<string, postgres.PostgresType> = {}>(url: string, options: postgres.Options<T> = {}) => {
  const { url: rest, ...socket } = socketOptionsOf(url);
  return postgres<T>(rest, { ...options, ...socket });
};

/** One connection, notices ignored: for CREATE/DROP DATABASE, a probe of the server, a LISTEN. */
export const singleConnection = (url: string): Sql => connectPostgres(url, { max: 1, onnotice: () => {} });

export const createSql = (url: string, options: { max?: number; debug?: postgres.Options<{}>['debug'] } = {}): Sql =>
  connectPostgres(url, {
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
