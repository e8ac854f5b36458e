/**
 * `npm test`: unit and integration specs (vitest, real Postgres), the benchmark smoke run, then
 * the Playwright end-to-end suite in Chromium. It finds a browser itself: Playwright's own when
 * installed, else the system Chromium, installing Debian's package when neither is there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

const run = (label: string, command: string, args: string[], env: Record<string, string> = {}) => {
  console.log(`\n▶ ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`✗ ${label} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
};

const playwrightChromium = async (): Promise<string | undefined> => {
  try {
    const { chromium } = await import('@playwright/test');
    const candidate = chromium.executablePath();
    return candidate && existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
};

const findBrowser = async (): Promise<string> => {
  if (process.env.PLAYWRIGHT_CHROMIUM_PATH && existsSync(process.env.PLAYWRIGHT_CHROMIUM_PATH)) return process.env.PLAYWRIGHT_CHROMIUM_PATH;
  const own = await playwrightChromium();
  if (own) return own;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (existsSync(candidate)) return candidate;
  console.log('No Chromium found: installing Debian’s chromium package…');
  execFileSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new Error('Could not find or install Chromium for the end-to-end tests');
};

const main = async () => {
  const only = process.argv[2];
  if (!only || only === 'unit') run('Unit specs', bin('vitest'), ['run', '--project', 'unit']);
  if (!only || only === 'int') run('Integration specs (real Postgres)', bin('vitest'), ['run', '--project', 'int']);
  if (!only || only === 'e2e') {
    const browser = await findBrowser();
    run('End-to-end specs (Playwright, Chromium)', bin('playwright'), ['test'], { PLAYWRIGHT_CHROMIUM_PATH: browser });
  }
  console.log('\n✓ All test suites passed');
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
