import path from 'node:path';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { createDb, createSql } from './client';

export const migrationsFolder = path.resolve(import.meta.dirname, 'migrations');

/**
 * Applies drizzle-kit migrations. One connection holds an advisory lock for the whole run, so two
 * processes starting at once on one database do not race.
 */
export const runMigrations = async (url: string): Promise<void> => {
  const sql = createSql(url, { max: 1 });
  try {
    await sql`SELECT pg_advisory_lock(hashtext('orderflow:migrations'))`;
    await migrate(createDb(sql), { migrationsFolder });
    await sql`SELECT pg_advisory_unlock(hashtext('orderflow:migrations'))`;
  } finally {
    await sql.end({ timeout: 5 });
  }
};
