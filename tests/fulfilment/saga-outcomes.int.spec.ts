import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLiveLimits, type Context } from '@/server/context';
import { createCallerFactory, router } from '@/server/trpc';
import { sagaProgressFor, listSagas } from '@/server/fulfilment/queries';
import { settledSagaMetrics } from '../support/saga-metrics';
import { foldSagaProgress } from '@/server/fulfilment/progress';
import { getFaults, setFaults } from '@/server/participants/faults';
import type { Orderflow } from '@/server/orderflow';
import { sagasRouter } from '@/server/routers/sagas';
import { faultsRouter } from '@/server/routers/faults';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { addProduct, domainEvents, domainTypes, placeTestOrder, sagaEvents, startSagaApp, waitForSaga, waitForSagas } from './saga-fixtures';
import { waitUntil } from '../support/wait-until';

let db: TestDatabase;
let app: Orderflow;
/** Draws for injected transient errors: a test queues the values it wants, the rest never fail. */
const faultDraws: number[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startSagaApp(db.url, { faultRandom: () => faultDraws.shift() ?? 0.999 });
  await addProduct(app, 'SKU-OK-1', 2500, 100);
  await addProduct(app, 'SKU-OK-2', 1000, 100);
  await addProduct(app, 'SKU-SHORT', 4000, 1);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const context = (): Context => ({ app, actor: { kind: 'user', id: 'test' }, liveLimits: defaultLiveLimits });

const orderStatus = async (orderId: string) =>
  (await app.sql<{ status: string }[]>`SELECT status FROM order_summaries WHERE order_id = ${orderId}`)[0]?.status;

const cancelled = async (orderId: string) => {
  const events = await domainEvents(app, orderId);
  return events.find((e) => e.type === 'OrderCancelled')?.data as { reason: string; cancelledBy: string };
};

describe('Fulfilment saga', () => {
  describe('When every step succeeds', () => {
    it('should confirm the order with each step succeeded once', async () => {
      const orderId = await placeTestOrder(app, { lines: [{ sku: 'SKU-OK-1', quantity: 2 }] });
      const progress = await waitForSaga(app, orderId);

      expect(progress.status).toBe('completed');
      expect(progress.steps.map((s) => [s.step, s.status, s.attempts.map((a) => a.outcome)])).toEqual([
        ['reserveInventory', 'succeeded', ['succeeded']],
        ['chargePayment', 'succeeded', ['succeeded']],
        ['createShipment', 'succeeded', ['succeeded']],
        ['confirmOrder', 'succeeded', ['succeeded']],
      ]);
      expect(progress.compensations).toEqual([]);
      expect(progress.retries).toBe(0);
      expect(await orderStatus(orderId)).toBe('confirmed');
      expect(await domainTypes(app, orderId)).toEqual([
        'OrderPlaced',
        'StockReserved',
        'OrderInventoryReserved',
        'PaymentCharged',
        'OrderPaid',
        'ShipmentCreated',
        'OrderShipmentCreated',
        'ReservationCommitted',
        'OrderConfirmed',
      ]);
    });

    it('should correlate every event of the saga and its participants with the order, each command keyed by saga, step and attempt', async () => {
      const orderId = await placeTestOrder(app, { lines: [{ sku: 'SKU-OK-1', quantity: 1 }, { sku: 'SKU-OK-2', quantity: 3 }] });
      await waitForSaga(app, orderId);
      const written = await app.sql<{ stream_id: string; correlation_id: string; key: string | null }[]>`
        SELECT stream_id, correlation_id, metadata->>'idempotencyKey' AS key FROM events
        WHERE stream_id IN (${`order-${orderId}`}, ${`payment-${orderId}`}, ${`shipment-${orderId}`}, ${`fulfilment-${orderId}`})
           OR (stream_id LIKE 'inventory-%' AND data->>'orderId' = ${orderId})`;
      expect(written.length).toBeGreaterThan(15);
      expect(new Set(written.map((r) => r.correlation_id))).toEqual(new Set([orderId]));
      const participantKeys = written.filter((r) => !r.stream_id.startsWith('fulfilment-') && !r.stream_id.startsWith('order-')).map((r) => r.key);
      expect(participantKeys.sort()).toEqual(
        [
          `saga:${orderId}:charge:1:charge`,
          `saga:${orderId}:confirm:1:SKU-OK-1`,
          `saga:${orderId}:confirm:1:SKU-OK-2`,
          `saga:${orderId}:reserve:1:SKU-OK-1`,
          `saga:${orderId}:reserve:1:SKU-OK-2`,
          `saga:${orderId}:ship:1:create`,
        ].sort(),
      );
      // The order's timeline holds the saga too, and folding it gives the projection's row.
      const timeline = await app.store.readCorrelated(orderId);
      expect(foldSagaProgress(timeline)).toEqual(await sagaProgressFor(app.sql, orderId));
    });
  });

  describe('When a line is out of stock', () => {
    it('should release the lines it reserved and cancel the order saying which sku ran out', async () => {
      const orderId = await placeTestOrder(app, { lines: [{ sku: 'SKU-OK-1', quantity: 1 }, { sku: 'SKU-SHORT', quantity: 2 }] });
      const progress = await waitForSaga(app, orderId);

      expect(progress).toMatchObject({ status: 'compensated', reason: 'Out of stock: SKU-SHORT', cancelledBy: 'system' });
      expect(await domainTypes(app, orderId)).toEqual([
        'OrderPlaced',
        'StockReserved',
        'StockReservationRejected',
        'ReservationReleased',
        'OrderCancelled',
      ]);
      const released = (await domainEvents(app, orderId)).find((e) => e.type === 'ReservationReleased')!;
      expect(released.data).toMatchObject({ sku: 'SKU-OK-1', quantity: 1, reason: 'Out of stock: SKU-SHORT' });
      expect(await cancelled(orderId)).toMatchObject({ reason: 'Out of stock: SKU-SHORT', cancelledBy: 'system' });
      expect(progress.steps.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped']);
      expect(progress.compensations.map((s) => [s.step, s.status])).toEqual([
        ['releaseInventory', 'succeeded'],
        ['cancelOrder', 'succeeded'],
      ]);
    });
  });

  describe('When the payment is declined', () => {
    it.each([
      ['tok_declined', 'Payment declined'],
      ['tok_insufficient_funds', 'Payment declined: insufficient funds'],
    ])('should release the stock, refund nothing and cancel the order for %s', async (token, reason) => {
      const orderId = await placeTestOrder(app, { lines: [{ sku: 'SKU-OK-1', quantity: 1 }], token });
      const progress = await waitForSaga(app, orderId);

      expect(progress).toMatchObject({ status: 'compensated', reason });
      expect(await domainTypes(app, orderId)).toEqual([
        'OrderPlaced',
        'StockReserved',
        'OrderInventoryReserved',
        'PaymentDeclined',
        'ReservationReleased',
        'OrderCancelled',
      ]);
      expect(await cancelled(orderId)).toMatchObject({ reason, cancelledBy: 'system' });
      expect(await orderStatus(orderId)).toBe('cancelled');
      expect(progress.steps.map((s) => s.status)).toEqual(['compensated', 'failed', 'skipped', 'skipped']);
    });
  });

  describe('When the carrier cannot ship to the country', () => {
    it('should refund the payment, then release the stock, then cancel the order', async () => {
      const orderId = await placeTestOrder(app, { lines: [{ sku: 'SKU-OK-2', quantity: 2 }], country: 'XX' });
      const progress = await waitForSaga(app, orderId);

      expect(progress).toMatchObject({ status: 'compensated', reason: 'Carrier cannot ship to XX' });
      expect(await domainTypes(app, orderId)).toEqual([
        'OrderPlaced',
        'StockReserved',
        'OrderInventoryReserved',
        'PaymentCharged',
        'OrderPaid',
        'ShipmentRejected',
        'PaymentRefunded',
        'ReservationReleased',
        'OrderCancelled',
      ]);
      const events = await domainEvents(app, orderId);
      const charged = events.find((e) => e.type === 'PaymentCharged')!.data as { amountCents: number };
      expect(events.find((e) => e.type === 'PaymentRefunded')!.data).toMatchObject({ amountCents: charged.amountCents, reason: 'Carrier cannot ship to XX' });
      expect(progress.compensations.map((s) => s.step)).toEqual(['refundPayment', 'releaseInventory', 'cancelOrder']);
      expect(progress.steps.map((s) => s.status)).toEqual(['compensated', 'compensated', 'failed', 'skipped']);
    });
  });

  describe('When a participant fails transiently and then recovers', () => {
    it('should record every attempt and complete, charging once', async () => {
      await setFaults(app.sql, 'payment', { transientErrorRate: 0.5 });
      faultDraws.push(0.1, 0.2); // the first two charge calls fail, the third passes
      try {
        const orderId = await placeTestOrder(app, { lines: [{ sku: 'SKU-OK-2', quantity: 1 }] });
        const progress = await waitForSaga(app, orderId);

        expect(progress.status).toBe('completed');
        const charge = progress.steps.find((s) => s.step === 'chargePayment')!;
        expect(charge.attempts.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
          [1, 'error', 'The payment gateway is temporarily unavailable (injected fault)'],
          [2, 'error', 'The payment gateway is temporarily unavailable (injected fault)'],
          [3, 'succeeded', null],
        ]);
        for (const attempt of charge.attempts) expect(attempt.endedAt! >= attempt.startedAt).toBe(true);
        expect(progress.retries).toBe(2);
        expect((await domainTypes(app, orderId)).filter((t) => t === 'PaymentCharged')).toHaveLength(1);
        const failures = (await sagaEvents(app, orderId)).filter((e) => e.type === 'FulfilmentStepFailed');
        expect(failures.map((e) => (e.data as { retryAt: string | null }).retryAt === null)).toEqual([false, false]);
      } finally {
        await setFaults(app.sql, 'payment', { transientErrorRate: 0 });
        faultDraws.length = 0;
      }
    });
  });

  describe('When sagas are listed and counted', () => {
    it('should page through sagas newest first, filter by status and count outcomes', async () => {
      // One after another: sagas of one burst start side by side, so "newest" is by saga start.
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(await placeTestOrder(app, { lines: [{ sku: 'SKU-OK-2', quantity: 1 }] }));
        await waitForSagas(app.sql, ids);
      }

      const caller = createCallerFactory(router({ sagas: sagasRouter }))(context());
      expect((await caller.sagas.list()).items[0]!.orderId).toBe(ids[2]);
      const first = await caller.sagas.list({ limit: 2 });
      expect(first.items.map((s) => s.orderId)).toEqual([ids[2], ids[1]]);
      const second = await caller.sagas.list({ limit: 2, cursor: first.nextCursor });
      expect(second.items[0]!.orderId).toBe(ids[0]);
      const all = await listSagas(app.sql, { limit: 100 });
      const compensated = await caller.sagas.list({ status: 'compensated', limit: 100 });
      expect(compensated.items.length).toBe(all.items.filter((s) => s.status === 'compensated').length);
      expect(compensated.items.every((s) => s.status === 'compensated')).toBe(true);
      expect((await caller.sagas.byOrderId({ orderId: ids[0]! })).status).toBe('completed');
      await expect(caller.sagas.byOrderId({ orderId: 'no-such-order' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

      const metrics = await settledSagaMetrics(app);
      expect(metrics).toEqual({
        inFlight: 0,
        running: 0,
        compensating: 0,
        completed: all.items.filter((s) => s.status === 'completed').length,
        compensated: all.items.filter((s) => s.status === 'compensated').length,
        failed: 0,
        retries: all.items.reduce((n, s) => n + s.retries, 0),
      });
      expect(metrics.retries).toBeGreaterThanOrEqual(2);
    });

    it('should rebuild the progress table to the same rows', async () => {
      const before = await app.sql`SELECT * FROM saga_progress ORDER BY order_id`;
      await app.daemon.requestRebuild('saga-progress');
      await waitUntil('the rebuild', async () => {
        const [row] = await app.sql<{ status: string }[]>`SELECT status FROM projection_checkpoints WHERE name = 'saga-progress'`;
        return row?.status === 'inline';
      });
      expect(await app.sql`SELECT * FROM saga_progress ORDER BY order_id`).toEqual(before);
    });
  });

  describe('When faults are read and set through the API', () => {
    it('should keep the settings in the database and refuse values out of range', async () => {
      const caller = createCallerFactory(router({ faults: faultsRouter }))(context());
      expect((await caller.faults.get()).shipping).toEqual({ latencyMs: 0, transientErrorRate: 0 });
      const updated = await caller.faults.set({ participant: 'shipping', latencyMs: 5 });
      expect(updated.shipping).toEqual({ latencyMs: 5, transientErrorRate: 0 });
      expect((await getFaults(app.sql)).shipping.latencyMs).toBe(5);
      await expect(caller.faults.set({ participant: 'shipping', transientErrorRate: 1.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(caller.faults.set({ participant: 'shipping' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await caller.faults.set({ participant: 'shipping', latencyMs: 0 });
    });
  });
});
