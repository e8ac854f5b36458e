import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { singleConnection, withDatabase } from '@/db/client';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../db/migrate';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

const root = path.resolve(import.meta.dirname, '..', '..');

/** The embedded Postgres runs in a child process: see scripts/embedded-postgres-process.ts. */
const startPostgresProcess = async (dataDir: string) => {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/embedded-postgres-process.ts', dataDir], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`embedded Postgres exited with ${code}`)));
  });
  const { url } = JSON.parse(firstLine) as { url: string };
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
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
    const pg = await startPostgresProcess(dataDir);
    adminUrl = pg.url;
    stopPostgres = pg.stop;
  }
  const templateDatabase = `orderflow_template_${process.pid}`;
  const admin = singleConnection(adminUrl);
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
