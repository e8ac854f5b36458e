import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// patches/postgres+3.4.9.patch also changes postgres.js's Queue (its pool's lists of open, busy
// and waiting connections): remove() looks only at what is still queued, and shift() compacts.
type Queue<T> = { readonly length: number; push(x: T): T; shift(): T | undefined; remove(x: T): T | null };
const require = createRequire(import.meta.url);
// Not among the package's exports: taken from beside its CommonJS entry.
const Queue = require(path.join(path.dirname(require.resolve('postgres')), 'queue.js')) as <T>(initial?: T[]) => Queue<T>;

/** How many slots Array#indexOf may look at per call, for the calls made while `run` runs. */
const indexOfSpans = (run: () => void): number[] => {
  const spans: number[] = [];
  const original = Array.prototype.indexOf;
  Array.prototype.indexOf = function (this: unknown[], ...args: Parameters<typeof original>) {
    spans.push(this.length - (args[1] ?? 0));
    return original.apply(this, args);
  };
  try {
    run();
  } finally {
    Array.prototype.indexOf = original;
  }
  return spans;
};

const connections = ['a', 'b', 'c'].map((id) => ({ id }));

describe('The postgres.js pool queue', () => {
  describe('When connections keep leaving and coming back without the queue running empty', () => {
    it('should look only at the connections queued, however many went through', () => {
      const open = Queue<{ id: string }>();
      for (const c of connections) open.push(c);
      // What the pool does per query on an idle connection: shift it, remove it from the queue it
      // was in (no longer there), and push it back when the query is done.
      let found = 0;
      const spans = indexOfSpans(() => {
        for (let i = 0; i < 10_000; i++) {
          const c = open.shift()!;
          if (open.remove(c) !== null) found++;
          open.push(c);
        }
      });
      expect(found).toBe(0);
      expect(spans.length).toBe(10_000);
      expect(Math.max(...spans)).toBeLessThanOrEqual(connections.length);
      expect(open.length).toBe(connections.length);
    });
  });

  describe('When items are shifted past the point where it compacts, and removed', () => {
    it('should keep first in, first out, and remove only what is queued', () => {
      const q = Queue<number>();
      for (let n = 0; n < 200; n++) q.push(n);
      const out: number[] = [];
      for (let n = 0; n < 150; n++) out.push(q.shift()!);
      expect(out).toEqual(Array.from({ length: 150 }, (_, n) => n));
      expect(q.remove(170)).toBe(170);
      expect(q.remove(170)).toBeNull();
      expect(q.remove(10)).toBeNull();
      q.push(200);
      expect(q.length).toBe(50);
      const rest: number[] = [];
      while (q.length > 0) rest.push(q.shift()!);
      expect(rest).toEqual([...Array.from({ length: 20 }, (_, n) => 150 + n), ...Array.from({ length: 29 }, (_, n) => 171 + n), 200]);
    });
  });
});
