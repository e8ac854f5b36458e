import { describe, expect, it } from 'vitest';
import { gcBetween, GcTrace } from '../../bench/lib/gc-trace';

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
});
