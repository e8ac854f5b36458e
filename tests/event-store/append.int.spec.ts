import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '@/server/event-store/event-store';
import { ConcurrencyError } from '@/server/shared/errors';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { appendOptions, increment, testRegistry } from './test-events';

let db: TestDatabase;
let store: EventStore;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 60 });
  store = new EventStore(db.sql, testRegistry());
});
afterAll(() => db.drop());

const eventCount = async () => (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`)[0]!.n;

describe('Event store', () => {
  describe('When appending to a new stream', () => {
    it('should number the events from version 1 and return the last position', async () => {
      const result = await store.append('counter-a', [increment(1), increment(2)], appendOptions({ expectedVersion: 'no_stream' }));
      expect(result.version).toBe(2);
      expect(result.events.map((e) => e.version)).toEqual([1, 2]);
      expect(result.position).toBe(result.events[1]!.position);
      expect(result.events[0]!.position).toBeLessThan(result.events[1]!.position);
      const read = await store.readStream('counter-a');
      expect(read.map((e) => e.data)).toEqual([{ by: 1 }, { by: 2 }]);
      expect(read[0]!.metadata).toMatchObject({ correlationId: 'test', causationId: null, schemaVersion: 1, actor: { kind: 'system', id: 'test' } });
      expect(read[0]!.metadata.eventId).not.toBe(read[1]!.metadata.eventId);
    });

    it('should refuse no_stream when the stream exists, writing nothing', async () => {
      const before = await eventCount();
      await expect(store.append('counter-a', [increment()], appendOptions({ expectedVersion: 'no_stream' }))).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await eventCount()).toBe(before);
    });
  });

  describe('When appending with an exact expected version', () => {
    it('should append when the version matches and refuse with the current version when not', async () => {
      await store.append('counter-b', [increment()], appendOptions({ expectedVersion: 0 }));
      await store.append('counter-b', [increment()], appendOptions({ expectedVersion: 1 }));
      const error = await store.append('counter-b', [increment()], appendOptions({ expectedVersion: 1 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect((error as ConcurrencyError).actual).toBe(2);
      expect(await store.streamVersion('counter-b')).toBe(2);
    });

    it('should let exactly one of 50 concurrent writers win each version', async () => {
      await store.append('counter-race', [increment()], appendOptions({ expectedVersion: 'no_stream' }));
      const before = await eventCount();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, () => store.append('counter-race', [increment()], appendOptions({ expectedVersion: 1 }))),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const o of lost) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
      expect(await eventCount()).toBe(before + 1);
      expect(await store.streamVersion('counter-race')).toBe(2);
    });
  });

  describe('When an append is atomic', () => {
    it('should write none of the events when one payload is invalid', async () => {
      const before = await eventCount();
      await expect(
        store.append('counter-c', [increment(), { type: 'CounterIncremented', data: { by: 'x' } }], appendOptions()),
      ).rejects.toThrow(/does not match its schema/);
      expect(await eventCount()).toBe(before);
      expect(await store.streamVersion('counter-c')).toBe(0);
    });

    it('should refuse an event type that has no schema', async () => {
      await expect(store.append('counter-c', [{ type: 'Nope', data: {} }], appendOptions())).rejects.toThrow(/No schema/);
    });
  });

  describe('When a command is retried with the same idempotency key', () => {
    it('should return the first result and write nothing, also when the twins race', async () => {
      const before = await eventCount();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.append('counter-d', [increment(5)], appendOptions({ idempotencyKey: 'cmd-1' }))),
      );
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      for (const r of results) expect({ version: r.version, position: r.position }).toEqual({ version: results[0]!.version, position: results[0]!.position });
      expect(await eventCount()).toBe(before + 1);
    });

    it('should answer with the first stream and write nothing to the second when the key comes back elsewhere', async () => {
      const first = await store.append('counter-f', [increment(1), increment(2)], appendOptions({ idempotencyKey: 'cmd-2' }));
      expect(first).toMatchObject({ streamId: 'counter-f', version: 2, duplicate: false });
      const before = await eventCount();
      const again = await store.append('counter-g', [increment(3)], appendOptions({ idempotencyKey: 'cmd-2' }));
      expect(again).toMatchObject({ streamId: 'counter-f', version: 2, position: first.position, duplicate: true });
      expect(again.events).toEqual(first.events);
      expect(await eventCount()).toBe(before);
      expect(await store.streamVersion('counter-g')).toBe(0);
    });

    it('should hand back the events the key recorded, none of those before or after them', async () => {
      await store.append('counter-h', [increment(1)], appendOptions({ idempotencyKey: 'cmd-3' }));
      await store.append('counter-h', [increment(2)], appendOptions());
      const keyed = await store.append('counter-h', [increment(3), increment(4)], appendOptions({ idempotencyKey: 'cmd-4' }));
      await store.append('counter-h', [increment(5)], appendOptions({ idempotencyKey: 'cmd-5' }));

      const found = await store.findIdempotent('cmd-4');
      expect(found).toMatchObject({ streamId: 'counter-h', version: 4, position: keyed.position, duplicate: true });
      expect(found!.events.map((e) => e.version)).toEqual([3, 4]);
      expect(found!.events).toEqual(keyed.events);
      expect((await store.findIdempotent('cmd-3'))!.events.map((e) => e.data)).toEqual([{ by: 1 }]);
      expect(await store.findIdempotent('cmd-unknown')).toBeUndefined();
    });
  });

  describe('When reading a stream backwards', () => {
    it('should return the newest first from the given version', async () => {
      await store.append('counter-e', [increment(1), increment(2), increment(3)], appendOptions());
      const back = await store.readStream('counter-e', { direction: 'backwards', fromVersion: 2 });
      expect(back.map((e) => e.version)).toEqual([2, 1]);
      const lastOne = await store.readStream('counter-e', { direction: 'backwards', maxCount: 1 });
      expect(lastOne.map((e) => e.version)).toEqual([3]);
    });
  });
});
