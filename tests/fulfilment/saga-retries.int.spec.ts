import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledSagaMetrics } from '../support/saga-metrics';
import { placeOrder } from '@/server/handlers/place-order';
import type { Orderflow } from '@/server/orderflow';
import { setFaults } from '@/server/participants/faults';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { ParticipantControl } from './participant-control';
import { addProduct, customerId, domainTypes, placeTestOrder, startSagaApp, waitForSaga } from './saga-fixtures';

let db: TestDatabase;
let app: Orderflow;
const control = new ParticipantControl();
const stepTimeoutMs = 500;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startSagaApp(db.url, { stepTimeoutMs, participants: control.wrap });
  await addProduct(app, 'SKU-R-1', 1999, 50);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const orderStatus = async (orderId: string) =>
  (await app.sql<{ status: string }[]>`SELECT status FROM order_summaries WHERE order_id = ${orderId}`)[0]?.status;

describe('Fulfilment saga', () => {
  describe('When the payment gateway never answers', () => {
    it('should time out each attempt, retry up to the limit, then compensate', async () => {
      const orderId = await placeTestOrder(app, { lines: [{ sku: 'SKU-R-1', quantity: 1 }], token: 'tok_timeout' });
      const progress = await waitForSaga(app, orderId);

      const reason = `Payment failed: The payment gateway did not answer within ${stepTimeoutMs} ms`;
      expect(progress).toMatchObject({ status: 'compensated', reason, cancelledBy: 'system' });
      const charge = progress.steps.find((s) => s.step === 'chargePayment')!;
      expect(charge.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'timeout'],
        [2, 'timeout'],
        [3, 'timeout'],
      ]);
      expect(charge.status).toBe('failed');
      expect(await domainTypes(app, orderId)).toEqual([
        'OrderPlaced',
        'StockReserved',
        'OrderInventoryReserved',
        'ReservationReleased',
        'OrderCancelled',
      ]);
      expect(await orderStatus(orderId)).toBe('cancelled');
    });
  });

  describe('When a step keeps failing transiently', () => {
    it('should give up after the last attempt and undo what was done, in reverse', async () => {
      const orderId = uuidv7();
      control.failTransiently('shipping.createShipment', orderId, 3);
      await placeOrder(app, {
        orderId,
        customerId,
        lines: [{ sku: 'SKU-R-1', quantity: 2 }],
        shippingAddress: { name: 'R', line1: '1 Test Street', city: 'Testville', postalCode: 'T1', country: 'GB' },
        paymentToken: 'tok_visa',
      });
      const progress = await waitForSaga(app, orderId);

      expect(progress).toMatchObject({ status: 'compensated', reason: 'Shipping failed: shipping.createShipment is unavailable (test)' });
      expect(progress.steps.find((s) => s.step === 'createShipment')!.attempts.map((a) => a.outcome)).toEqual(['error', 'error', 'error']);
      expect(progress.compensations.map((c) => [c.step, c.status])).toEqual([
        ['cancelShipment', 'succeeded'],
        ['refundPayment', 'succeeded'],
        ['releaseInventory', 'succeeded'],
        ['cancelOrder', 'succeeded'],
      ]);
      expect(await domainTypes(app, orderId)).toEqual([
        'OrderPlaced',
        'StockReserved',
        'OrderInventoryReserved',
        'PaymentCharged',
        'OrderPaid',
        'PaymentRefunded',
        'ReservationReleased',
        'OrderCancelled',
      ]);
    });
  });

  describe('When a compensation cannot be done either', () => {
    it('should mark the saga failed after the compensation’s own retries', async () => {
      await setFaults(app.sql, 'shipping', { transientErrorRate: 1 });
      try {
        const orderId = await placeTestOrder(app, { lines: [{ sku: 'SKU-R-1', quantity: 1 }] });
        const progress = await waitForSaga(app, orderId);

        expect(progress).toMatchObject({
          status: 'failed',
          reason: 'Cancel shipment failed: The shipping carrier is temporarily unavailable (injected fault)',
        });
        expect(progress.compensations.map((c) => [c.step, c.status, c.attempts.length])).toEqual([
          ['cancelShipment', 'failed', 5],
          ['refundPayment', 'skipped', 0],
          ['releaseInventory', 'skipped', 0],
          ['cancelOrder', 'skipped', 0],
        ]);
        expect((await settledSagaMetrics(app)).failed).toBe(1);
        expect((await app.sql`SELECT 1 FROM saga_work WHERE order_id = ${orderId}`).length).toBe(0);
      } finally {
        await setFaults(app.sql, 'shipping', { transientErrorRate: 0 });
      }
    });
  });
});
