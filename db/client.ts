import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;
/** Either the pool or an open transaction: store and projection functions accept both. */
export type Queryable = Sql | TransactionSql;

export const createSql = (url: string, options: { max?: number } = {}): Sql =>
  postgres(url, {
    max: options.max ?? 20,
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
