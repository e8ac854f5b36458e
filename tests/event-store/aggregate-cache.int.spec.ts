import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handleCommand } from '@/server/command-handler';
import { EventStore } from '@/server/event-store/event-store';
import { DomainError } from '@/server/shared/errors';
import type { Command, Decider, Event } from '@/server/shared/messages';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { testRegistry } from './test-events';

/** A counter that may only go up to a limit, and only by a step the command names. */
type Increment = Command<'Increment', { by: number; expectTotal?: number }>;
type Incremented = Event<'CounterIncremented', { by: number }>;
const counter: Decider<Increment, Incremented, number> = {
  initialState: () => 0,
  evolve: (total, event) => total + event.data.by,
  decide: (command, total) => {
    if (command.data.expectTotal !== undefined && command.data.expectTotal !== total) {
      throw new DomainError('INVALID_STATE', `The counter is at ${total}, not ${command.data.expectTotal}`, { total });
    }
    return command.data.by === 0 ? [] : [{ type: 'CounterIncremented', data: { by: command.data.by } }];
  },
};

let db: TestDatabase;
// Two stores on one database: two processes, each with its own cache of the streams it touched.
let first: EventStore;
let second: EventStore;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 10 });
  first = new EventStore(db.sql, testRegistry());
  second = new EventStore(db.sql, testRegistry());
});
afterAll(() => db.drop());

const increment = (
  store: EventStore,
  streamId: string,
  by: number,
  expectTotal?: number,
  extra: { maxAttempts?: number; streamIsNew?: boolean; idempotencyKey?: string } = {},
) =>
  handleCommand(store, {
    streamId,
    decider: counter,
    command: { type: 'Increment', data: { by, ...(expectTotal === undefined ? {} : { expectTotal }) } },
    correlationId: 'test',
    actor: { kind: 'system', id: 'test' },
    now: '2026-11-25T10:00:00.000Z',
    ...extra,
  });

// Spies only watch the real store; restored after each test even when an assertion failed.
afterEach(() => vi.restoreAllMocks());

describe('Command handler', () => {
  describe('When a process wrote the stream last', () => {
    it('should decide on the state it kept and not read the stream again', async () => {
      await increment(first, 'counter-kept', 1);
      const reads = vi.spyOn(first, 'readStream');
      const result = await increment(first, 'counter-kept', 2, 1);
      expect(reads).not.toHaveBeenCalled();
      expect(result.state).toBe(3);
      expect(result.version).toBe(2);
      expect((await first.readStream('counter-kept')).map((e) => e.data)).toEqual([{ by: 1 }, { by: 2 }]);
    });
  });

  describe('When another process wrote the stream since', () => {
    it('should append on the fresh state, not the kept one', async () => {
      await increment(first, 'counter-shared', 1);
      await increment(second, 'counter-shared', 10);
      const result = await increment(first, 'counter-shared', 100);
      expect(result.state).toBe(111);
      expect(result.version).toBe(3);
      const read = await first.readStream('counter-shared');
      expect(read.map((e) => e.data)).toEqual([{ by: 1 }, { by: 10 }, { by: 100 }]);
    });

    it('should not refuse a command because the kept state is old', async () => {
      await increment(first, 'counter-refusal', 1);
      await increment(second, 'counter-refusal', 1);
      // The kept state says 1; the stream says 2, which is what the command expects.
      const result = await increment(first, 'counter-refusal', 5, 2);
      expect(result.state).toBe(7);
    });

    it('should not call a command a no-op because the kept state is old, and should refuse on the fresh state', async () => {
      await increment(first, 'counter-noop', 1);
      await increment(second, 'counter-noop', 1);
      const noop = await increment(first, 'counter-noop', 0, 2);
      expect(noop.state).toBe(2);
      expect(noop.version).toBe(2);
      await expect(increment(first, 'counter-noop', 1, 1)).rejects.toMatchObject({ code: 'INVALID_STATE', details: { total: 2 } });
    });
  });

  describe('When many commands race on one stream from two processes', () => {
    it('should apply every one exactly once', async () => {
      const runs = Array.from({ length: 40 }, (_, i) => increment(i % 2 === 0 ? first : second, 'counter-race', 1));
      const results = await Promise.allSettled(runs);
      const applied = results.filter((r) => r.status === 'fulfilled').length;
      const read = await first.readStream('counter-race');
      expect(read).toHaveLength(applied);
      expect(applied).toBeGreaterThan(0);
      const next = await increment(first, 'counter-race', 1);
      expect(next.state).toBe(applied + 1);
    });
  });

  describe('When many commands on one stream arrive at once in one process', () => {
    it('should decide each on the state the one before it left, so none loses a race', async () => {
      await increment(first, 'counter-turns', 1);
      // One attempt each: without taking turns all but one would lose the append and fail.
      const results = await Promise.all(Array.from({ length: 30 }, () => increment(first, 'counter-turns', 1, undefined, { maxAttempts: 1 })));
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
      expect(await first.streamVersion('counter-turns')).toBe(31);
    });
  });

  describe('When a command says its stream is new', () => {
    it('should not read the stream when it is', async () => {
      const reads = vi.spyOn(second, 'readStream');
      const result = await increment(second, 'counter-fresh', 4, 0, { streamIsNew: true });
      expect(reads).not.toHaveBeenCalled();
      expect(result).toMatchObject({ version: 1, state: 4 });
    });

    it('should read it and decide again when it exists after all, refusing on the stored state', async () => {
      await increment(first, 'counter-not-fresh', 5);
      const third = new EventStore(db.sql, testRegistry());
      const refused = await increment(third, 'counter-not-fresh', 1, 0, { streamIsNew: true }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).details).toEqual({ total: 5 });
      const result = await increment(new EventStore(db.sql, testRegistry()), 'counter-not-fresh', 1, 5, { streamIsNew: true });
      expect(result).toMatchObject({ version: 2, state: 6 });
    });
  });

  describe('When a keyed command is repeated in a process that kept nothing of the stream', () => {
    it('should answer with the first run’s events and the state it read to decide, reading the stream once', async () => {
      const firstRun = await increment(first, 'counter-keyed', 3, 0, { idempotencyKey: 'increment-keyed' });
      const third = new EventStore(db.sql, testRegistry());
      const reads = vi.spyOn(third, 'readStream');
      // Decided on the stored state (3, not 0) the command is refused: the key finds the first run.
      const repeat = await increment(third, 'counter-keyed', 3, 0, { idempotencyKey: 'increment-keyed' });
      expect(reads).toHaveBeenCalledTimes(1);
      expect(repeat).toMatchObject({ streamId: 'counter-keyed', version: 1, position: firstRun.position, state: 3, duplicate: true });
      expect(repeat.events).toEqual(firstRun.events);
    });

    it('should answer with the state of the stream the key wrote when the repeat names another', async () => {
      await increment(first, 'counter-keyed-here', 2, undefined, { idempotencyKey: 'increment-elsewhere' });
      await increment(first, 'counter-keyed-there', 7);
      // Nothing to do on the other stream: the key finds the first run, on its own stream.
      const repeat = await increment(new EventStore(db.sql, testRegistry()), 'counter-keyed-there', 0, undefined, {
        idempotencyKey: 'increment-elsewhere',
      });
      expect(repeat).toMatchObject({ streamId: 'counter-keyed-here', version: 1, state: 2, duplicate: true });
    });
  });
});
