import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createSql, singleConnection, withDatabase, type Sql } from '../../db/client';

export type TestDatabase = { url: string; name: string; sql: Sql; drop: () => Promise<void> };

export const databaseUrl = (database: string): string => withDatabase(inject('adminUrl'), database);

/** A fresh, migrated database cloned from the run's template: each test file gets its own. */
export const createTestDatabase = async (options: { poolSize?: number } = {}): Promise<TestDatabase> => {
  const name = `orderflow_test_${randomBytes(5).toString('hex')}`;
  const admin = singleConnection(inject('adminUrl'));
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
  await admin.end();
  const url = databaseUrl(name);
  const sql = createSql(url, { max: options.poolSize ?? 10 });
  return {
    url,
    name,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      const cleanup = singleConnection(inject('adminUrl'));
      await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
};
