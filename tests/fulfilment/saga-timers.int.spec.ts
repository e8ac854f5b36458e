import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sagaProgressFor } from '@/server/fulfilment/queries';
import { placeOrder } from '@/server/handlers/place-order';
import type { Orderflow } from '@/server/orderflow';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { ParticipantControl } from './participant-control';
import { addProduct, customerId, domainTypes, processorOf, startSagaApp, waitForSaga } from './saga-fixtures';
import { waitUntil } from '../support/wait-until';

let db: TestDatabase;
const apps: Orderflow[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const app of apps) await app.close().catch(() => {});
  await db?.drop();
});

describe('Fulfilment saga', () => {
  describe('When the process stops while a retry is pending', () => {
    it('should keep the retry in Postgres, and a new process should run it when due', async () => {
      const control = new ParticipantControl();
      // The first process backs off a second: long enough to stop it before the retry is due.
      const first = await startSagaApp(db.url, {
        workerId: 'first',
        participants: control.wrap,
        retryPolicy: { maxAttempts: 3, persistentMaxAttempts: 5, baseDelayMs: 1500, maxDelayMs: 1500 },
      });
      apps.push(first);
      await addProduct(first, 'SKU-T-1', 990, 10);
      const orderId = uuidv7();
      control.failTransiently('payment.charge', orderId, 1);
      await placeOrder(first, {
        orderId,
        customerId,
        lines: [{ sku: 'SKU-T-1', quantity: 1 }],
        shippingAddress: { name: 'T', line1: '1 Test Street', city: 'Testville', postalCode: 'T1', country: 'GB' },
        paymentToken: 'tok_visa',
      });
      await waitUntil('the retry to be scheduled', async () => (await sagaProgressFor(first.sql, orderId))?.steps[1]?.nextAttemptAt != null);
      await first.close();
      expect(processorOf(first).isRunning).toBe(false);

      const pending = await sagaProgressFor(db.sql, orderId);
      const [work] = await db.sql<{ due_at: Date; locked_by: string | null }[]>`SELECT due_at, locked_by FROM saga_work WHERE order_id = ${orderId}`;
      expect(work!.locked_by).toBeNull();
      expect(work!.due_at.toISOString()).toBe(pending!.steps[1]!.nextAttemptAt);

      const second = await startSagaApp(db.url, { workerId: 'second' });
      apps.push(second);
      const progress = await waitForSaga(second, orderId);
      expect(progress.status).toBe('completed');
      expect(progress.steps[1]!.attempts.map((a) => [a.attempt, a.outcome, a.worker])).toEqual([
        [1, 'error', 'first'],
        [2, 'succeeded', 'second'],
      ]);
      // Not before it was due.
      expect(progress.steps[1]!.attempts[1]!.startedAt >= pending!.steps[1]!.nextAttemptAt!).toBe(true);
      expect((await domainTypes(second, orderId)).filter((t) => t === 'PaymentCharged')).toHaveLength(1);
    });
  });
});
