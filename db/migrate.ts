import path from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { createDb, createSql, type Sql } from './client';

export const migrationsFolder = path.resolve(import.meta.dirname, 'migrations');

/** The newest migration this build ships, as drizzle reads the journal (it records each applied one by that date). */
const newestKnownMigration = (): number => Math.max(...readMigrationFiles({ migrationsFolder }).map((migration) => migration.folderMillis));

/** The database was migrated by a newer build: this one would write rows in shapes the newer code no longer reads. */
export class SchemaAheadError extends Error {
  constructor(
    readonly appliedAt: number,
    readonly newestKnown: string,
  ) {
    super(
      `This database has a migration newer than this build knows (applied one dated ${new Date(appliedAt).toISOString()}; ` +
        `this build's newest is dated ${newestKnown}). Run the newer Orderflow, or restore a database of this version.`,
    );
    this.name = 'SchemaAheadError';
  }
}

/** Refuses a database a newer build has migrated (drizzle would apply nothing and let the old code run). */
const assertSchemaNotAhead = async (sql: Sql): Promise<void> => {
  const known = newestKnownMigration();
  const [row] = await sql<{ created_at: number }[]>`
    SELECT max(created_at)::bigint AS created_at FROM drizzle.__drizzle_migrations`;
  const applied = row?.created_at ?? 0;
  if (applied > known) throw new SchemaAheadError(applied, new Date(known).toISOString());
};

/**
 * Applies drizzle-kit migrations, then refuses to go on if the database is ahead of this build
 * (SchemaAheadError). One connection holds an advisory lock for the whole run, so two
 * processes starting at once on one database do not race.
 */
export const runMigrations = async (url: string): Promise<void> => {
  const sql = createSql(url, { max: 1 });
  try {
    await sql`SELECT pg_advisory_lock(hashtext('orderflow:migrations'))`;
    await migrate(createDb(sql), { migrationsFolder });
    await assertSchemaNotAhead(sql);
    await sql`SELECT pg_advisory_unlock(hashtext('orderflow:migrations'))`;
  } finally {
    await sql.end({ timeout: 5 });
  }
};
