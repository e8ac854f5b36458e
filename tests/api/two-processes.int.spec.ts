import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
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
});
