/**
 * The garbage collections a node process reports with `--trace-gc` (one line each), counted from
 * its output as it comes. Only the main isolate's are counted: the one with the most lines (a
 * server's worker threads collect too, rarely and small).
 */
export type GcCounts = {
  markCompacts: number;
  /** Main-thread pause of the mark-compacts, ms (the first figure of `x / y ms`). */
  markCompactPauseMs: number;
  scavenges: number;
  scavengePauseMs: number;
};

const zero = (): GcCounts => ({ markCompacts: 0, markCompactPauseMs: 0, scavenges: 0, scavengePauseMs: 0 });

// "[6067:0x1d94afc0]    21742 ms: Mark-Compact 66.4 (124.2) -> 41.1 (130.9) MB, 7.61 / 0.05 ms  (+ …"
const GC_LINE = /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: (Mark-Compact|Scavenge)\b.*?MB, ([\d.]+) \/ [\d.]+ ms/;

export class GcTrace {
  private readonly byIsolate = new Map<string, GcCounts>();
  private partial = '';

  /** Feed it the process's output, chunk by chunk (`onOutput`). */
  readonly feed = (text: string): void => {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const match = GC_LINE.exec(line);
      if (!match) continue;
      const [, isolate, kind, pause] = match as unknown as [string, string, string, string];
      let counts = this.byIsolate.get(isolate);
      if (!counts) this.byIsolate.set(isolate, (counts = zero()));
      if (kind === 'Mark-Compact') {
        counts.markCompacts++;
        counts.markCompactPauseMs += Number(pause);
      } else {
        counts.scavenges++;
        counts.scavengePauseMs += Number(pause);
      }
    }
  };

  /** The main isolate's counts so far; the difference of two is what happened between them. */
  snapshot(): GcCounts {
    let main = zero();
    for (const counts of this.byIsolate.values()) {
      if (counts.markCompacts + counts.scavenges > main.markCompacts + main.scavenges) main = counts;
    }
    return { ...main };
  }
}

export const gcBetween = (before: GcCounts, after: GcCounts): GcCounts => ({
  markCompacts: after.markCompacts - before.markCompacts,
  markCompactPauseMs: after.markCompactPauseMs - before.markCompactPauseMs,
  scavenges: after.scavenges - before.scavenges,
  scavengePauseMs: after.scavengePauseMs - before.scavengePauseMs,
});

/** Bytes allocated in and promoted out of the young generation, summed over scavenges. */
export type Promotion = { scavenges: number; allocatedBytes: number; promotedBytes: number };

// "[6945:0x25037070]       40 ms: pause=0.5 mutator=6.3 gc=s … allocated=4854048 promoted=0 …" (--trace-gc-nvp)
const NVP_LINE = /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: pause=.* gc=(\S+) /;
const nvpField = (line: string, name: string): number => Number(new RegExp(` ${name}=(\\d+)`).exec(line)?.[1] ?? 0);

/**
 * The main isolate's scavenges (`--trace-gc-nvp` lines) printed between the line `from` and the
 * line `to` of a process's output: what a measured stretch allocated and promoted.
 */
export const promotionBetween = (output: string, from: string, to: string): Promotion => {
  const lines = output.split('\n');
  const start = lines.indexOf(from);
  const end = lines.indexOf(to, start + 1);
  if (start === -1 || end === -1) throw new Error(`markers ${from} / ${to} not found in the output`);
  const byIsolate = new Map<string, string[]>();
  for (const line of lines.slice(start + 1, end)) {
    const match = NVP_LINE.exec(line);
    if (!match || match[2] !== 's') continue;
    const isolate = match[1]!;
    const seen = byIsolate.get(isolate);
    if (seen) seen.push(line);
    else byIsolate.set(isolate, [line]);
  }
  const main = [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  return {
    scavenges: main.length,
    allocatedBytes: main.reduce((sum, line) => sum + nvpField(line, 'allocated'), 0),
    promotedBytes: main.reduce((sum, line) => sum + nvpField(line, 'promoted'), 0),
  };
};
