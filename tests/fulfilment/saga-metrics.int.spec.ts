import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@/db/client';
import type { SagaMetrics } from '@/server/fulfilment/queries';
import type { Orderflow } from '@/server/orderflow';
import { setFaults } from '@/server/participants/faults';
import { dashboardStatsProjection } from '@/server/projections/dashboard-stats';
import { verifyProjection } from '@/server/projections/verify-projection';
import { settledSagaMetrics } from '../support/saga-metrics';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { addProduct, placeTestOrder, startSagaApp, waitForSagas } from './saga-fixtures';
import { waitUntil } from '../support/wait-until';

let db: TestDatabase;
/** Two processes on one database, each with its projection daemon and saga processor. */
let first: Orderflow;
let second: Orderflow;

beforeAll(async () => {
  db = await createTestDatabase();
  first = await startSagaApp(db.url);
  second = await startSagaApp(db.url);
  await addProduct(first, 'SKU-M-1', 1000, 1000);
  await addProduct(first, 'SKU-M-2', 2500, 2);
  // Some payments fail for a moment: retries are spent, and a saga whose retries run out turns back.
  await setFaults(first.sql, 'payment', { latencyMs: 0, transientErrorRate: 0.3 });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
  await db?.drop();
});

/** What /api/health computed before the counters: a scan of saga_progress. */
const scannedFromProgress = async (sql: Sql): Promise<SagaMetrics> => {
  const rows = await sql<{ status: string; count: number; retries: number }[]>`
    SELECT status, count(*)::int AS count, coalesce(sum(retries), 0)::int AS retries FROM saga_progress GROUP BY status`;
  const count = (...statuses: string[]) => rows.filter((r) => statuses.includes(r.status)).reduce((n, r) => n + r.count, 0);
  return {
    inFlight: count('running', 'compensating'),
    running: count('running'),
    compensating: count('compensating'),
    completed: count('completed'),
    compensated: count('compensated'),
    failed: count('failed'),
    retries: rows.reduce((n, r) => n + r.retries, 0),
  };
};

/** One of each, in turn: a plain order, a declined card, a country the carrier refuses, the short SKU-M-2 (2 units). */
const ordersOfKind = {
  plain: { lines: [{ sku: 'SKU-M-1', quantity: 1 }] },
  declined: { lines: [{ sku: 'SKU-M-1', quantity: 2 }], token: 'tok_declined' },
  unshippable: { lines: [{ sku: 'SKU-M-1', quantity: 1 }], country: 'XX' },
  scarce: { lines: [{ sku: 'SKU-M-2', quantity: 1 }] },
};
type OrderKind = keyof typeof ordersOfKind;
const orderKinds = Object.keys(ordersOfKind) as OrderKind[];

describe('Saga metrics', () => {
  describe('When sagas of every outcome ran in two processes', () => {
    let settled: SagaMetrics;
    const placed: { kind: OrderKind; orderId: string }[] = [];
    let statuses: Map<string, string>;

    // Both tests read what these 24 sagas left, so they run once, before either.
    beforeAll(async () => {
      for (let i = 0; i < 24; i++) {
        const kind = orderKinds[i % orderKinds.length]!;
        placed.push({ kind, orderId: await placeTestOrder(i % 2 === 0 ? first : second, ordersOfKind[kind]) });
      }
      statuses = await waitForSagas(first.sql, placed.map((p) => p.orderId));
      settled = await settledSagaMetrics(first);
    });

    it('should count what a scan of saga_progress counts, as seen from either process', async () => {
      expect(settled).toEqual(await scannedFromProgress(first.sql));
      expect(await settledSagaMetrics(second)).toEqual(settled);
      expect(settled).toMatchObject({ inFlight: 0, running: 0, compensating: 0 });
      expect(settled.completed + settled.compensated + settled.failed).toBe(24);
      // Declined, unshippable, and SKU-M-2 beyond its 2 units turn back: compensated, or failed when
      // a compensation's own retries ran out under the 30% payment faults (a refund, now and then).
      const completed = (kind: OrderKind) => placed.filter((p) => p.kind === kind && statuses.get(p.orderId) === 'completed').length;
      expect(completed('declined')).toBe(0);
      expect(completed('unshippable')).toBe(0);
      expect(completed('scarce')).toBeLessThanOrEqual(2);
      expect(settled.compensated + settled.failed).toBeGreaterThanOrEqual(12 + 4);
    });

    it('should hold the same counters after dashboard-stats is rebuilt from the log', async () => {
      const before = await first.sql`SELECT counter, count FROM stats_saga_counts ORDER BY counter`;
      await second.daemon.requestRebuild('dashboard-stats');
      await waitUntil('the rebuild', async () => {
        const [row] = await first.sql<{ status: string }[]>`SELECT status FROM projection_checkpoints WHERE name = 'dashboard-stats'`;
        return row?.status === 'running';
      }, 60_000);
      expect(await first.sql`SELECT counter, count FROM stats_saga_counts ORDER BY counter`).toEqual(before);
      expect(await settledSagaMetrics(first)).toEqual(settled);

      const verification = await verifyProjection(first.sql, first.registry, dashboardStatsProjection);
      expect(verification.identical, JSON.stringify(verification.tables)).toBe(true);
    });
  });
});
