import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcCodeFor } from '@/server/error-codes';
import { sagaProgressFor } from '@/server/fulfilment/queries';
import { cancelOrder } from '@/server/handlers/cancel-order';
import { placeOrder } from '@/server/handlers/place-order';
import type { Orderflow } from '@/server/orderflow';
import { DomainError } from '@/server/shared/errors';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import {
  addProduct,
  customerId,
  domainEvents,
  domainTypes,
  startSagaApp,
  waitForSaga,
} from './saga-fixtures';
import { waitUntil } from '../support/wait-until';
import { ParticipantControl, type ParticipantMethod } from './participant-control';

let db: TestDatabase;
let app: Orderflow;
const control = new ParticipantControl();
const customer = { kind: 'user' as const, id: customerId };

beforeAll(async () => {
  db = await createTestDatabase();
  // A transient failure here waits long for its retry, so a test can cancel while it is pending.
  app = await startSagaApp(db.url, {
    participants: control.wrap,
    retryPolicy: { maxAttempts: 3, persistentMaxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 30_000 },
  });
  await addProduct(app, 'SKU-C-1', 1500, 50);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const place = async (orderId: string) => {
  await placeOrder(app, {
    orderId,
    customerId,
    lines: [{ sku: 'SKU-C-1', quantity: 2 }],
    shippingAddress: { name: 'Saga Tester', line1: '1 Test Street', city: 'Testville', postalCode: 'T1 1TT', country: 'GB' },
    paymentToken: 'tok_visa',
  });
};

const cancelByCustomer = (orderId: string) => cancelOrder(app, { orderId, reason: 'Changed my mind' }, customer);

const orderStatus = async (orderId: string) =>
  (await app.sql<{ status: string }[]>`SELECT status FROM order_summaries WHERE order_id = ${orderId}`)[0]?.status;

describe('Fulfilment saga', () => {
  describe('When the customer cancels in the middle of a step', () => {
    it.each<[string, ParticipantMethod, string[]]>([
      [
        'reserving stock',
        'inventory.reserve',
        ['OrderPlaced', 'OrderCancellationRequested', 'StockReserved', 'ReservationReleased', 'OrderCancelled'],
      ],
      [
        'charging the payment',
        'payment.charge',
        [
          'OrderPlaced',
          'StockReserved',
          'OrderInventoryReserved',
          'OrderCancellationRequested',
          'PaymentCharged',
          'PaymentRefunded',
          'ReservationReleased',
          'OrderCancelled',
        ],
      ],
      [
        'creating the shipment',
        'shipping.createShipment',
        [
          'OrderPlaced',
          'StockReserved',
          'OrderInventoryReserved',
          'PaymentCharged',
          'OrderPaid',
          'OrderCancellationRequested',
          'ShipmentCreated',
          'ShipmentCancelled',
          'PaymentRefunded',
          'ReservationReleased',
          'OrderCancelled',
        ],
      ],
    ])('should let the step finish, then undo it and everything before it, while %s', async (_, method, expected) => {
      const orderId = uuidv7();
      const gate = control.hold(method, orderId);
      await place(orderId);
      await gate.entered;
      await cancelByCustomer(orderId);
      expect(await orderStatus(orderId)).toBe('cancelling');
      gate.release();

      const progress = await waitForSaga(app, orderId);
      expect(progress).toMatchObject({
        status: 'compensated',
        reason: 'Cancelled by customer',
        cancelledBy: 'customer',
        cancellationRequest: { reason: 'Changed my mind' },
      });
      expect(await domainTypes(app, orderId)).toEqual(expected);
      const cancelled = (await domainEvents(app, orderId)).find((e) => e.type === 'OrderCancelled')!;
      expect(cancelled.data).toMatchObject({ reason: 'Cancelled by customer', cancelledBy: 'customer' });
      expect(await orderStatus(orderId)).toBe('cancelled');
    });
  });

  describe('When the customer cancels while a retry is pending', () => {
    it('should drop the retry and compensate at once, refunding nothing that was not charged', async () => {
      const orderId = uuidv7();
      control.failTransiently('payment.charge', orderId, 1);
      await place(orderId);
      await waitUntil('the retry to be scheduled', async () => {
        const progress = await sagaProgressFor(app.sql, orderId);
        return progress?.steps[1]?.nextAttemptAt != null;
      });
      // The timer lives in Postgres: once the processor hands the saga back (just after recording
      // the failed attempt), its work row is due only when the retry is.
      await waitUntil('the work row to wait for the retry', async () => {
        const [work] = await app.sql<{ due_at: Date; locked_by: string | null }[]>`
          SELECT due_at, locked_by FROM saga_work WHERE order_id = ${orderId}`;
        return work !== undefined && work.locked_by === null && work.due_at.getTime() > Date.now();
      });

      await cancelByCustomer(orderId);
      const progress = await waitForSaga(app, orderId);
      expect(progress).toMatchObject({ status: 'compensated', reason: 'Cancelled by customer' });
      expect(progress.steps.map((s) => s.status)).toEqual(['compensated', 'failed', 'skipped', 'skipped']);
      expect(progress.steps[1]!.attempts.map((a) => a.outcome)).toEqual(['error']);
      expect(progress.compensations.map((c) => [c.step, c.result])).toEqual([
        ['refundPayment', 'Nothing was charged, nothing to refund'],
        ['releaseInventory', 'Released 2 units'],
        ['cancelOrder', 'Order cancelled: Cancelled by customer'],
      ]);
      expect(await domainTypes(app, orderId)).toEqual([
        'OrderPlaced',
        'StockReserved',
        'OrderInventoryReserved',
        'OrderCancellationRequested',
        'ReservationReleased',
        'OrderCancelled',
      ]);
      expect((await app.sql`SELECT 1 FROM saga_work WHERE order_id = ${orderId}`).length).toBe(0);
    });
  });

  describe('When the customer cancels after the shipment was created', () => {
    it('should refuse with CONFLICT and let the saga complete', async () => {
      const orderId = uuidv7();
      const gate = control.hold('inventory.commit', orderId);
      await place(orderId);
      await gate.entered;

      const error = await cancelByCustomer(orderId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('CANCEL_NOT_ALLOWED');
      expect(trpcCodeFor[(error as DomainError).code]).toBe('CONFLICT');
      gate.release();

      const progress = await waitForSaga(app, orderId);
      expect(progress.status).toBe('completed');
      expect(await orderStatus(orderId)).toBe('confirmed');
      expect(await domainTypes(app, orderId)).not.toContain('OrderCancellationRequested');
    });
  });
});
