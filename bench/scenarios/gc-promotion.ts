import { spawn } from 'node:child_process';
import path from 'node:path';
import { formatRatio } from '../lib/format';
import { promotionBetween, type Promotion } from '../lib/gc-trace';
import { MEASURE_FROM, MEASURE_TO, promotionPatterns, RESULT_PREFIX, type PromotionPattern } from '../lib/promotion-patterns';
import { median } from '../lib/stats';
import type { Scenario } from '../lib/types';

/**
 * Why the live server collects its old generation every few seconds: of what postgres.js
 * allocates per statement, how much is promoted (outlives two scavenges), by the way statements
 * are sent. Each pattern runs in a fresh node process with --trace-gc-nvp and a small young
 * generation (many scavenges per run); several runs each, since in earlier trials some shapes
 * promoted most of their statements in one run and almost none in the next (the spread column).
 */
const SEMI_SPACE_MB = 4;
const root = path.resolve(import.meta.dirname, '..', '..');

type Run = Promotion & { iterations: number; ms: number };

const runChild = (url: string, pattern: PromotionPattern, iterations: number): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--trace-gc-nvp', `--max-semi-space-size=${SEMI_SPACE_MB}`, '--import', 'tsx', 'bench/lib/promotion-child.ts', url, pattern.name, String(iterations)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`gc-promotion child (${pattern.name}) exited with ${code}: ${err.slice(-2_000)}`));
      try {
        const figures = out.split('\n').find((line) => line.startsWith(RESULT_PREFIX));
        if (!figures) throw new Error(`gc-promotion child (${pattern.name}) printed no result line`);
        const { ms } = JSON.parse(figures.slice(RESULT_PREFIX.length)) as { ms: number };
        resolve({ ...promotionBetween(out, MEASURE_FROM, MEASURE_TO), iterations, ms });
      } catch (error) {
        reject(error);
      }
    });
  });

const percent = (run: Run) => (run.allocatedBytes === 0 ? 0 : (100 * run.promotedBytes) / run.allocatedBytes);
const kb = (bytes: number) => (bytes / 1024).toFixed(2);

export const gcPromotionScenario: Scenario = {
  name: 'gc-promotion',
  description: "diagnostic: how much of postgres.js's per-statement allocation is promoted to the old generation, by the way statements are sent",
  diagnostic: true,
  async run(ctx) {
    const iterations = ctx.smoke ? 300 : 20_000;
    const runs = ctx.smoke ? 1 : 3;
    const results: { pattern: PromotionPattern; runs: Run[] }[] = [];
    for (const pattern of promotionPatterns) {
      const done: Run[] = [];
      for (let r = 0; r < runs; r++) {
        const run = await runChild(ctx.url, pattern, iterations);
        done.push(run);
        ctx.log(`${pattern.name} run ${r + 1}: ${run.scavenges} scavenges, ${kb(run.allocatedBytes / iterations)} KB allocated and ${kb(run.promotedBytes / iterations)} KB promoted per iteration (${percent(run).toFixed(1)}%)`);
      }
      results.push({ pattern, runs: done });
    }
    const baseline = median(results[0]!.runs.map(percent));
    const rows = results.map(({ pattern, runs: done }) => {
      const percents = done.map(percent).sort((a, b) => a - b);
      return [
        pattern.name,
        pattern.driver,
        String(pattern.statementsPerIteration),
        String(done.length),
        kb(median(done.map((run) => run.allocatedBytes / run.iterations))),
        kb(median(done.map((run) => run.promotedBytes / run.iterations))),
        `${percents[0]!.toFixed(1)} / ${median(percents).toFixed(1)} / ${percents[percents.length - 1]!.toFixed(1)}`,
        formatRatio(baseline === 0 ? Number.NaN : median(percents) / baseline),
        median(done.map((run) => (1000 * run.ms) / run.iterations)).toFixed(0),
      ];
    });
    return {
      tables: [
        {
          title: `gc-promotion: of what each way of sending statements allocates, the share promoted to the old generation (node ${process.version}, --max-semi-space-size=${SEMI_SPACE_MB})`,
          columns: ['pattern', 'driver', 'statements', 'runs', 'KB alloc/iter', 'KB promoted/iter', 'promoted % min / median / max', 'vs one-statement', 'µs/iter'],
          rows,
          notes: [
            ...promotionPatterns.map((p) => `${p.name}: ${p.what}.`),
            `Each run: a fresh node process, ${iterations.toLocaleString('en-US')} iterations after a warm-up, one at a time, in an async function; figures from its --trace-gc-nvp scavenge lines (allocated, promoted) between two markers.`,
            'Promoted objects outlive two scavenges and stay until a mark-compact: in the live server, a mark-compact every few seconds whose background marking shows as a burst of late deliveries (docs/benchmarks.md).',
          ],
        },
      ],
      data: results.map(({ pattern, runs: done }) => ({ pattern: pattern.name, runs: done })),
    };
  },
};
