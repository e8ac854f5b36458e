import { describe, expect, it } from 'vitest';
import { loadAggregate } from '@/server/command-handler';
import { sagaProgressFor } from '@/server/fulfilment/queries';
import { inventoryDecider } from '@/server/inventory/decider';
import { inventoryStreamId } from '@/server/inventory/stream';
import { expectEveryEffectOnce, finishedCount, ledger, placeTestOrder, useChildWorkerSetup, waitForSagas } from './saga-fixtures';
import { waitUntil } from '../support/wait-until';

const setup = useChildWorkerSetup({
  latencyMs: 25,
  concurrency: 4,
  products: [
    { sku: 'SKU-K-1', priceCents: 1000, stock: 1000 },
    { sku: 'SKU-K-2', priceCents: 3000, stock: 5 },
  ],
});

type Expectation = 'complete' | 'Payment declined' | 'Carrier cannot ship to XX' | 'complete or out of stock';

const orderPlan = (i: number): { lines: { sku: string; quantity: number }[]; token?: string; country?: string; expect: Expectation } => {
  switch (i % 8) {
    case 3:
      return { lines: [{ sku: 'SKU-K-1', quantity: 1 }], token: 'tok_declined', expect: 'Payment declined' };
    case 5:
      return { lines: [{ sku: 'SKU-K-1', quantity: 2 }], country: 'XX', expect: 'Carrier cannot ship to XX' };
    case 6:
      return { lines: [{ sku: 'SKU-K-1', quantity: 1 }, { sku: 'SKU-K-2', quantity: 2 }], expect: 'complete or out of stock' };
    default:
      return { lines: [{ sku: 'SKU-K-1', quantity: 1 + (i % 3) }], expect: 'complete' };
  }
};

describe('Fulfilment saga', () => {
  describe('When the process running the sagas is killed (kill -9) and restarted, twice', () => {
    it('should bring every saga to its final state with no effect done twice', async () => {
      const { app } = setup;
      const plans = Array.from({ length: 40 }, (_, i) => orderPlan(i));
      const orderIds: string[] = [];
      for (const plan of plans) orderIds.push(await placeTestOrder(app, plan));

      let interrupted = 0;
      for (const [id, killAfter] of [['crash-A', 8], ['crash-B', 20]] as const) {
        const worker = await setup.startWorker(id);
        await waitUntil(`${killAfter} finished sagas`, async () => (await finishedCount(app.sql, orderIds)) >= killAfter, 60_000);
        await worker.kill();
        // What it held at the moment it died: sagas in the middle of a step.
        const held = await app.sql`
          SELECT w.order_id FROM saga_work w JOIN saga_progress p USING (order_id)
          WHERE w.locked_by = ${id} AND w.locked_until > now() AND p.status IN ('running', 'compensating')`;
        interrupted += held.length;
      }
      expect(await finishedCount(app.sql, orderIds)).toBeLessThan(orderIds.length);
      expect(interrupted).toBeGreaterThan(0);

      await setup.startWorker('crash-C');
      const outcomes = await waitForSagas(app.sql, orderIds, 90_000);

      for (const [i, orderId] of orderIds.entries()) {
        const progress = (await sagaProgressFor(app.sql, orderId))!;
        const expected = plans[i]!.expect;
        if (expected === 'complete') expect(progress.status, orderId).toBe('completed');
        else if (expected === 'complete or out of stock') {
          expect(progress.status === 'completed' || progress.reason === 'Out of stock: SKU-K-2', orderId).toBe(true);
        } else expect(progress, orderId).toMatchObject({ status: 'compensated', reason: expected });
      }
      expect([...outcomes.values()]).not.toContain('failed');
      await expectEveryEffectOnce(app.sql, orderIds);
      const money = await ledger(app.sql, orderIds);
      expect(money.net).toBe(money.confirmedTotal);
      for (const sku of ['SKU-K-1', 'SKU-K-2']) {
        const { state } = await loadAggregate(app.store, inventoryStreamId(sku), inventoryDecider);
        expect(state.reservations, sku).toEqual({});
      }
      // The saga work queue is empty once everything finished.
      expect(await app.sql`SELECT order_id FROM saga_work WHERE order_id = ANY(${orderIds}::text[])`).toEqual([]);
    });
  });
});
