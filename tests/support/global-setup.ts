import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../db/migrate';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

/**
 * One Postgres for the run (the embedded one, or TEST_DATABASE_URL), one migrated template
 * database; every test file clones the template into a database of its own.
 */
export default async function setup(project: TestProject) {
  let stopPostgres = async () => {};
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-test-pg-'));
    const pg = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    adminUrl = pg.url;
    stopPostgres = pg.stop;
  }
  const templateDatabase = `orderflow_template_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${templateDatabase}`);
  await runMigrations(withDatabase(adminUrl, templateDatabase));

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);

  return async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await stopPostgres();
  };
}
