import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferenceDataCache } from '@/server/catalog/reference-data-cache';
import { startTestServer, validOrder, type TestServer } from '../support/test-server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workers: false });
});
afterAll(() => server.close());

const unitPriceOf = async (orderId: string): Promise<number | undefined> => {
  const { trpc } = server.client();
  const order = await trpc.orders.byId.query({ orderId });
  return order.lines[0]?.unitPriceCents;
};

describe('Reference data cache', () => {
  describe('When a price is changed by hand in SQL after an order was placed', () => {
    it('should drop what it held and price the next order at the new price', async () => {
      const { trpc } = server.client();
      const first = await trpc.orders.place.mutate(validOrder());
      expect(await unitPriceOf(first.orderId)).toBe(1500);
      expect(server.app.referenceData.size).toBeGreaterThan(0);

      await server.db.sql`UPDATE products SET price_cents = 1700 WHERE sku = 'SKU-CB-09'`;
      await expect.poll(() => server.app.referenceData.size, { timeout: 10_000 }).toBe(0);

      const second = await trpc.orders.place.mutate(validOrder());
      expect(await unitPriceOf(second.orderId)).toBe(1700);
    });
  });

  describe('When a customer is looked up before it exists', () => {
    it('should find it as soon as it is added', async () => {
      const { referenceData } = server.app;
      const customerId = 'cus_added_later';
      expect((await referenceData.lookup(server.app.sql, customerId, ['SKU-CB-09'])).customer).toBeUndefined();
      await server.db.sql`INSERT INTO customers (customer_id, name, email, country) VALUES (${customerId}, 'Added Later', 'later@example.com', 'NL')`;
      const found = await referenceData.lookup(server.app.sql, customerId, ['SKU-CB-09']);
      expect(found.customer).toEqual({ customerId, name: 'Added Later' });
    });
  });

  describe('When a drop comes while a read is under way', () => {
    it('should not keep what that read found', async () => {
      const cache = new ReferenceDataCache();
      await cache.listen(server.app.sql);
      try {
        const reading = cache.lookup(server.app.sql, 'cus_ada', ['SKU-CB-09']);
        cache.drop();
        expect((await reading).customer?.customerId).toBe('cus_ada');
        expect(cache.size).toBe(0);
        await cache.lookup(server.app.sql, 'cus_ada', ['SKU-CB-09']);
        expect(cache.size).toBe(2);
      } finally {
        await cache.close();
      }
    });
  });

  describe('When it is not listening', () => {
    it('should read through and keep nothing', async () => {
      const cache = new ReferenceDataCache();
      const found = await cache.lookup(server.app.sql, 'cus_ada', ['SKU-CB-09', 'SKU-KB-01']);
      expect(Object.keys(found.catalog).sort()).toEqual(['SKU-CB-09', 'SKU-KB-01']);
      expect(cache.size).toBe(0);
    });
  });

  describe('When more products are read than it may hold', () => {
    it('should keep only the most recent ones', async () => {
      const cache = new ReferenceDataCache(2);
      await cache.listen(server.app.sql);
      try {
        const found = await cache.lookup(server.app.sql, 'cus_ada', ['SKU-CB-09', 'SKU-KB-01', 'SKU-MS-02']);
        expect(Object.keys(found.catalog)).toHaveLength(3);
        expect(cache.size).toBe(1 + 2);
      } finally {
        await cache.close();
      }
    });
  });
});
