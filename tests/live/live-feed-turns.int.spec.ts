import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@/db/client';
import { placeOrder } from '@/server/handlers/place-order';
import { LiveFeed, type LiveBatch } from '@/server/live/live-feed';
import { LogFollower } from '@/server/live/log-follower';
import { startTestServer, validOrder, type TestServer } from '../support/test-server';

let server: TestServer;
let follower: LogFollower;

beforeAll(async () => {
  server = await startTestServer({ workers: false });
  follower = new LogFollower(server.app.sql, { pollMs: 20 });
  await follower.start();
});
afterAll(async () => {
  await follower.stop();
  await server.close();
});

const place = async () => (await placeOrder(server.app, validOrder(), { kind: 'user', id: 'test' })).position;

/** `count` listeners that each take ~`costMs` per call, and what each was handed, in order. */
const busyListeners = (feed: LiveFeed, count: number, costMs: number) => {
  const got: number[][] = Array.from({ length: count }, () => []);
  /** Per call: which listener, and the position the feed handed it up to. */
  const calls: { index: number; position: number }[] = [];
  const leave = got.map((positions, index) =>
    feed.subscribe((batches: readonly LiveBatch[], position: number) => {
      calls.push({ index, position });
      const until = performance.now() + costMs;
      while (performance.now() < until);
      for (const batch of batches) positions.push(...batch.changes.map((c) => c.position));
    }),
  );
  return { got, calls, leave: () => leave.forEach((l) => l()) };
};

/** The calls split where listener 0 comes again: each part is one pass over every listener. */
const passes = (calls: readonly { index: number; position: number }[]) => {
  const out: { index: number; position: number }[][] = [];
  for (const call of calls) {
    if (call.index === 0 || out.length === 0) out.push([]);
    out[out.length - 1]!.push(call);
  }
  return out;
};

describe('Live feed', () => {
  describe('When handing a change to every listener takes longer than a turn', () => {
    it('should go on from the next listener in the next flush, handing it everything since its last message, once each and in order', async () => {
      // 200 listeners at ~30 µs each: a whole pass takes ~6 ms, a turn 1 ms.
      const feed = new LiveFeed(server.app.sql, follower, { turnMs: 1 });
      feed.start();
      const { got, calls, leave } = busyListeners(feed, 200, 0.03);
      try {
        const placed: number[] = [];
        // Orders keep coming while passes are under way, until a pass has handed out more than one position.
        for (let round = 0; round < 40 && !passes(calls).some((pass) => new Set(pass.map((c) => c.position)).size > 1); round++) {
          placed.push(...(await Promise.all(Array.from({ length: 5 }, place))));
          follower.wake();
        }
        placed.sort((a, b) => a - b);
        const ours = (positions: number[]) => positions.filter((p) => p >= placed[0]!);
        await expect.poll(() => got.every((positions) => ours(positions).length >= placed.length), { timeout: 20_000 }).toBe(true);
        for (const positions of got) expect(ours(positions)).toEqual(placed);
        // In one pass, listeners served in a later turn were handed a later position than those before them.
        expect(passes(calls).some((pass) => new Set(pass.map((c) => c.position)).size > 1)).toBe(true);
      } finally {
        leave();
        feed.stop();
      }
    });

    it('should go on with a pass under way at once, not a whole flush spacing later', async () => {
      // A minute between flushes: were the pass's later turns spaced like flushes, the listeners
      // past the first turn (~30 of 200) would wait minutes for this change.
      const feed = new LiveFeed(server.app.sql, follower, { turnMs: 1, flushMs: 60_000 });
      feed.start();
      const { got, leave } = busyListeners(feed, 200, 0.03);
      try {
        const position = await place();
        follower.wake();
        await expect.poll(() => got.every((positions) => positions.includes(position)), { timeout: 10_000 }).toBe(true);
      } finally {
        leave();
        feed.stop();
      }
    });

    it('should hand a listener that joins while a pass is under way every change after the position it joined at', async () => {
      const feed = new LiveFeed(server.app.sql, follower, { turnMs: 1 });
      feed.start();
      const before = busyListeners(feed, 100, 0.03);
      const late: number[] = [];
      let joinedAt: number | undefined;
      let leaveLate: (() => void) | undefined;
      // Served after the first 100 and before the next 100 (3 ms of them, three turns): the late
      // subscriber joins from inside the pass, taking the feed's position as a subscription does.
      const trigger = feed.subscribe((batches) => {
        if (leaveLate || !batches.some((b) => b.changes.length > 0)) return;
        joinedAt = feed.position;
        leaveLate = feed.subscribe((more) => late.push(...more.flatMap((b) => b.changes.map((c) => c.position))));
      });
      const after = busyListeners(feed, 100, 0.03);
      try {
        const placed: number[] = [];
        for (let round = 0; round < 6; round++) {
          placed.push(...(await Promise.all(Array.from({ length: 5 }, place))));
          follower.wake();
        }
        placed.sort((a, b) => a - b);
        await expect.poll(() => joinedAt, { timeout: 10_000 }).toBeDefined();
        const expected = placed.filter((p) => p > joinedAt!);
        expect(expected.length).toBeGreaterThanOrEqual(5);
        await expect.poll(() => late.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(expected.length);
        expect(late).toEqual(expected);
      } finally {
        leaveLate?.();
        trigger();
        before.leave();
        after.leave();
        feed.stop();
      }
    });
  });

  describe('When turning what the follower read into changes fails', () => {
    it('should report it, try the same events again, and hand each change over once', async () => {
      // The real pool, but the next summary query throws (as on a dropped connection).
      let failures = 1;
      const sql = server.app.sql;
      const flaky = Object.assign((...args: Parameters<Sql>) => {
        if (failures > 0) {
          failures--;
          throw new Error('summary query failed');
        }
        return sql(...args);
      }, sql) as unknown as Sql;
      const errors: unknown[] = [];
      // A follower that reads no views, so the feed reads them with its own query.
      const plain = new LogFollower(sql, { pollMs: 20, orderViews: false });
      await plain.start();
      const feed = new LiveFeed(flaky, plain, { onError: (error) => errors.push(error) });
      feed.start();
      const got: number[] = [];
      const leave = feed.subscribe((batches) => got.push(...batches.flatMap((b) => b.changes.map((c) => c.position))));
      try {
        const placed = [await place(), await place()].sort((a, b) => a - b);
        plain.wake();
        await expect.poll(() => got.filter((p) => p >= placed[0]!), { timeout: 10_000 }).toEqual(placed);
        expect(errors.map(String)).toEqual(['Error: summary query failed']);
      } finally {
        leave();
        feed.stop();
        await plain.stop();
      }
    });
  });
});
