import { rmSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';
import { postgresTempDir } from './scripts/postgres-temp-dir';

/**
 * End-to-end specs against the real server (`scripts/start.ts`): embedded Postgres in a fresh
 * folder per run, so every run starts from the seeded demo data.
 */
const PORT = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${PORT}`;
// The config is evaluated in the runner and in each worker: the runner creates the folder and
// passes it on, and removes it when it exits, after it has stopped the server. A folder named by
// the caller is left as it is.
if (!process.env.E2E_DATA_DIR) {
  const dataDir = postgresTempDir('orderflow-e2e-');
  process.env.E2E_DATA_DIR = dataDir;
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
}

export default defineConfig({
  testDir: './tests/e2e',
  testMatch: '**/*.e2e.spec.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]] : [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1280, height: 900 },
        launchOptions: {
          executablePath: process.env.PLAYWRIGHT_CHROMIUM_PATH || undefined,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        },
      },
    },
  ],
  webServer: {
    // A DATABASE_URL from the environment would point the server at a shared database: drop it.
    command: 'env -u DATABASE_URL npx tsx scripts/start.ts',
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    // The server stops its embedded Postgres on SIGTERM (a kill would leave its socket and lock in /tmp).
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(PORT),
      HOST: '127.0.0.1',
      ORDERFLOW_DATA_DIR: process.env.E2E_DATA_DIR,
    },
  },
});
