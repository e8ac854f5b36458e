import { describe, expect, it } from 'vitest';
import { gcBetween, GcTrace, promotionBetween } from '../../bench/lib/gc-trace';

// Lines as node 20 prints them with --trace-gc: the main isolate and a worker thread's.
const main = '[6067:0x1d94afc0]';
const worker = '[6067:0x7fce60000f00]';
const scavenge = (isolate: string, pause: string) =>
  `${isolate}    21562 ms: Scavenge 96.6 (259.1) -> 75.8 (259.1) MB, ${pause} / 0.82 ms  (average mu = 0.998, current mu = 0.999) task; \n`;
const markCompact = (isolate: string, pause: string, kind = 'Mark-Compact') =>
  `${isolate}    32299 ms: ${kind} 127.9 (192.2) -> 49.3 (191.4) MB, ${pause} / 0.04 ms  (+ 2.9 ms in 28 steps since start of marking, biggest step 0.3 ms, walltime since start of marking 55 ms) (average mu = 0.999, current mu = 0.999) finalize incremental marking via task; GC in old space requested\n`;

describe('Benchmark harness', () => {
  describe('When a server prints its garbage collections', () => {
    it('should count the main isolate\'s scavenges and mark-compacts with their pauses, lines split across chunks', () => {
      const trace = new GcTrace();
      const text = [
        'Orderflow is running at http://localhost:3000\n',
        scavenge(main, '5.50'),
        markCompact(worker, '7.00', 'Mark-Compact (reduce)'),
        scavenge(main, '4.25'),
        markCompact(main, '15.57'),
      ].join('');
      for (let at = 0; at < text.length; at += 37) trace.feed(text.slice(at, at + 37));
      expect(trace.snapshot()).toEqual({ markCompacts: 1, markCompactPauseMs: 15.57, scavenges: 2, scavengePauseMs: 9.75 });
    });

    it('should give what happened between two snapshots', () => {
      const trace = new GcTrace();
      trace.feed(scavenge(main, '5') + markCompact(main, '10'));
      const before = trace.snapshot();
      trace.feed(scavenge(main, '6') + scavenge(main, '7') + markCompact(main, '12'));
      expect(gcBetween(before, trace.snapshot())).toEqual({ markCompacts: 1, markCompactPauseMs: 12, scavenges: 2, scavengePauseMs: 13 });
    });

    it('should not count a line until it is complete', () => {
      const trace = new GcTrace();
      const line = markCompact(main, '9.5');
      trace.feed(line.slice(0, -1));
      expect(trace.snapshot().markCompacts).toBe(0);
      trace.feed('\n');
      expect(trace.snapshot().markCompacts).toBe(1);
    });
  });

  describe('When a run prints --trace-gc-nvp lines between two markers', () => {
    // Shortened from node 20's lines: the fields read, in their place among others.
    const nvp = (isolate: string, gc: string, allocated: number, promoted: number) =>
      `${isolate}       40 ms: pause=0.5 mutator=6.3 gc=${gc} reduce_memory=0 scavenge=0.50 allocated=${allocated} promoted=${promoted} new_space_survived=1000 nodes_promoted=1`;

    it("should sum the main isolate's scavenges between the markers only", () => {
      const output = [
        nvp(main, 's', 999, 999),
        'gc-promotion: measuring',
        nvp(main, 's', 4_000_000, 100_000),
        nvp(worker, 's', 50, 50),
        nvp(main, 'mc', 123, 456),
        nvp(main, 's', 3_000_000, 300_000),
        'gc-promotion: done',
        nvp(main, 's', 777, 777),
      ].join('\n');
      expect(promotionBetween(output, 'gc-promotion: measuring', 'gc-promotion: done')).toEqual({
        scavenges: 2,
        allocatedBytes: 7_000_000,
        promotedBytes: 400_000,
      });
    });

    it('should fail when a marker is missing rather than count the wrong stretch', () => {
      expect(() => promotionBetween(nvp(main, 's', 1, 1), 'gc-promotion: measuring', 'gc-promotion: done')).toThrow(/markers/);
    });
  });
});
