import { describe, expect, it } from 'vitest';
import type { Orderflow } from '@/server/orderflow';
import {
  expectEveryEffectOnce,
  finishedCount,
  ledger,
  placeTestOrder,
  sagaFinalEventTypes,
  useChildWorkerSetup,
  waitForSagas,
} from './saga-fixtures';
import { waitUntil } from '../support/wait-until';

const setup = useChildWorkerSetup({ latencyMs: 20, concurrency: 3, products: [{ sku: 'SKU-P-1', priceCents: 1500, stock: 1000 }] });

const stepWorkers = (sql: Orderflow['sql'], orderIds: string[]) =>
  sql<{ correlation_id: string; worker: string }[]>`
    SELECT DISTINCT correlation_id, data->>'worker' AS worker FROM events
    WHERE type IN ('FulfilmentStepStarted', 'FulfilmentStepSucceeded', 'FulfilmentStepRejected', 'FulfilmentStepFailed')
      AND correlation_id = ANY(${orderIds}::text[])`;

describe('Fulfilment saga', () => {
  describe('When two processes run sagas on one database', () => {
    it('should run every step in exactly one of them, and the survivor should finish what the other left', async () => {
      const { app } = setup;
      const [a, b] = await Promise.all([setup.startWorker('pair-A'), setup.startWorker('pair-B')]);
      const orderIds = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          placeTestOrder(app, { lines: [{ sku: 'SKU-P-1', quantity: 1 + (i % 2) }], token: i % 10 === 4 ? 'tok_declined' : 'tok_visa' }),
        ),
      );
      await waitUntil('a quarter of the sagas to finish', async () => (await finishedCount(app.sql, orderIds)) >= 10, 60_000);
      // A dies mid-step: its participant calls now wait for their deadlines (1 s), and it is
      // killed as soon as one does, so it certainly holds that saga, whatever the timing.
      const heldByA = await a.holdSagas();
      await a.kill();
      // What A held unfinished when it died (a saga it had just finished may still be held: nothing
      // left to do there). Unfinished by the log, not by saga_progress, which may lag behind it.
      const orphaned = (await app.sql<{ order_id: string }[]>`
        SELECT w.order_id FROM saga_work w
        WHERE w.locked_by = 'pair-A' AND w.locked_until > now()
          AND NOT EXISTS (SELECT 1 FROM events e WHERE e.correlation_id = w.order_id
                          AND e.type = ANY(${sagaFinalEventTypes}::text[]))`).map((r) => r.order_id);
      expect(orphaned).toContain(heldByA);

      const outcomes = await waitForSagas(app.sql, orderIds, 90_000);
      expect([...outcomes.values()].every((s) => s === 'completed' || s === 'compensated')).toBe(true);
      await expectEveryEffectOnce(app.sql, orderIds);
      const money = await ledger(app.sql, orderIds);
      expect(money.net).toBe(money.confirmedTotal);

      // Both processes did work, side by side.
      const byWorker = await stepWorkers(app.sql, orderIds);
      expect(new Set(byWorker.map((r) => r.worker))).toEqual(new Set(['pair-A', 'pair-B']));
      // What A held when it died, B finished (resuming A's attempt in flight under the same key, if any).
      for (const orderId of orphaned) {
        expect(outcomes.get(orderId)).toMatch(/completed|compensated/);
        expect(byWorker.some((r) => r.correlation_id === orderId && r.worker === 'pair-B'), orderId).toBe(true);
      }
    });
  });
});
