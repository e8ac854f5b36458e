import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelOrder } from '@/server/handlers/cancel-order';
import type { Orderflow } from '@/server/orderflow';
import { allProjections } from '@/server/projections/all-projections';
import { ProjectionDaemon } from '@/server/projections/projection-daemon';
import type { Projection } from '@/server/projections/projection';
import { verifyProjection } from '@/server/projections/verify-projection';
import { addProduct, placeTestOrder, sleep, startSagaApp, waitForSagas } from '../fulfilment/saga-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { dumpTables, runDaemonUntilIdle } from './projection-helpers';

/**
 * Projections rebuilt together share each batch the daemon reads (one read, one decode), and must
 * come out exactly as when each is rebuilt alone, with appends (orders and their sagas) arriving
 * all along.
 */
let db: TestDatabase;
let app: Orderflow;
const allTables = allProjections.flatMap((p) => p.tables);
const orderIds: string[] = [];

const place = async (i: number) => {
  const orderId = await placeTestOrder(app, { lines: [{ sku: i % 2 ? 'SKU-SR-1' : 'SKU-SR-2', quantity: 1 + (i % 3) }] });
  orderIds.push(orderId);
  if (i % 4 === 0) await cancelOrder(app, { orderId, reason: 'Changed my mind' }, { kind: 'user', id: 'test' }).catch(() => {});
  return orderId;
};

const statuses = async () =>
  Object.fromEntries((await app.sql<{ name: string; status: string }[]>`SELECT name, status FROM projection_checkpoints`).map((r) => [r.name, r.status]));

const handedBack = async (projections: readonly Projection[]) => {
  const now = await statuses();
  return projections.every((p) => now[p.name] !== 'rebuilding');
};

const expectAllIdentical = async () => {
  for (const projection of allProjections) {
    const verification = await verifyProjection(app.sql, app.registry, projection);
    expect(verification, projection.name).toMatchObject({ identical: true });
    expect(verification.eventsReplayed, projection.name).toBeGreaterThan(0);
  }
};

beforeAll(async () => {
  db = await createTestDatabase();
  // The saga processor runs (its events feed saga-progress and inventory-levels); the daemon is driven by hand below.
  app = await startSagaApp(db.url, {}, { workers: false });
  app.workers.find((w) => w !== app.daemon)!.start();
  await addProduct(app, 'SKU-SR-1', 1500, 500);
  await addProduct(app, 'SKU-SR-2', 900, 500);
  for (let i = 0; i < 24; i++) await place(i);
  await waitForSagas(app.sql, orderIds);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('Projections rebuilt together', () => {
  describe('When all five rebuild at once while orders and sagas keep appending', () => {
    it('should read each batch once for all of them and end identical to rebuilding each alone', async () => {
      const daemon = new ProjectionDaemon(app.sql, app.registry, allProjections, { batchSize: 9 });
      await runDaemonUntilIdle(daemon);

      for (const projection of allProjections) await daemon.requestRebuild(projection.name);
      expect((await dumpTables(app.sql, ['order_summaries'])).order_summaries).toEqual([]);
      const before = { ...daemon.reads };
      const during: Promise<unknown>[] = [];
      let rounds = 0;
      while (!(await handedBack(allProjections))) {
        const results = await daemon.stepAll(allProjections);
        for (const [name, result] of results) expect('error' in result ? result.error : undefined, name).toBeUndefined();
        if (rounds++ % 3 === 0 && during.length < 12) during.push(place(100 + during.length));
        expect(rounds).toBeLessThan(5000);
      }
      const shared = daemon.reads.shared - before.shared;
      const own = daemon.reads.own - before.own;
      expect(shared).toBeGreaterThan(10);
      expect(own).toBeLessThan(shared);

      await Promise.all(during);
      await waitForSagas(app.sql, orderIds);
      await runDaemonUntilIdle(daemon);
      await expectAllIdentical();
      const together = await dumpTables(app.sql, allTables);
      expect(together.order_summaries).toHaveLength(orderIds.length);

      // The same log rebuilt one projection after the other, each alone.
      for (const projection of allProjections) {
        await daemon.requestRebuild(projection.name);
        while (!(await handedBack([projection]))) await daemon.step(projection);
      }
      await runDaemonUntilIdle(daemon);
      expect(await dumpTables(app.sql, allTables)).toEqual(together);
    });
  });

  describe('When inline projections rebuild while the async ones follow the head, all driven by the daemon loop', () => {
    it('should hand every one back identical to a replay of the log', async () => {
      const daemon = new ProjectionDaemon(app.sql, app.registry, allProjections, { batchSize: 11, idleMs: 50 });
      await runDaemonUntilIdle(daemon);
      daemon.start();
      try {
        const inline = allProjections.filter((p) => p.kind === 'inline');
        // Far apart: the async projections stand at the head, the inline ones start again from 0.
        for (const projection of inline) await daemon.requestRebuild(projection.name);
        for (let i = 0; i < 8; i++) {
          await place(200 + i);
          daemon.wake();
        }
        for (let waited = 0; !(await handedBack(inline)); waited += 20) {
          expect(waited, 'the rebuild to hand back').toBeLessThan(60_000);
          await sleep(20);
        }
        await waitForSagas(app.sql, orderIds);
      } finally {
        await daemon.stop();
      }
      // The three rebuilt side by side close up and share their reads, though each is stepped on its own.
      expect(daemon.reads.shared).toBeGreaterThan(daemon.reads.own);
      await runDaemonUntilIdle(daemon);
      expect(await statuses()).toEqual(Object.fromEntries(allProjections.map((p) => [p.name, p.kind === 'inline' ? 'inline' : 'running'])));
      await expectAllIdentical();
      const [{ n }] = (await app.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM order_summaries s JOIN streams st ON st.stream_id = 'order-' || s.order_id
        WHERE s.version <> st.version`) as unknown as [{ n: number }];
      expect(n).toBe(0);
    });
  });
});
