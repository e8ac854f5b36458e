/**
 * `npm run db:migrate`: applies the migrations in db/migrations to DATABASE_URL, or to the
 * embedded Postgres `npm start` uses when it is unset, and exits. `npm start` migrates on its own;
 * this is for a database an engineer runs elsewhere, before the app is rolled out to it.
 */
import path from 'node:path';
import { runMigrations } from '../db/migrate';
import { env } from '../server/env';
import { startEmbeddedPostgres } from './embedded-postgres';

const main = async () => {
  const config = env();
  if (config.DATABASE_URL) {
    await runMigrations(config.DATABASE_URL);
    console.log('Migrated the database at DATABASE_URL.');
    return;
  }
  const dataDir = path.resolve(import.meta.dirname, '..', config.ORDERFLOW_DATA_DIR, 'postgres');
  const pg = await startEmbeddedPostgres({ dataDir });
  try {
    await runMigrations(pg.url);
    console.log(`Migrated the embedded Postgres (data in ${dataDir}).`);
  } finally {
    await pg.stop();
  }
};

// process.exit, not exitCode: embedded-postgres's exit hook would end the process with 0.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
