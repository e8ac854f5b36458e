import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sagaProgressFor } from '@/server/fulfilment/queries';
import { placeOrder } from '@/server/handlers/place-order';
import { findOrderSummary } from '@/server/queries/order-queries';
import { findOrdersWithSaga } from '@/server/queries/saga-view';
import { OrderLogReader, type OrderLogEntry } from '@/server/live/order-log-reader';
import { startTestServer, validOrder, type TestServer } from '../support/test-server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workers: true });
});
afterAll(() => server.close());

describe('The live feed\'s order lookup', () => {
  describe('When one order\'s saga has run and another order has none', () => {
    it('should answer each summary and saga exactly as the single-order queries do, and null for the missing saga', async () => {
      const { sql } = server.app;
      const [fulfilled, other] = await Promise.all([placeOrder(server.app, validOrder()), placeOrder(server.app, validOrder())]);
      for (const { orderId } of [fulfilled, other]) {
        await expect.poll(async () => (await sagaProgressFor(sql, orderId))?.status, { timeout: 20_000 }).toBe('completed');
      }
      // The other order as before its saga started: a summary with no saga row, the join's empty side.
      await sql`DELETE FROM saga_progress WHERE order_id = ${other.orderId}`;
      const ids = [fulfilled.orderId, other.orderId];

      const found = await findOrdersWithSaga(sql, [...ids, 'no-such-order']);

      expect([...found.keys()].sort()).toEqual([...ids].sort());
      for (const id of ids) {
        expect(found.get(id)!.order).toEqual(await findOrderSummary(sql, id));
        expect(found.get(id)!.saga).toEqual(await sagaProgressFor(sql, id));
      }
      expect(found.get(other.orderId)!.saga).toBeNull();
      expect(found.get(fulfilled.orderId)!.saga!.steps.every((step) => step.attempts.length > 0)).toBe(true);
    });
  });

  describe('When the log is read with each event\'s order view (the follower, while someone watches)', () => {
    it('should carry on every event of an order the view the lookup answers, and null on events of no order', async () => {
      const { sql } = server.app;
      const placed = await placeOrder(server.app, validOrder());
      await expect.poll(async () => (await sagaProgressFor(sql, placed.orderId))?.status, { timeout: 20_000 }).toBe('completed');
      const reader = new OrderLogReader(sql);
      const entries: OrderLogEntry[] = [];
      for (let position = 0; ; ) {
        const batch = await reader.readOrderEntries(sql, position, 100);
        entries.push(...batch.events);
        if (batch.position === position) break;
        position = batch.position;
      }

      const expected = (await findOrdersWithSaga(sql, [placed.orderId])).get(placed.orderId);
      const ofOrder = entries.filter((entry) => entry.correlationId === placed.orderId);
      expect(ofOrder.length).toBeGreaterThan(10);
      for (const entry of ofOrder) expect(entry.view).toEqual(expected);
      const seeded = entries.filter((entry) => entry.correlationId?.startsWith('seed:'));
      expect(seeded.length).toBeGreaterThan(0);
      for (const entry of seeded) expect(entry.view).toBeNull();
    });
  });
});
