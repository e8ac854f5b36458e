import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from '@/db/client';
import { EventStore, type InlineProjection } from '@/server/event-store/event-store';
import type { RecordedEvent } from '@/server/event-store/types';
import { z } from 'zod';
import { defineEvent } from '@/server/event-store/event-definitions';
import { EventRegistry } from '@/server/event-store/event-registry';
import { ConcurrencyError } from '@/server/shared/errors';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { appendOptions, counterIncremented, increment, testRegistry } from './test-events';

let db: TestDatabase;

/** Counts every event it sees in counter_totals; refuses an increment by 13 (a projection bug). */
const totals: InlineProjection = {
  name: 'counter-totals',
  eventTypes: ['CounterIncremented'],
  // Reads nothing before the append; writes one statement in front of COMMIT.
  stage: (tx: TransactionSql) => ({
    ready: Promise.resolve(),
    write: (events: readonly RecordedEvent[]) => {
      if (events.some((e) => (e.data as { by: number }).by === 13)) throw new Error('13 is refused');
      const rows = events.map((e) => ({ stream_id: e.streamId, total: (e.data as { by: number }).by }));
      return tx`
        INSERT INTO counter_totals (stream_id, total)
        SELECT stream_id, sum(total) FROM json_populate_recordset(null::counter_totals, ${JSON.stringify(rows)}::text::json) GROUP BY stream_id
        ON CONFLICT (stream_id) DO UPDATE SET total = counter_totals.total + EXCLUDED.total`.execute();
    },
  }),
};

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 40 });
  await db.sql`CREATE TABLE counter_totals (stream_id text PRIMARY KEY, total int NOT NULL)`;
});
afterAll(() => db.drop());

/** Appends sharing a transaction id were written by one statement (or one transaction). */
const transactionsOf = async (streamIds: readonly string[]) =>
  (await db.sql<{ n: number }[]>`SELECT count(DISTINCT xmin::text)::int AS n FROM events WHERE stream_id = ANY(${[...streamIds]}::text[])`)[0]!.n;

const eventsOf = async (streamIds: readonly string[]) =>
  db.sql<{ stream_id: string; version: number; position: number }[]>`
    SELECT stream_id, version, position FROM events WHERE stream_id = ANY(${[...streamIds]}::text[]) ORDER BY position`;

describe('Event store', () => {
  describe('When many callers append at once (group commit)', () => {
    it('should write them together, each stream numbered from 1 and in position order', async () => {
      const store = new EventStore(db.sql, testRegistry(), [], { appendQueue: { maxInFlight: 1 } });
      const ids = Array.from({ length: 60 }, (_, i) => `counter-gc${i}`);
      const results = await Promise.all(ids.map((id) => store.append(id, [increment(1), increment(2)], appendOptions({ expectedVersion: 'no_stream' }))));
      expect(results.map((r) => r.version)).toEqual(ids.map(() => 2));
      expect(await transactionsOf(ids)).toBeLessThan(ids.length);
      const rows = await eventsOf(ids);
      expect(rows).toHaveLength(120);
      for (const id of ids) expect(rows.filter((r) => r.stream_id === id).map((r) => r.version)).toEqual([1, 2]);
      for (const result of results) {
        const [first, second] = result.events;
        expect(second!.position).toBe(first!.position + 1);
        expect(result.position).toBe(second!.position);
      }
    });

    it('should store every payload and its metadata exactly as given, alone, in a multi-event append and in a batch', async () => {
      const noteWritten = defineEvent('NoteWritten', z.object({ text: z.string(), nested: z.object({ tags: z.array(z.string()), n: z.number() }) }));
      const store = new EventStore(db.sql, new EventRegistry([noteWritten]), [], { appendQueue: { maxInFlight: 1 } });
      const tricky = ['"quoted"', 'back\\slash \\" both', "it's {a}, [b]", 'ünïcødé ✓ 日本', 'line\nbreak\ttab', '{"looks":"like json"}', ''];
      const note = (i: number, j: number) => ({
        type: 'NoteWritten',
        data: { text: `${tricky[(i + j) % tricky.length]} #${i}.${j}`, nested: { tags: tricky.slice(0, (i % 3) + 1), n: i + j / 4 } },
      });
      const ids = Array.from({ length: 30 }, (_, i) => `note-gc${i}`);
      // 30 callers at once with one write slot: all but the first go in batches; each has 1 to 3 events.
      const results = await Promise.all(
        ids.map((id, i) =>
          store.append(id, Array.from({ length: (i % 3) + 1 }, (_, j) => note(i, j)), appendOptions({ expectedVersion: 'no_stream', correlationId: `c"${i}\\` })),
        ),
      );
      expect(await transactionsOf(ids)).toBeLessThan(ids.length);
      for (const [i, id] of ids.entries()) {
        const stored = await store.readStream(id);
        expect(stored.map((e) => e.data)).toEqual(Array.from({ length: (i % 3) + 1 }, (_, j) => note(i, j).data));
        expect(stored.map((e) => e.metadata)).toEqual(results[i]!.events.map((e) => e.metadata));
        expect(stored.map((e) => e.metadata.correlationId)).toEqual(stored.map(() => `c"${i}\\`));
      }
    });

    it('should refuse only the appends whose expected version does not hold, writing none of their events', async () => {
      const store = new EventStore(db.sql, testRegistry(), [], { appendQueue: { maxInFlight: 1 } });
      const ids = Array.from({ length: 20 }, (_, i) => `counter-gcv${i}`);
      await Promise.all(ids.map((id) => store.append(id, [increment()], appendOptions({ expectedVersion: 0 }))));
      // Even streams are at version 1 as expected; odd ones are told 5.
      const outcomes = await Promise.allSettled(
        ids.map((id, i) => store.append(id, [increment(), increment()], appendOptions({ expectedVersion: i % 2 === 0 ? 1 : 5 }))),
      );
      outcomes.forEach((outcome, i) => {
        if (i % 2 === 0) expect(outcome.status).toBe('fulfilled');
        else {
          expect(outcome.status).toBe('rejected');
          const error = (outcome as PromiseRejectedResult).reason as ConcurrencyError;
          expect(error).toBeInstanceOf(ConcurrencyError);
          expect(error.actual).toBe(1);
        }
      });
      const rows = await eventsOf(ids);
      for (const [i, id] of ids.entries()) expect(rows.filter((r) => r.stream_id === id)).toHaveLength(i % 2 === 0 ? 3 : 1);
    });

    it('should let exactly one of several appends to one stream at one version win', async () => {
      const store = new EventStore(db.sql, testRegistry(), [], { appendQueue: { maxInFlight: 1 } });
      const others = Array.from({ length: 10 }, (_, i) => store.append(`counter-gco${i}`, [increment()], appendOptions({ expectedVersion: 0 })));
      const racers = Array.from({ length: 10 }, () => store.append('counter-gc-race', [increment()], appendOptions({ expectedVersion: 0 })));
      const outcomes = await Promise.allSettled([...others, ...racers]);
      expect(outcomes.slice(0, 10).every((o) => o.status === 'fulfilled')).toBe(true);
      expect(outcomes.slice(10).filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(await eventsOf(['counter-gc-race'])).toHaveLength(1);
    });

    it('should write a key once and answer its twins with the first result', async () => {
      const store = new EventStore(db.sql, testRegistry(), [], { appendQueue: { maxInFlight: 1 } });
      const busy = Array.from({ length: 10 }, (_, i) => store.append(`counter-gck${i}`, [increment()], appendOptions({ expectedVersion: 0 })));
      const keyed = ['counter-gck-a', 'counter-gck-b', 'counter-gck-c'].map((id) =>
        store.append(id, [increment()], appendOptions({ expectedVersion: 0, idempotencyKey: 'gc-key-1' })),
      );
      const results = await Promise.all([...busy, ...keyed]);
      const answers = results.slice(10);
      expect(answers.filter((r) => !r.duplicate)).toHaveLength(1);
      const first = answers.find((r) => !r.duplicate)!;
      for (const answer of answers) expect({ streamId: answer.streamId, version: answer.version, position: answer.position }).toEqual({
        streamId: first.streamId,
        version: first.version,
        position: first.position,
      });
      expect(await eventsOf(['counter-gck-a', 'counter-gck-b', 'counter-gck-c'])).toHaveLength(1);
      // The key was already taken when a batch met it: the batch is written again one by one.
      const again = await Promise.all([
        store.append('counter-gck-d', [increment()], appendOptions({ expectedVersion: 0, idempotencyKey: 'gc-key-1' })),
        store.append('counter-gck-e', [increment()], appendOptions({ expectedVersion: 0 })),
        store.append('counter-gck-f', [increment()], appendOptions({ expectedVersion: 0 })),
      ]);
      expect(again[0]).toMatchObject({ duplicate: true, streamId: first.streamId, position: first.position });
      expect(again.slice(1).map((r) => r.duplicate)).toEqual([false, false]);
      expect(await eventsOf(['counter-gck-d'])).toHaveLength(0);
    });
  });

  describe('When appends with inline projections are written together', () => {
    it('should project every append of the batch in its transaction', async () => {
      const store = new EventStore(db.sql, testRegistry(), [totals], { appendQueue: { maxInFlight: 1 } });
      const ids = Array.from({ length: 30 }, (_, i) => `counter-gcp${i}`);
      await Promise.all(ids.map((id, i) => store.append(id, [increment(i + 20), increment(1)], appendOptions({ expectedVersion: 0 }))));
      expect(await transactionsOf(ids)).toBeLessThan(ids.length);
      const rows = await db.sql<{ stream_id: string; total: number }[]>`
        SELECT stream_id, total FROM counter_totals WHERE stream_id = ANY(${ids}::text[])`;
      expect(Object.fromEntries(rows.map((r) => [r.stream_id, r.total]))).toEqual(Object.fromEntries(ids.map((id, i) => [id, i + 21])));
    });

    it('should write appends no projection reads beside the transaction, not in it', async () => {
      const noted = defineEvent('CounterNoted', z.object({ note: z.string() }));
      const store = new EventStore(db.sql, new EventRegistry([counterIncremented, noted]), [totals], { appendQueue: { maxInFlight: 1 } });
      const projectedIds = Array.from({ length: 10 }, (_, i) => `counter-gcm-p${i}`);
      const plainIds = Array.from({ length: 10 }, (_, i) => `counter-gcm-n${i}`);
      await store.append('counter-gcm-first', [increment()], appendOptions({ expectedVersion: 0 }));
      const busy = store.append('counter-gcm-busy', [increment()], appendOptions({ expectedVersion: 0 }));
      await Promise.all([
        busy,
        ...projectedIds.map((id) => store.append(id, [increment(2)], appendOptions({ expectedVersion: 0 }))),
        ...plainIds.map((id) => store.append(id, [{ type: 'CounterNoted', data: { note: id } }], appendOptions({ expectedVersion: 0 }))),
      ]);
      const xmins = await db.sql<{ stream_id: string; xmin: string }[]>`
        SELECT stream_id, xmin::text AS xmin FROM events WHERE stream_id = ANY(${[...projectedIds, ...plainIds]}::text[])`;
      const projectedTx = new Set(xmins.filter((r) => projectedIds.includes(r.stream_id)).map((r) => r.xmin));
      const plainTx = new Set(xmins.filter((r) => plainIds.includes(r.stream_id)).map((r) => r.xmin));
      expect(xmins).toHaveLength(20);
      expect([...plainTx].some((xmin) => projectedTx.has(xmin))).toBe(false);
      expect(plainTx.size).toBeLessThan(plainIds.length);
      const [projected] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM counter_totals WHERE stream_id = ANY(${projectedIds}::text[])`;
      expect(projected!.n).toBe(10);
    });

    it('should fail only the append its projection refuses, and write the others', async () => {
      const store = new EventStore(db.sql, testRegistry(), [totals], { appendQueue: { maxInFlight: 1 } });
      const ids = Array.from({ length: 20 }, (_, i) => `counter-gcf${i}`);
      const outcomes = await Promise.allSettled(
        ids.map((id, i) => store.append(id, [increment(i === 7 ? 13 : 2)], appendOptions({ expectedVersion: 0 }))),
      );
      expect(outcomes.map((o) => o.status)).toEqual(ids.map((_, i) => (i === 7 ? 'rejected' : 'fulfilled')));
      expect(((outcomes[7] as PromiseRejectedResult).reason as Error).message).toBe('13 is refused');
      const written = await eventsOf(ids);
      expect(written.map((r) => r.stream_id).sort()).toEqual(ids.filter((_, i) => i !== 7).sort());
      const [projected] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM counter_totals WHERE stream_id = ANY(${ids}::text[])`;
      expect(projected!.n).toBe(19);
    });
  });
});
