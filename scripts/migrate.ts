/**
 * `npm run db:migrate`: applies the migrations in db/migrations to DATABASE_URL, or to the
 * embedded Postgres `npm start` uses when it is unset, and exits. `npm start` migrates on its own;
 * this is for a database an engineer runs elsewhere, before the app is rolled out to it.
 */
import { runMigrations } from '../db/migrate';
import { env } from '../server/env';
import { configuredPostgres } from './embedded-postgres';

const main = async () => {
  const config = env();
  let where = 'the database at DATABASE_URL';
  const pg = await configuredPostgres(config, (dataDir) => (where = `the embedded Postgres (data in ${dataDir})`));
  try {
    await runMigrations(pg.url);
    console.log(`Migrated ${where}.`);
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
