import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '@/server/event-store/event-store';
import { LogFollower } from '@/server/live/log-follower';
import { listenForAppends, LogNotifier } from '@/server/live/log-notifier';
import { appendOptions, increment, testRegistry } from '../event-store/test-events';
import { recordingSql } from '../support/statement-recorder';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 10 });
});
afterAll(() => db.drop());

describe('Log notifier', () => {
  describe('When this process appends and its follower reads', () => {
    it('should tell another process the position in the follower\'s read, with no NOTIFY statement of its own', async () => {
      const registry = testRegistry();
      const store = new EventStore(db.sql, registry);
      const notifier = new LogNotifier();
      const { sql, record } = await recordingSql(db.url, 2);
      const follower = new LogFollower(sql, registry, { pollMs: 60_000, announce: notifier });
      await follower.start();
      // Another process's LISTEN (no own token to skip).
      const heard: number[] = [];
      const unlisten = await listenForAppends(db.sql, (position) => heard.push(position));
      await new Promise((r) => setTimeout(r, 50)); // the follower's first read, at start, is done
      try {
        const { answer: appended, statements } = await record(async () => {
          const appended = await store.append('notify-1', [increment()], appendOptions());
          notifier.appended(appended.position);
          follower.wake();
          await expect.poll(() => heard, { timeout: 5_000 }).toContain(appended.position);
          return appended;
        });
        expect(follower.position).toBeGreaterThanOrEqual(appended.position);
        expect(statements.filter((s) => !s.includes('pg_snapshot_xmin'))).toEqual([]);
        expect(statements.filter((s) => s.includes('pg_notify'))).toHaveLength(1);
        // Taken once: the next read carries none.
        expect(notifier.take()).toBeUndefined();
      } finally {
        await unlisten();
        await follower.stop();
        await sql.end();
      }
    });
  });

  describe('When the read that carried a notification fails', () => {
    it('should send it with the next one', () => {
      const notifier = new LogNotifier();
      notifier.appended(7);
      const note = notifier.take()!;
      expect(note.payload).toBe(`7:${notifier.token}`);
      notifier.giveBack(note);
      notifier.appended(5);
      expect(notifier.take()?.payload).toBe(`7:${notifier.token}`);
    });
  });
});
