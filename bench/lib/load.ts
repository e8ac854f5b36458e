import { performance } from 'node:perf_hooks';
import { cpuBetween, cpuSnapshot, sampleBackground, type CpuSnapshot, type CpuSummary } from './cpu';
import { LatencyRecorder, type LatencySummary } from './stats';

export type ClosedLoopOptions = {
  /** Concurrent workers, each running one operation after the other. */
  readonly workers: number;
  /** Run but not measured: opens connections, warms caches and prepared statements. */
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Events one operation writes (throughput is reported in events/s). */
  readonly eventsPerOp?: number;
};

export type ClosedLoopResult = LatencySummary & {
  readonly workers: number;
  readonly seconds: number;
  /** Operations completed inside the measured window. */
  readonly ops: number;
  /** Every operation that completed, warm-up and tail included (for row-count checks). */
  readonly totalOps: number;
  readonly opsPerSec: number;
  readonly eventsPerSec: number;
  /** CPU per operation over the measured window (Linux); absent where /proc/stat is not there. */
  readonly cpu?: CpuSummary;
};

/**
 * Closed-loop load: `workers` loops call `op` back to back until the window ends. An operation
 * counts (throughput and latency) when it completes inside the measured window, which is unbiased
 * for throughput in steady state. The first error stops every worker and is rethrown: a benchmark
 * whose appends fail measures nothing.
 */
export const runClosedLoop = async (
  options: ClosedLoopOptions,
  op: (worker: number, iteration: number) => Promise<void>,
): Promise<ClosedLoopResult> => {
  const latencies = new LatencyRecorder();
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  let totalOps = 0;
  let failure: { error: unknown } | undefined;
  // CPU is sampled on timers at the window's edges, with the operations completed by then.
  let windowStart: { cpu: CpuSnapshot; ops: number } | undefined;
  let windowEnd: { cpu: CpuSnapshot; ops: number } | undefined;
  const startTimer = setTimeout(() => (windowStart = { cpu: cpuSnapshot(), ops: totalOps }), options.warmupMs);
  const endTimer = setTimeout(() => (windowEnd = { cpu: cpuSnapshot(), ops: totalOps }), options.warmupMs + options.durationMs);

  const worker = async (index: number) => {
    for (let iteration = 0; !failure; iteration++) {
      const t0 = performance.now();
      if (t0 >= stopAt) return;
      try {
        await op(index, iteration);
      } catch (error) {
        failure ??= { error };
        return;
      }
      const t1 = performance.now();
      totalOps++;
      if (t1 >= measureFrom && t1 <= stopAt) latencies.record(t1 - t0);
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, i) => worker(i)));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  if (failure) throw failure.error;
  windowEnd ??= { cpu: cpuSnapshot(), ops: totalOps };

  const seconds = options.durationMs / 1000;
  const summary = latencies.summary();
  const opsPerSec = summary.count / seconds;
  const cpu = windowStart ? cpuBetween(windowStart.cpu, windowEnd.cpu, windowEnd.ops - windowStart.ops) : undefined;
  return {
    ...(cpu ? { cpu } : {}),
    ...summary,
    workers: options.workers,
    seconds,
    ops: summary.count,
    totalOps,
    opsPerSec,
    eventsPerSec: opsPerSec * (options.eventsPerOp ?? 1),
  };
};

/** Other processes above this share of the machine during a cell make it noisy. */
export const NOISY_BACKGROUND_PCT = 10;

let quietBudgetMs = 0;

/** `--wait-quiet=N`: up to N seconds per scenario spent waiting for other processes to calm down. */
export const setQuietBudget = (seconds: number): void => {
  quietBudgetMs = seconds * 1000;
};

/** Waits, within the scenario's budget, until other processes use under NOISY_BACKGROUND_PCT. */
const waitForQuiet = async (log: (line: string) => void): Promise<void> => {
  if (quietBudgetMs <= 0) return;
  const started = Date.now();
  let sample = await sampleBackground(500);
  while (sample && sample.backgroundPct > NOISY_BACKGROUND_PCT && quietBudgetMs > 0) {
    sample = await sampleBackground(1000);
    quietBudgetMs -= 1000;
  }
  const waited = Date.now() - started;
  if (waited > 1500) log(`waited ${(waited / 1000).toFixed(0)} s for the machine to quieten (${Math.round(quietBudgetMs / 1000)} s of budget left)`);
};

/**
 * Runs a cell, and once more (after a short pause) when other processes took more than
 * NOISY_BACKGROUND_PCT of the machine during it; keeps the quieter attempt. `attempt` gets the
 * attempt number so it can use fresh stream ids. Bounded: at most `maxAttempts` runs.
 */
export const quietest = async <T extends { readonly cpu?: { readonly backgroundPct: number } }>(
  attempt: (n: number) => Promise<T>,
  options: { maxAttempts: number; log: (line: string) => void; label: string },
): Promise<T & { attempts: number; noisy: boolean }> => {
  let best: T | undefined;
  let attempts = 0;
  const noise = (r: T) => (Number.isNaN(r.cpu?.backgroundPct ?? Number.NaN) ? 0 : r.cpu!.backgroundPct);
  while (attempts < options.maxAttempts) {
    if (attempts > 0 && quietBudgetMs <= 0) await new Promise((resolve) => setTimeout(resolve, 2000));
    await waitForQuiet(options.log);
    const result = await attempt(attempts++);
    if (!best || noise(result) < noise(best)) best = result;
    if (noise(best) <= NOISY_BACKGROUND_PCT || options.maxAttempts === 1) break;
    options.log(`${options.label}: other processes took ${Math.round(noise(result))}% of the machine${attempts < options.maxAttempts ? '; running it again' : ''}`);
  }
  return { ...best!, attempts, noisy: noise(best!) > NOISY_BACKGROUND_PCT };
};
