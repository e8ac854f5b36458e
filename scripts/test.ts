/**
 * `npm test`: unit and integration specs (vitest, real Postgres), the benchmark smoke run, then
 * the Playwright end-to-end suite in Chromium. It finds a browser itself: Playwright's own when
 * installed, else the system Chromium, installing Debian's package when neither is there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

const reports = path.join(root, 'test-results', 'reports');
const totals = { passed: 0, failed: 0, skipped: 0 };

/** Adds a level's counts from its JSON report (vitest and Playwright each write one). */
const count = (label: string, reportFile: string, read: (json: any) => { passed: number; failed: number; skipped: number }) => {
  if (!existsSync(reportFile)) return;
  const counts = read(JSON.parse(readFileSync(reportFile, 'utf8')));
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  console.log(`${label}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
};

const summary = () => `Tests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`;

const run = (label: string, command: string, args: string[], env: Record<string, string> = {}) => {
  console.log(`\n▶ ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
};

const fail = (label: string) => {
  console.error(`✗ ${label} failed`);
  console.log(summary());
  process.exit(1);
};

const vitestLevel = (level: 'unit' | 'int', label: string) => {
  const report = path.join(reports, `vitest-${level}.json`);
  const ok = run(label, bin('vitest'), ['run', '--project', level, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  count(label, report, (json) => ({ passed: json.numPassedTests, failed: json.numFailedTests, skipped: json.numPendingTests + json.numTodoTests }));
  if (!ok) fail(label);
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
  mkdirSync(reports, { recursive: true });
  if (!only || only === 'unit') vitestLevel('unit', 'Unit specs');
  if (!only || only === 'int') vitestLevel('int', 'Integration specs (real Postgres)');
  if (!only || only === 'e2e') {
    const browser = await findBrowser();
    const label = 'End-to-end specs (Playwright, Chromium)';
    const report = path.join(reports, 'playwright.json');
    // playwright.config.ts gives the end-to-end server a data folder of its own and removes it.
    const ok = run(label, bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_CHROMIUM_PATH: browser, PLAYWRIGHT_JSON_OUTPUT_NAME: report });
    count(label, report, (json) => ({ passed: json.stats.expected, failed: json.stats.unexpected + json.stats.flaky, skipped: json.stats.skipped }));
    if (!ok) fail(label);
  }
  console.log(`\n✓ All test suites passed\n${summary()}`);
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
