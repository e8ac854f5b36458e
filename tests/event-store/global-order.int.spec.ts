import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, prepareEvents } from '@/server/event-store/append-to-stream';
import { EventStore } from '@/server/event-store/event-store';
import { GlobalLogReader, LogEntryReader } from '@/server/event-store/global-log-reader';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { appendOptions, increment, testRegistry } from './test-events';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 40 });
});
afterAll(() => db.drop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Global order', () => {
  describe('When transactions commit out of position order', () => {
    it('should hold back a later position until the earlier one commits, then return both in order', async () => {
      const registry = testRegistry();
      const store = new EventStore(db.sql, registry);
      const reader = new GlobalLogReader(registry, db.sql);
      const start = (await reader.read(db.sql, 0)).position;

      // The slow writer draws its position first and commits last.
      let releaseSlow!: () => void;
      const slowHolds = new Promise<void>((r) => (releaseSlow = r));
      let slowDrew!: () => void;
      const slowHasPosition = new Promise<void>((r) => (slowDrew = r));
      const slow = db.sql.begin(async (tx) => {
        await tx`INSERT INTO streams (stream_id, stream_type, version) VALUES ('slow-1', 'slow', 1)`;
        const [row] = await tx<{ position: number }[]>`
          INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
          VALUES (gen_random_uuid(), 'slow-1', 1, 'CounterIncremented', 1, '{"by":1}',
                  '{"eventId":"x","correlationId":"t","causationId":null,"occurredAt":"2026-11-25T10:00:00.000Z","schemaVersion":1,"actor":{"kind":"system","id":"t"}}',
                  't', now())
          RETURNING position`;
        slowDrew();
        await slowHolds;
        return row!.position;
      });
      await slowHasPosition;
      const fast = await store.append('fast-1', [increment()], appendOptions());

      const whileSlowOpen = await reader.read(db.sql, start);
      expect(whileSlowOpen.events).toEqual([]);
      expect(whileSlowOpen.waitingOnGap).toBe(true);
      const entriesWhileSlowOpen = await new LogEntryReader(db.sql).readEntries(db.sql, start);
      expect(entriesWhileSlowOpen.events).toEqual([]);
      expect(entriesWhileSlowOpen.waitingOnGap).toBe(true);

      releaseSlow();
      const slowPosition = await slow;
      expect(slowPosition).toBeLessThan(fast.position);
      const after = await reader.read(db.sql, start);
      expect(after.events.map((e) => e.position)).toEqual([slowPosition, fast.position]);
      const entries = await new LogEntryReader(db.sql).readEntries(db.sql, start);
      expect(entries.events).toEqual([
        { position: slowPosition, streamId: 'slow-1', version: 1, type: 'CounterIncremented', correlationId: 't' },
        { position: fast.position, streamId: 'fast-1', version: fast.version, type: 'CounterIncremented', correlationId: 'test' },
      ]);
    });
  });

  describe('When a transaction that drew a position rolls back', () => {
    it('should pass over the hole once no transaction that could fill it is in flight', async () => {
      const registry = testRegistry();
      const store = new EventStore(db.sql, registry);
      const reader = new GlobalLogReader(registry, db.sql);
      const start = (await reader.read(db.sql, 0)).position;
      await store.append('counter-x', [increment()], appendOptions({ expectedVersion: 'no_stream' }));
      // A conflicting append draws nothing (the version check comes first), so burn one by hand.
      await db.sql.begin(async (tx) => {
        await tx`SELECT nextval('events_position_seq')`;
        throw new Error('rollback');
      }).catch(() => {});
      const later = await store.append('counter-y', [increment()], appendOptions());
      let batch = await reader.read(db.sql, start);
      for (let i = 0; i < 5 && batch.position < later.position; i++) batch = await reader.read(db.sql, batch.position);
      expect(batch.position).toBe(later.position);
    });
  });

  describe('When many writers append while a reader follows', () => {
    it('should deliver every event exactly once, in position order', async () => {
      const registry = testRegistry();
      const store = new EventStore(db.sql, registry);
      const reader = new GlobalLogReader(registry, db.sql);
      const start = (await db.sql<{ start: number }[]>`SELECT coalesce(max(position), 0)::int AS start FROM events`)[0]!.start;
      const writers = 16;
      const perWriter = 60;
      let done = false;
      const seen: number[] = [];
      // A second follower reads coordinates only (the live channel's way): the same walk.
      const entryReader = new LogEntryReader(db.sql);
      const seenEntries: number[] = [];

      const followWith = (read: (after: number) => Promise<{ events: { position: number }[]; position: number; waitingOnGap: boolean }>, into: number[]) =>
        (async () => {
          let position = start;
          for (;;) {
            const finished = done;
            const batch = await read(position);
            into.push(...batch.events.map((e) => e.position));
            position = batch.position;
            if (finished && batch.events.length === 0 && !batch.waitingOnGap) return;
            if (batch.events.length === 0) await sleep(1);
          }
        })();
      const follow = Promise.all([
        followWith((after) => reader.read(db.sql, after, 200), seen),
        followWith((after) => entryReader.readEntries(db.sql, after, 150), seenEntries),
      ]);
      const appended: number[] = [];
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < perWriter; i++) {
            // Half the writers hold their transaction open after drawing a position, so commits
            // land out of position order; the others append in single autocommit statements.
            if (w % 2 === 0) {
              const recorded = await db.sql.begin(async (tx) => {
                const events = await appendEvents(tx, `gap-${w}-${i % 3}`, prepareEvents(registry, [increment(i)]), appendOptions());
                await sleep(Math.random() * 3);
                return events;
              });
              appended.push(recorded[0]!.position);
            } else {
              appended.push((await store.append(`gap-${w}-${i % 3}`, [increment(i)], appendOptions())).position);
            }
          }
        }),
      );
      done = true;
      await follow;
      expect(seen).toHaveLength(writers * perWriter);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(new Set(seen)).toEqual(new Set(appended));
      expect(seenEntries).toEqual(seen);
    });
  });
});
