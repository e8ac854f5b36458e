/**
 * The benchmark harness. `npm run bench` runs every scenario but the diagnostics (append-profile),
 * `npm run bench -- append` one, `--smoke` all of them for about a second each (exit 0 when
 * every scenario ran).
 * See docs/benchmarks.md.
 */
import { scenarios } from './scenarios/index';
import { runScenarios, UnknownScenarioError } from './lib/runner';

const usage = `Usage: npm run bench -- [scenario ...] [--smoke] [--seconds=N] [--writers=1,4,16] [--events=N] [--list]

  scenario       run only these (default: all but the diagnostics): ${scenarios.map((s) => s.name + (s.diagnostic ? ' (diagnostic)' : '')).join(', ')}
  --smoke        every cell for a fraction of a second with tiny sizes; writes no JSON
  --seconds=N    measured seconds per cell (default per scenario)
  --writers=a,b  writer counts for scenarios that sweep them
  --events=N     log size for scenarios that generate one (projection-rebuild; default 1,000,000)
  --wait-quiet=N before each cell, wait (up to N s per scenario in all) while other processes
                 keep more than 10% of the machine busy; a noisy cell is run twice regardless
  --list         list the scenarios and exit

Env: DATABASE_URL=postgres://... creates orderflow_bench_<random> on that server instead of
starting an embedded Postgres (real fsync) per scenario.`;

const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  const names: string[] = [];
  let smoke = false;
  let cellSeconds: number | undefined;
  let writers: number[] | undefined;
  let waitQuietSeconds: number | undefined;
  let events: number | undefined;
  for (const arg of args) {
    const [flag, value] = arg.split('=', 2) as [string, string | undefined];
    if (flag === '--smoke') smoke = true;
    else if (flag === '--help' || flag === '-h') {
      console.log(usage);
      return 0;
    } else if (flag === '--list') {
      for (const s of scenarios) console.log(`${s.name.padEnd(20)} ${s.diagnostic ? '(diagnostic, run by name) ' : ''}${s.description}`);
      return 0;
    } else if (flag === '--seconds' && value && Number(value) > 0) cellSeconds = Number(value);
    else if (flag === '--writers' && value && value.split(',').every((w) => Number.isInteger(Number(w)) && Number(w) > 0)) {
      writers = value.split(',').map(Number);
    } else if (flag === '--events' && value && Number.isInteger(Number(value)) && Number(value) > 0) events = Number(value);
    else if (flag === '--wait-quiet' && value && Number(value) >= 0) waitQuietSeconds = Number(value);
    else if (!arg.startsWith('-')) names.push(arg);
    else {
      console.error(`Unknown option ${arg}\n\n${usage}`);
      return 2;
    }
  }
  try {
    const outcomes = await runScenarios({
      names,
      smoke,
      ...(cellSeconds !== undefined ? { cellSeconds } : {}),
      ...(writers ? { writers } : {}),
      ...(waitQuietSeconds !== undefined ? { waitQuietSeconds } : {}),
      ...(events !== undefined ? { events } : {}),
      command: ['tsx bench/run.ts', ...args].join(' '),
    });
    const failed = outcomes.filter((o) => !o.ok);
    console.log(`\n${outcomes.length - failed.length} scenario(s) ran, ${failed.length} failed${failed.length ? `: ${failed.map((o) => o.name).join(', ')}` : ''}`);
    return failed.length ? 1 : 0;
  } catch (error) {
    if (error instanceof UnknownScenarioError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
};

// Exit explicitly: a pool some scenario forgot to end must not keep the smoke run alive.
process.exit(await main());
