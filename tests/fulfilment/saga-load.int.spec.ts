import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAggregate } from '@/server/command-handler';
import { inventoryDecider } from '@/server/inventory/decider';
import { inventorySnapshotPolicy } from '@/server/inventory/snapshot-policy';
import { available } from '@/server/inventory/state';
import { inventoryStreamId } from '@/server/inventory/stream';
import type { Orderflow } from '@/server/orderflow';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { addProduct, placeTestOrder, startSagaApp, waitForSagas } from './saga-fixtures';

let db: TestDatabase;
let app: Orderflow;

const stock = { 'SKU-L-1': 60, 'SKU-L-2': 35 } as const;
const orderCount = 200;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 5 });
  // Generous deadlines: under load a step is slow, not failed.
  app = await startSagaApp(db.url, { concurrency: 16, stepTimeoutMs: 20_000, leaseMs: 60_000 }, { poolSize: 40 });
  await addProduct(app, 'SKU-L-1', 1200, stock['SKU-L-1']);
  await addProduct(app, 'SKU-L-2', 2500, stock['SKU-L-2']);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

/** A deterministic mix: one or both skus, one to three units each. */
const linesOf = (i: number) => {
  const lines = [];
  if (i % 3 !== 1) lines.push({ sku: 'SKU-L-1', quantity: 1 + (i % 3) });
  if (i % 3 !== 0) lines.push({ sku: 'SKU-L-2', quantity: 1 + ((i >> 1) % 3) });
  return lines;
};

describe('Fulfilment saga', () => {
  describe('When 200 orders arrive at once for limited stock', () => {
    it('should complete or cancel each, never oversell, and balance the ledger', async () => {
      const orderIds = await Promise.all(Array.from({ length: orderCount }, (_, i) => placeTestOrder(app, { lines: linesOf(i) })));
      const outcomes = await waitForSagas(app.sql, orderIds, 110_000);

      const statuses = [...outcomes.values()];
      expect(statuses.every((s) => s === 'completed' || s === 'compensated')).toBe(true);
      const completed = orderIds.filter((id) => outcomes.get(id) === 'completed');
      const compensated = orderIds.filter((id) => outcomes.get(id) === 'compensated');
      expect(completed.length).toBeGreaterThan(0);
      expect(compensated.length).toBeGreaterThan(0);

      // Every cancellation is for stock, and the order's own status agrees with its saga.
      const reasons = await app.sql<{ order_id: string; reason: string }[]>`
        SELECT order_id, reason FROM saga_progress WHERE order_id = ANY(${compensated}::text[])`;
      for (const { reason } of reasons) expect(reason).toMatch(/^Out of stock: SKU-L-[12]$/);
      const orderStatuses = await app.sql<{ status: string; n: number }[]>`
        SELECT status, count(*)::int AS n FROM order_summaries WHERE order_id = ANY(${orderIds}::text[]) GROUP BY status`;
      expect(Object.fromEntries(orderStatuses.map((r) => [r.status, r.n]))).toEqual({
        confirmed: completed.length,
        cancelled: compensated.length,
      });

      // No oversell: what left the warehouse is what the completed orders hold, within the stock.
      const completedSet = new Set(completed);
      for (const [sku, received] of Object.entries(stock)) {
        const shipped = orderIds.reduce(
          (n, id, i) => n + (completedSet.has(id) ? (linesOf(i).find((l) => l.sku === sku)?.quantity ?? 0) : 0),
          0,
        );
        const { state } = await loadAggregate(app.store, inventoryStreamId(sku), inventoryDecider, inventorySnapshotPolicy);
        expect(shipped).toBeLessThanOrEqual(received);
        expect(state.onHand).toBe(received - shipped);
        expect(state.reservations).toEqual({});
        expect(available(state)).toBeGreaterThanOrEqual(0);
      }

      // The ledger: charged minus refunded is exactly the total of the confirmed orders.
      const [ledger] = await app.sql<{ charged: number; refunded: number }[]>`
        SELECT coalesce(sum((data->>'amountCents')::bigint) FILTER (WHERE type = 'PaymentCharged'), 0)::bigint AS charged,
               coalesce(sum((data->>'amountCents')::bigint) FILTER (WHERE type = 'PaymentRefunded'), 0)::bigint AS refunded
        FROM events WHERE type IN ('PaymentCharged', 'PaymentRefunded')`;
      const [confirmedTotal] = await app.sql<{ total: number }[]>`
        SELECT coalesce(sum(total_cents), 0)::bigint AS total FROM order_summaries WHERE status = 'confirmed'`;
      expect(ledger!.charged - ledger!.refunded).toBe(confirmedTotal!.total);

      // Exactly once: one charge and one shipment per completed order, none for the others.
      const perOrder = await app.sql<{ correlation_id: string; type: string; n: number }[]>`
        SELECT correlation_id, type, count(*)::int AS n FROM events
        WHERE type IN ('PaymentCharged', 'ShipmentCreated', 'OrderConfirmed', 'OrderCancelled') GROUP BY correlation_id, type`;
      expect(perOrder.every((r) => r.n === 1)).toBe(true);
      expect(perOrder.filter((r) => r.type === 'ShipmentCreated').length).toBe(completed.length);
    });
  });
});
