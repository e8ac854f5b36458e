import { createTRPCClient, createWSClient, httpLink, wsLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppRouter } from '@/server/root';
import { startChildServer, type ChildServer } from '../support/child-server';
import { startTestServer, validOrder, type TestServer } from '../support/test-server';

let processA: TestServer;
let processB: ChildServer;

beforeAll(async () => {
  processA = await startTestServer({ workers: false });
  processB = await startChildServer(processA.db.url, { ORDERFLOW_WORKERS: '0' });
});
afterAll(async () => {
  await processB?.kill();
  await processA?.close();
});

describe('Two app processes on one database', () => {
  describe('When an order is placed through process A', () => {
    it('should reach a subscriber connected to process B', async () => {
      const ws = createWSClient({ url: processB.wsUrl, WebSocket: WebSocket as never });
      const onB = createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] });
      const received: string[] = [];
      await new Promise<void>((resolve) => {
        onB.live.changes.subscribe({}, { onStarted: () => resolve(), onData: (m) => received.push(...m.data.changes.map((c) => c.orderId)) });
      });
      const { trpc } = processA.client();
      const placed = await trpc.orders.place.mutate(validOrder());
      await expect.poll(() => received.includes(placed.orderId), { timeout: 10_000 }).toBe(true);
      await ws.close();
    });
  });

  describe('When a price is changed in SQL after both processes placed an order at the old one', () => {
    it('should price the next order placed through either process at the new one', async () => {
      const { trpc: onA } = processA.client();
      const onB = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${processB.baseUrl}/api/trpc` })] });
      const order = validOrder({ lines: [{ sku: 'SKU-MS-02', quantity: 1 }] });
      const priceOf = async (placed: { orderId: string; position: number }) =>
        (await onA.orders.byId.query({ orderId: placed.orderId, minPosition: placed.position })).lines[0]!.unitPriceCents;
      expect(await priceOf(await onA.orders.place.mutate(order))).toBe(3900);
      expect(await priceOf(await onB.orders.place.mutate(order))).toBe(3900);

      await processA.db.sql`UPDATE products SET price_cents = 4100 WHERE sku = 'SKU-MS-02'`;

      // Each process hears of it by its own LISTEN, a few milliseconds after the commit.
      await expect.poll(async () => priceOf(await onB.orders.place.mutate(order)), { timeout: 10_000 }).toBe(4100);
      await expect.poll(async () => priceOf(await onA.orders.place.mutate(order)), { timeout: 10_000 }).toBe(4100);
    });
  });
});
