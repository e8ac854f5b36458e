import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scenarios as registered } from '../scenarios/index';
import { singleConnection } from '../../db/client';
import { sampleBackground, trackPostgres } from './cpu';
import { setQuietBudget } from './load';
import { createBenchDatabase, startBenchServer, type BenchDatabase } from './database';
import { renderMarkdownTable, renderTable } from './format';
import { describeMachine, machineLine, type MachineInfo } from './machine';
import type { Scenario, ScenarioResult } from './types';

export const defaultResultsDir = path.resolve(import.meta.dirname, '../results');

export type RunOptions = {
  /** Scenario names; when empty, all registered ones (diagnostics only in a smoke run). */
  readonly names?: readonly string[];
  readonly smoke?: boolean;
  readonly cellSeconds?: number;
  readonly writers?: readonly number[];
  /** Log size for scenarios that generate one. */
  readonly events?: number;
  /** Seconds per scenario that cells may wait for other processes on the machine to quieten. */
  readonly waitQuietSeconds?: number;
  /** A server to create the scenario databases on; else DATABASE_URL, else an embedded Postgres per scenario. */
  readonly adminUrl?: string;
  /** Where the JSON goes; false writes none (the default in smoke mode). */
  readonly resultsDir?: string | false;
  /** Recorded in the JSON so a figure can be reproduced. */
  readonly command?: string;
  readonly print?: (text: string) => void;
  readonly scenarios?: readonly Scenario[];
};

export type ScenarioOutcome =
  | { readonly name: string; readonly ok: true; readonly seconds: number; readonly result: ScenarioResult; readonly machine: MachineInfo; readonly file?: string }
  | { readonly name: string; readonly ok: false; readonly seconds: number; readonly error: unknown };

export class UnknownScenarioError extends Error {}

/** The named scenarios; with no names every one, less the diagnostics unless `withDiagnostics`. */
export const selectScenarios = (names: readonly string[] = [], all: readonly Scenario[] = registered, withDiagnostics = false): Scenario[] => {
  if (names.length === 0) return all.filter((s) => withDiagnostics || !s.diagnostic);
  return names.map((name) => {
    const found = all.find((s) => s.name === name);
    if (!found) throw new UnknownScenarioError(`Unknown scenario "${name}"; known: ${all.map((s) => s.name).join(', ')}`);
    return found;
  });
};

let cleanupOnSignal: (() => Promise<void>) | undefined;
let signalHooked = false;
const hookSignals = () => {
  if (signalHooked) return;
  signalHooked = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      const cleanup = cleanupOnSignal ?? (async () => {});
      void cleanup().finally(() => process.exit(130));
    });
  }
};

/** Finds the server's processes through a live backend, for the CPU columns (local servers only). */
const trackPostgresOf = async (url: string): Promise<void> => {
  const sql = singleConnection(url);
  try {
    const [row] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    trackPostgres(row?.pid);
  } finally {
    await sql.end({ timeout: 5 });
  }
};

const timestamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * Runs each scenario on a database of its own: a fresh embedded Postgres (real durability) or a
 * fresh `orderflow_bench_<random>` database on the given server, migrated, dropped afterwards.
 * A scenario that throws is reported and the others still run.
 */
export const runScenarios = async (options: RunOptions = {}): Promise<ScenarioOutcome[]> => {
  const print = options.print ?? ((text: string) => console.log(text));
  const smoke = options.smoke ?? false;
  const resultsDir = options.resultsDir ?? (smoke ? false : defaultResultsDir);
  const selected = selectScenarios(options.names, options.scenarios, smoke);
  const outcomes: ScenarioOutcome[] = [];
  hookSignals();

  for (const scenario of selected) {
    const started = Date.now();
    const log = (line: string) => print(`  [${scenario.name}] ${line}`);
    print(`\n=== ${scenario.name}${smoke ? ' (smoke)' : ''}: ${scenario.description}`);
    let stopServer = async () => {};
    let dropDatabase = async () => {};
    const cleanup = async () => {
      await dropDatabase().catch((e: unknown) => print(`  could not drop the bench database: ${String(e)}`));
      await stopServer().catch((e: unknown) => print(`  could not stop Postgres: ${String(e)}`));
      dropDatabase = stopServer = async () => {};
    };
    cleanupOnSignal = cleanup;
    try {
      const server = options.adminUrl
        ? { adminUrl: options.adminUrl, kind: 'external' as const, stop: async () => {} }
        : await startBenchServer(() => {});
      stopServer = () => server.stop();
      const database = await createBenchDatabase(server.adminUrl);
      const extra: BenchDatabase[] = [];
      dropDatabase = async () => {
        // Every one is dropped even when another could not be; the first failure is reported.
        const drops = await Promise.allSettled([database, ...extra].map((db) => db.drop()));
        const failed = drops.find((drop): drop is PromiseRejectedResult => drop.status === 'rejected');
        if (failed) throw failed.reason;
      };
      const createDatabase = async () => {
        const db = await createBenchDatabase(server.adminUrl);
        extra.push(db);
        return db.url;
      };
      const machine = await describeMachine(database.url, server.kind);
      log(machineLine(machine));
      await trackPostgresOf(database.url);
      setQuietBudget(smoke ? 0 : (options.waitQuietSeconds ?? 0));
      const background = smoke ? undefined : await sampleBackground(1000);
      if (background && background.machineBusyPct > 10) {
        log(
          `WARNING: the machine is ${Math.round(background.machineBusyPct)}% busy before the scenario starts ` +
            '(other processes): figures will be low and noisy; the cells record it as backgroundPct',
        );
      }

      const result = await scenario.run({
        url: database.url,
        createDatabase,
        smoke,
        log,
        ...(options.cellSeconds !== undefined ? { cellSeconds: options.cellSeconds } : {}),
        ...(options.writers ? { writers: options.writers } : {}),
        ...(options.events !== undefined ? { events: options.events } : {}),
      });
      const seconds = (Date.now() - started) / 1000;
      for (const table of result.tables) print(`\n${renderTable(table)}`);

      const report = {
        scenario: scenario.name,
        description: scenario.description,
        date: new Date().toISOString(),
        command: options.command ?? null,
        smoke,
        seconds,
        machine,
        backgroundBeforeRun: background ?? null,
        tables: result.tables,
        markdown: result.tables.map(renderMarkdownTable).join('\n\n'),
        data: result.data,
      };
      const json = JSON.stringify(report, null, 2);
      let file: string | undefined;
      if (resultsDir) {
        await mkdir(resultsDir, { recursive: true });
        file = path.join(resultsDir, `${timestamp()}-${scenario.name}.json`);
        await writeFile(file, `${json}\n`);
        print(`\n  wrote ${path.relative(process.cwd(), file)}`);
      }
      print(`  ${scenario.name} took ${seconds.toFixed(1)} s`);
      outcomes.push({ name: scenario.name, ok: true, seconds, result, machine, ...(file ? { file } : {}) });
    } catch (error) {
      const seconds = (Date.now() - started) / 1000;
      print(`  ${scenario.name} FAILED after ${seconds.toFixed(1)} s: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      outcomes.push({ name: scenario.name, ok: false, seconds, error });
    } finally {
      trackPostgres(undefined);
      await cleanup();
      cleanupOnSignal = undefined;
    }
  }
  return outcomes;
};
