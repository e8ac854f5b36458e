import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * CPU accounting for a cell, from /proc (Linux; everything is undefined elsewhere): this Node
 * process, the Postgres server when it runs on this machine (postmaster and every child), and the
 * rest of the machine, which on a shared box is other people's work and makes a cell unreliable.
 */
const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on every Linux we run on

const readStat = (pid: number | 'self'): string[] | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces: fields resume after the last ')'
    const close = text.lastIndexOf(')');
    return [text.slice(text.indexOf('(') + 1, close), ...text.slice(close + 2).trim().split(' ')];
  } catch {
    return undefined;
  }
};

const machineTicks = (): { busy: number; total: number } | undefined => {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
};

let postmasterPid: number | undefined;

/**
 * Attributes CPU to the Postgres server whose backend has this pid, when that backend is a local
 * `postgres` process (an embedded server, or DATABASE_URL on localhost). Cleared with undefined.
 */
export const trackPostgres = (backendPid: number | undefined): void => {
  postmasterPid = undefined;
  if (backendPid === undefined) return;
  const backend = readStat(backendPid);
  // after comm: state, ppid
  if (backend?.[0] !== 'postgres') return;
  const parent = Number(backend[2]);
  if (readStat(parent)?.[0] === 'postgres') postmasterPid = parent;
};

/** utime+stime of the postmaster and its live children, plus what it reaped (cutime+cstime). */
const postgresTicks = (): number | undefined => {
  if (postmasterPid === undefined) return undefined;
  const own = readStat(postmasterPid);
  if (!own) return undefined;
  // fields after comm: 1 state, 2 ppid, ... 12 utime, 13 stime, 14 cutime, 15 cstime
  let ticks = Number(own[12]) + Number(own[13]) + Number(own[14]) + Number(own[15]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && Number(stat[2]) === postmasterPid) ticks += Number(stat[12]) + Number(stat[13]);
  }
  return ticks;
};

export type CpuSnapshot = {
  readonly at: number;
  readonly node: NodeJS.CpuUsage;
  readonly machine: ReturnType<typeof machineTicks>;
  readonly postgres: number | undefined;
};

export const cpuSnapshot = (): CpuSnapshot => ({
  at: performance.now(),
  node: process.cpuUsage(),
  machine: machineTicks(),
  postgres: postgresTicks(),
});

export type CpuSummary = {
  /** This Node process per operation: our code, the driver, JSON, validation, socket syscalls. */
  readonly nodeUsPerOp: number;
  /** The Postgres server per operation (backends, WAL writer, checkpointer...), when local. */
  readonly postgresUsPerOp?: number;
  /** Everything else per operation: other processes on the machine, unattributed kernel work. */
  readonly otherUsPerOp: number;
  /** Busy share of all cores over the window, 0-100. */
  readonly machineBusyPct: number;
  /** Busy share of all cores spent outside Node and Postgres, 0-100: above ~10 the cell is noisy. */
  readonly backgroundPct: number;
};

export const cpuBetween = (a: CpuSnapshot, b: CpuSnapshot, ops: number): CpuSummary | undefined => {
  if (!a.machine || !b.machine || ops === 0) return undefined;
  const totalTicks = b.machine.total - a.machine.total;
  if (totalTicks <= 0) return undefined;
  const capacityUs = totalTicks * TICK_US; // /proc/stat's first line adds up every core
  const busyUs = (b.machine.busy - a.machine.busy) * TICK_US;
  const nodeUs = b.node.user - a.node.user + (b.node.system - a.node.system);
  const postgresUs = a.postgres !== undefined && b.postgres !== undefined ? (b.postgres - a.postgres) * TICK_US : undefined;
  const otherUs = Math.max(0, busyUs - nodeUs - (postgresUs ?? 0));
  return {
    nodeUsPerOp: nodeUs / ops,
    ...(postgresUs !== undefined ? { postgresUsPerOp: postgresUs / ops } : {}),
    otherUsPerOp: otherUs / ops,
    machineBusyPct: (busyUs / capacityUs) * 100,
    backgroundPct: postgresUs !== undefined ? (otherUs / capacityUs) * 100 : Number.NaN,
  };
};

/** How busy the machine is while this harness does nothing: a quiet machine reads under ~5%. */
export const sampleBackground = async (ms = 1000): Promise<CpuSummary | undefined> => {
  const a = cpuSnapshot();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return cpuBetween(a, cpuSnapshot(), 1);
};
