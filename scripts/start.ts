/**
 * `npm start`: a real Postgres (embedded unless DATABASE_URL is set), migrations, demo data once,
 * the background workers, and one HTTP server for the UI, the API and the live channel.
 * Flags: --dev (Next in development mode), --no-ui (API and WebSocket only), --no-seed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { runMigrations } from '../db/migrate';
import { seedDemoOrders } from '../server/catalog/demo-orders';
import { seedDemoData } from '../server/catalog/seed';
import { env } from '../server/env';
import { createServer, type PageHandler } from '../server/http/create-server';
import { createOrderflow, startWorkers } from '../server/orderflow';
import { configuredPostgres } from './embedded-postgres';

const root = path.resolve(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const dev = args.has('--dev');
const withUi = !args.has('--no-ui');

const newestSource = (dir: string): number => {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
};

/** Builds the UI when there is no build yet or a page, component or config is newer than it. */
const buildIfNeeded = () => {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  const sources = ['app', 'components', 'server', 'next.config.js', 'package.json'].map((p) => path.join(root, p));
  const newest = Math.max(...sources.map((p) => (existsSync(p) && statSync(p).isDirectory() ? newestSource(p) : existsSync(p) ? statSync(p).mtimeMs : 0)));
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= newest) return;
  console.log('Building the UI (next build)…');
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('next build failed');
};

const main = async () => {
  const config = env();
  const { url: databaseUrl, stop: stopPostgres } = await configuredPostgres(config, (dataDir) =>
    console.log(`Starting the embedded Postgres (data in ${dataDir})…`),
  );
  await runMigrations(databaseUrl);
  const app = await createOrderflow({
    databaseUrl,
    poolSize: config.DB_POOL_SIZE,
    live: { flushMs: config.LIVE_FLUSH_MS },
  });
  if (config.ORDERFLOW_WORKERS === '1') startWorkers(app);
  if (!args.has('--no-seed')) {
    await seedDemoData(app);
    await seedDemoOrders(app);
  }

  let pages: PageHandler | undefined;
  if (withUi) {
    if (!dev) buildIfNeeded();
    const { default: next } = await import('next');
    const nextApp = next({ dev, dir: root, hostname: 'localhost', port: config.PORT });
    await nextApp.prepare();
    const handle = nextApp.getRequestHandler();
    pages = (req, res) => handle(req, res);
  }
  const http = createServer(app, { pages, health: app.healthContributors });
  await new Promise<void>((resolve) => http.server.listen(config.PORT, config.HOST, resolve));
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  console.log(`Orderflow is running at http://localhost:${port} (API ${'/api/trpc'}, live ${'/api/ws'})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down…`);
    await http.close().catch(() => {});
    await app.close().catch(() => {});
    await stopPostgres().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
};

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
