import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '@/server/catalog/seed';
import { placeOrder } from '@/server/handlers/place-order';
import { cancelOrder } from '@/server/handlers/cancel-order';
import { createOrderflow, type Orderflow } from '@/server/orderflow';
import { allProjections } from '@/server/projections/all-projections';
import { ProjectionDaemon } from '@/server/projections/projection-daemon';
import { verifyProjection } from '@/server/projections/verify-projection';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { validOrder } from '../support/test-server';
import { dumpTables, runDaemonUntilIdle } from './projection-helpers';

let db: TestDatabase;
let app: Orderflow;
const allTables = allProjections.flatMap((p) => p.tables);

beforeAll(async () => {
  db = await createTestDatabase();
  app = await createOrderflow({ databaseUrl: db.url, onError: () => {} });
  await seedDemoData(app);
  for (let i = 0; i < 30; i++) {
    const placed = await placeOrder(app, validOrder({ customerId: i % 2 ? 'cus_ada' : 'cus_grace', lines: [{ sku: 'SKU-CB-09', quantity: 1 + (i % 3) }] }));
    if (i % 5 === 0) await cancelOrder(app, { orderId: placed.orderId, reason: 'Changed my mind' }, { kind: 'user', id: 'test' });
  }
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('Projections', () => {
  describe('When the daemon stops mid-way and starts again', () => {
    it('should end with read models equal to a rebuild from position 0', async () => {
      const first = new ProjectionDaemon(app.sql, app.registry, allProjections, { batchSize: 7 });
      for (const projection of allProjections) await first.step(projection);
      // A new daemon (a restarted process) carries on from the stored checkpoints.
      const second = new ProjectionDaemon(app.sql, app.registry, allProjections, { batchSize: 7 });
      await runDaemonUntilIdle(second);
      const afterRestart = await dumpTables(app.sql, allTables);
      expect(afterRestart.stats_status_counts!.length).toBeGreaterThan(0);
      expect(afterRestart.inventory_levels!.length).toBe(20);

      for (const projection of allProjections) await second.requestRebuild(projection.name);
      const emptied = await dumpTables(app.sql, allTables);
      expect(emptied.order_summaries).toEqual([]);
      await runDaemonUntilIdle(second);
      expect(await dumpTables(app.sql, allTables)).toEqual(afterRestart);
      for (const projection of allProjections) {
        const verification = await verifyProjection(app.sql, app.registry, projection);
        expect(verification, projection.name).toMatchObject({ identical: true });
        if (projection.name !== 'saga-progress') expect(verification.eventsReplayed, projection.name).toBeGreaterThan(0);
      }
      const statuses = await app.sql<{ name: string; status: string }[]>`SELECT name, status FROM projection_checkpoints`;
      expect(Object.fromEntries(statuses.map((s) => [s.name, s.status]))).toEqual(
        Object.fromEntries(allProjections.map((p) => [p.name, p.kind === 'inline' ? 'inline' : 'running'])),
      );
    });
  });

  describe('When a read model drifts from the log', () => {
    it('should be caught by the verification, which writes nothing', async () => {
      const daemon = new ProjectionDaemon(app.sql, app.registry, allProjections);
      await runDaemonUntilIdle(daemon);
      const summaries = allProjections.find((p) => p.name === 'order-summaries')!;
      expect((await verifyProjection(app.sql, app.registry, summaries)).identical).toBe(true);
      const [victim] = await app.sql<{ order_id: string }[]>`SELECT order_id FROM order_summaries LIMIT 1`;
      await app.sql`UPDATE order_summaries SET total_cents = total_cents + 1 WHERE order_id = ${victim!.order_id}`;
      const drifted = await verifyProjection(app.sql, app.registry, summaries);
      expect(drifted.identical).toBe(false);
      expect(drifted.tables[0]).toMatchObject({ onlyLive: 1, onlyRebuilt: 1 });
      await app.sql`UPDATE order_summaries SET total_cents = total_cents - 1 WHERE order_id = ${victim!.order_id}`;
      const [{ schemas }] = (await app.sql<{ schemas: number }[]>`SELECT count(*)::int AS schemas FROM pg_namespace WHERE nspname = 'orderflow_verify'`) as unknown as [{ schemas: number }];
      expect(schemas).toBe(0);
    });
  });

  describe('When the inline projections are rebuilt while orders keep arriving', () => {
    it('should come out identical to the live rows, missing no change made during the rebuild', async () => {
      const daemon = new ProjectionDaemon(app.sql, app.registry, allProjections, { batchSize: 5 });
      await runDaemonUntilIdle(daemon);
      await daemon.requestRebuild('order-summaries');
      await daemon.requestRebuild('order-details');
      const during: Promise<unknown>[] = [];
      for (let i = 0; i < 10; i++) {
        await daemon.step(allProjections[0]!);
        await daemon.step(allProjections[1]!);
        during.push(placeOrder(app, validOrder({ lines: [{ sku: 'SKU-DM-15', quantity: 1 }] })));
      }
      await Promise.all(during);
      await runDaemonUntilIdle(daemon);
      const rebuilt = await dumpTables(app.sql, ['order_summaries', 'order_details']);
      const [{ orders }] = (await app.sql<{ orders: number }[]>`SELECT count(DISTINCT stream_id)::int AS orders FROM streams WHERE stream_type = 'order'`) as unknown as [{ orders: number }];
      expect(rebuilt.order_summaries).toHaveLength(orders);
      // Every row is at its stream's version: nothing applied twice or skipped.
      const behind = await app.sql`
        SELECT s.order_id FROM order_summaries s JOIN streams st ON st.stream_id = 'order-' || s.order_id
        WHERE s.version <> st.version`;
      expect(behind).toEqual([]);
    });
  });
});
