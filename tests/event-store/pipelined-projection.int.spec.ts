import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '@/server/event-store/event-store';
import { rowProjection, type Row } from '@/server/projections/row-projection';
import { ConcurrencyError } from '@/server/shared/errors';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { appendOptions, increment, testRegistry } from './test-events';

let db: TestDatabase;

type CounterRow = Row & { stream_id: string; total: number };

/** A row per counter with its running total; the table refuses a total over 1000. */
const counterRows = rowProjection<CounterRow>({
  name: 'counter-rows',
  description: 'Running total per counter',
  table: 'counter_rows',
  key: 'stream_id',
  eventTypes: ['CounterIncremented'],
  keyOf: (event) => event.streamId,
  evolve: (row, event) => ({
    stream_id: event.streamId,
    total: (row?.total ?? 0) + (event.data as { by: number }).by,
    version: event.version,
  }),
});

const rowOf = async (streamId: string) =>
  (await db.sql<{ total: number; version: number }[]>`SELECT total, version FROM counter_rows WHERE stream_id = ${streamId}`)[0];

const eventCount = async (streamId: string) =>
  (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events WHERE stream_id = ${streamId}`)[0]!.n;

/** Connections of this database left inside a transaction (none may be, between appends). */
const openTransactions = async () =>
  (await db.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)[0]!.n;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  await db.sql`CREATE TABLE counter_rows (stream_id text PRIMARY KEY, total int NOT NULL CHECK (total <= 1000), version bigint NOT NULL)`;
});
afterAll(() => db.drop());

describe('Event store', () => {
  describe('When an inline row projection rides with the append (pipelined transaction)', () => {
    it('should fold every event once, alone and in batches, rows at the stream version', async () => {
      const store = new EventStore(db.sql, testRegistry(), [counterRows], { appendQueue: { maxInFlight: 1 } });
      const ids = Array.from({ length: 30 }, (_, i) => `counter-pipe${i}`);
      await Promise.all(ids.map((id) => store.append(id, [increment(1), increment(2)], appendOptions({ expectedVersion: 'no_stream' }))));
      await Promise.all(ids.map((id) => store.append(id, [increment(10)], appendOptions({ expectedVersion: 2 }))));
      // 'any' goes alone, with its version unknown until written: its row is looked up.
      await store.append(ids[0]!, [increment(100)], appendOptions({ expectedVersion: 'any' }));
      expect(await rowOf(ids[0]!)).toEqual({ total: 113, version: 4 });
      for (const id of ids.slice(1)) expect(await rowOf(id)).toEqual({ total: 13, version: 3 });
      expect(await openTransactions()).toBe(0);
    });

    it('should write nothing when the expected version does not hold, and leave the connection usable', async () => {
      const store = new EventStore(db.sql, testRegistry(), [counterRows]);
      await store.append('counter-pipeconflict', [increment(5)], appendOptions({ expectedVersion: 'no_stream' }));
      await expect(store.append('counter-pipeconflict', [increment(7)], appendOptions({ expectedVersion: 3 }))).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await eventCount('counter-pipeconflict')).toBe(1);
      expect(await rowOf('counter-pipeconflict')).toEqual({ total: 5, version: 1 });
      expect(await openTransactions()).toBe(0);
      await store.append('counter-pipeconflict', [increment(7)], appendOptions({ expectedVersion: 1 }));
      expect(await rowOf('counter-pipeconflict')).toEqual({ total: 12, version: 2 });
    });

    it('should roll the append back when the projection write fails, in a batch too', async () => {
      const store = new EventStore(db.sql, testRegistry(), [counterRows], { appendQueue: { maxInFlight: 1 } });
      await store.append('counter-pipefail', [increment(999)], appendOptions({ expectedVersion: 'no_stream' }));
      // Alone: the CHECK refuses total 1001, so COMMIT rolls back and the event is gone with it.
      await expect(store.append('counter-pipefail', [increment(2)], appendOptions({ expectedVersion: 1 }))).rejects.toThrow(/counter_rows_total_check/);
      expect(await eventCount('counter-pipefail')).toBe(1);
      // In a batch: the batch fails as a whole, each append is retried alone, only the bad one is refused.
      const others = Array.from({ length: 10 }, (_, i) => `counter-pipefail${i}`);
      const outcomes = await Promise.allSettled([
        store.append('counter-pipefail', [increment(2)], appendOptions({ expectedVersion: 1 })),
        ...others.map((id) => store.append(id, [increment(1)], appendOptions({ expectedVersion: 'no_stream' }))),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', ...others.map(() => 'fulfilled')]);
      expect(await eventCount('counter-pipefail')).toBe(1);
      expect(await rowOf('counter-pipefail')).toEqual({ total: 999, version: 1 });
      for (const id of others) expect(await rowOf(id)).toEqual({ total: 1, version: 1 });
      expect(await openTransactions()).toBe(0);
    });

    it('should answer a repeated key with the first result, writing nothing twice', async () => {
      const store = new EventStore(db.sql, testRegistry(), [counterRows]);
      // 'any': the expectation holds again, so it is the key that refuses the repeat.
      const options = appendOptions({ expectedVersion: 'any', idempotencyKey: 'pipe-key-1' });
      const first = await store.append('counter-pipekey', [increment(4)], options);
      const again = await store.append('counter-pipekey', [increment(4)], options);
      expect(again).toMatchObject({ duplicate: true, version: first.version, position: first.position });
      expect(await eventCount('counter-pipekey')).toBe(1);
      expect(await rowOf('counter-pipekey')).toEqual({ total: 4, version: 1 });
      expect(await openTransactions()).toBe(0);
    });
  });
});
