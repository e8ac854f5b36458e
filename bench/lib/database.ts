import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { singleConnection, withDatabase } from '../../db/client';
import { runMigrations } from '../../db/migrate';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres';
import { postgresTempDir } from '../../scripts/postgres-temp-dir';

export type BenchServer = {
  readonly adminUrl: string;
  readonly kind: 'embedded' | 'external';
  stop(): Promise<void>;
};

export type BenchDatabase = {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
};

/**
 * `DATABASE_URL` when set, else a fresh embedded Postgres in a temp folder with its default,
 * crash-safe settings (fsync and synchronous_commit on): benchmarks measure real commits.
 */
export const startBenchServer = async (log: (line: string) => void): Promise<BenchServer> => {
  const external = process.env.DATABASE_URL;
  if (external) return { adminUrl: external, kind: 'external', stop: async () => {} };

  const dir = postgresTempDir('orderflow-bench-');
  // On Ctrl-C embedded-postgres stops the cluster and exits the process itself: the folder goes then.
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeOnExit);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), log: (line) => log(`[postgres] ${line}`) });
  return {
    adminUrl: pg.url,
    kind: 'embedded',
    stop: async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
      process.off('exit', removeOnExit);
    },
  };
};

/** `orderflow_bench_<random>` on the server, migrated; `drop` removes it even with open sessions. */
export const createBenchDatabase = async (adminUrl: string): Promise<BenchDatabase> => {
  const name = `orderflow_bench_${randomBytes(5).toString('hex')}`;
  const admin = singleConnection(adminUrl);
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = withDatabase(adminUrl, name);
  const drop = async () => {
    const cleanup = singleConnection(adminUrl);
    try {
      await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await cleanup.end({ timeout: 5 });
    }
  };
  try {
    await runMigrations(url);
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { name, url, drop };
};
