import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '@/server/event-store/event-store';
import { LiveFeed } from '@/server/live/live-feed';
import { LogFollower } from '@/server/live/log-follower';
import { appendOptions, increment, testRegistry } from '../event-store/test-events';
import { recordingSql } from '../support/statement-recorder';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 20 });
});
afterAll(() => db.drop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isLogRead = (statement: string) => statement.includes('pg_snapshot_xmin');

describe('Log follower', () => {
  describe('When one append wakes it', () => {
    it('should read the log once, not once more to find nothing', async () => {
      const store = new EventStore(db.sql, testRegistry());
      const { sql, record } = await recordingSql(db.url, 2);
      const follower = new LogFollower(sql, { pollMs: 60_000 });
      // At its prompt pace (5 ms), which the 50 ms window below is well past.
      const release = follower.holdPrompt();
      await follower.start();
      try {
        // Its first read, at start, is over once a 30 ms window passes without a read (it polls
        // once a minute): a fixed sleep would count that read on a slow machine.
        while ((await record(() => sleep(30))).statements.some(isLogRead));
        const { statements } = await record(async () => {
          const appended = await store.append('follow-once', [increment()], appendOptions());
          follower.wake();
          // Polled, not follower.waitFor: that wakes the follower itself.
          await expect.poll(() => follower.position, { timeout: 5_000 }).toBeGreaterThanOrEqual(appended.position);
          await sleep(50); // well past the follower's 5 ms spacing: a second read would have happened
        });
        expect(statements.filter(isLogRead)).toHaveLength(1);
      } finally {
        release();
        await follower.stop();
        await sql.end();
      }
    });
  });

  describe('When many writers append and wake it while it reads', () => {
    it('should hand over every event once, in position order', async () => {
      const store = new EventStore(db.sql, testRegistry());
      const follower = new LogFollower(db.sql, { pollMs: 60_000, batchSize: 7 });
      const release = follower.holdPrompt(); // reading while the writers append, as with live subscribers
      await follower.start();
      const seen: number[] = [];
      follower.subscribe((events) => seen.push(...events.filter((e) => e.streamId.startsWith('follow-many-')).map((e) => e.position)));
      try {
        await Promise.all(
          Array.from({ length: 12 }, async (_, writer) => {
            for (let i = 0; i < 15; i++) {
              await store.append(`follow-many-${writer}`, [increment(), increment()], appendOptions());
              follower.wake();
              if (i % 4 === 0) await sleep(3);
            }
          }),
        );
        const rows = await db.sql<{ position: number }[]>`SELECT position FROM events WHERE stream_id LIKE 'follow-many-%' ORDER BY position`;
        const all = rows.map((r) => r.position);
        expect(all).toHaveLength(12 * 15 * 2);
        await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(all.length);
        expect(seen).toEqual(all);
        expect(follower.position).toBe(all[all.length - 1]);
      } finally {
        release();
        await follower.stop();
      }
    });
  });

  describe('When nobody holds it prompt', () => {
    /**
     * A follower whose idle spacing is far longer than the test (only a hold can bring a read
     * forward), which has read one event of `streamId` and just paused; `next` appends another.
     */
    const idleAfterOneRead = async (streamId: string) => {
      const store = new EventStore(db.sql, testRegistry());
      const follower = new LogFollower(db.sql, { pollMs: 60_000, idleCoalesceMs: 60_000 });
      await follower.start();
      const first = await store.append(streamId, [increment()], appendOptions());
      follower.wake();
      await expect.poll(() => follower.position, { timeout: 5_000 }).toBeGreaterThanOrEqual(first.position);
      const next = () => store.append(streamId, [increment()], appendOptions({ expectedVersion: 1 }));
      return { follower, next };
    };

    it('should leave a second append for its idle spacing, and read it at once when a hold begins', async () => {
      const { follower, next } = await idleAfterOneRead('follow-idle');
      try {
        const second = await next();
        follower.wake();
        await sleep(100); // at the prompt pace (5 ms) it would have read it twenty times over
        expect(follower.position).toBeLessThan(second.position);

        const release = follower.holdPrompt();
        await expect.poll(() => follower.position, { timeout: 5_000 }).toBeGreaterThanOrEqual(second.position);
        release();
        expect(follower.prompt).toBe(false);
      } finally {
        await follower.stop();
      }
    });

    it('should read at once for a query waiting on a position', async () => {
      const { follower, next } = await idleAfterOneRead('follow-wait');
      try {
        const second = await next();
        expect(await follower.waitFor(second.position, 5_000)).toBe(true);
        expect(follower.prompt).toBe(false);
      } finally {
        await follower.stop();
      }
    });
  });

  describe('When the live feed gains and loses subscribers', () => {
    it('should hold the follower prompt from the first until the last has left', () => {
      const follower = new LogFollower(db.sql);
      const feed = new LiveFeed(db.sql, follower);
      expect(follower.prompt).toBe(false);
      const leaveA = feed.subscribe(() => {});
      const leaveB = feed.subscribe(() => {});
      expect(follower.prompt).toBe(true);
      leaveA();
      leaveA();
      expect(follower.prompt).toBe(true);
      leaveB();
      expect(follower.prompt).toBe(false);
      const leaveC = feed.subscribe(() => {});
      expect(follower.prompt).toBe(true);
      leaveC();
      expect(follower.prompt).toBe(false);
    });
  });
});
