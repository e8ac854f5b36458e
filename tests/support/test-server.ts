import type { AddressInfo } from 'node:net';
import { createTRPCClient, createWSClient, httpLink, splitLink, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import { seedDemoData } from '@/server/catalog/seed';
import { createServer } from '@/server/http/create-server';
import { createOrderflow, startWorkers, type Orderflow } from '@/server/orderflow';
import type { AppRouter } from '@/server/root';
import { createTestDatabase, type TestDatabase } from './test-database';

export type TestServer = {
  db: TestDatabase;
  app: Orderflow;
  wss: import('ws').WebSocketServer;
  baseUrl: string;
  wsUrl: string;
  client: () => { trpc: ReturnType<typeof createTRPCClient<AppRouter>>; close: () => void };
  close: () => Promise<void>;
};

/** A real server on a random port over a fresh database: HTTP, WebSocket, workers and demo data. */
export const startTestServer = async (
  options: { workers?: boolean; seed?: boolean; keepAlive?: { pingMs: number; pongWaitMs: number } } = {},
): Promise<TestServer> => {
  const db = await createTestDatabase({ poolSize: 2 });
  const app = await createOrderflow({ databaseUrl: db.url, poolSize: 20, onError: () => {} });
  if (options.seed !== false) await seedDemoData(app);
  if (options.workers !== false) startWorkers(app);
  // Small live limits so a slow subscriber shows within a test's traffic.
  const http = createServer(app, {
    health: app.healthContributors,
    liveLimits: { maxPendingChanges: 300, maxSendBufferBytes: 64_000 },
    keepAlive: options.keepAlive,
  });
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  const { port } = http.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/api/ws`;
  const clients: (() => void)[] = [];
  return {
    db,
    app,
    wss: http.wss,
    baseUrl,
    wsUrl,
    client: () => {
      const ws = createWSClient({ url: wsUrl, WebSocket: WebSocket as never });
      const trpc = createTRPCClient<AppRouter>({
        links: [splitLink({ condition: (op) => op.type === 'subscription', true: wsLink({ client: ws }), false: httpLink({ url: `${baseUrl}/api/trpc` }) })],
      });
      const close = () => void ws.close();
      clients.push(close);
      return { trpc, close };
    },
    close: async () => {
      for (const close of clients) close();
      await http.close();
      await app.close();
      await db.drop();
    },
  };
};

export const validOrder = (overrides: Record<string, unknown> = {}) => ({
  customerId: 'cus_ada',
  lines: [{ sku: 'SKU-CB-09', quantity: 1 }],
  shippingAddress: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
  paymentToken: 'tok_visa',
  ...overrides,
});
