import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFactory } from '@/server/context';
import { MAX_BODY_BYTES, TRPC_PATH } from '@/server/http/create-server';
import { createSingleMutationHandler } from '@/server/http/single-mutation';
import { appRouter } from '@/server/root';
import { startTestServer, validOrder, type TestServer } from '../support/test-server';

let server: TestServer;
/** The single-mutation handler alone on the same app: what it declines is answered 599. */
let singleOnly: http.Server;
let singleOnlyUrl: string;
const DECLINED = 599;

beforeAll(async () => {
  server = await startTestServer({ workers: false });
  const single = createSingleMutationHandler({ router: appRouter, createContext: contextFactory(server.app), basePath: `${TRPC_PATH}/`, maxBodySize: MAX_BODY_BYTES });
  singleOnly = http.createServer((req, res) => void (single(req, res) || res.writeHead(DECLINED).end('{}')));
  await new Promise<void>((resolve) => singleOnly.listen(0, '127.0.0.1', resolve));
  singleOnlyUrl = `http://127.0.0.1:${(singleOnly.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => singleOnly.close(() => resolve()));
  await server.close();
});

type Answer = { status: number; contentType: string | null; body: unknown };

/**
 * `single`: the single-mutation handler alone; `trpc`: the app's server with a query string, which
 * sends it to tRPC's own HTTP handler (tRPC ignores a parameter it does not know on a single call).
 */
const post = async (path: string, body: string, via: 'single' | 'trpc', contentType = 'application/json'): Promise<Answer> => {
  const base = via === 'single' ? singleOnlyUrl : server.baseUrl;
  const response = await fetch(`${base}/api/trpc/${path}${via === 'trpc' ? '?via=trpc' : ''}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const answer = (await response.json()) as { error?: { data?: { stack?: string } } };
  // In development tRPC's error shape carries the stack, which names the code that threw.
  delete answer.error?.data?.stack;
  return { status: response.status, contentType: response.headers.get('content-type'), body: answer };
};

const both = async (path: string, body: string, contentType?: string) => ({
  single: await post(path, body, 'single', contentType),
  trpc: await post(path, body, 'trpc', contentType),
});

const eventCount = async () => (await server.app.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`)[0]!.n;

describe('A single mutation over HTTP', () => {
  describe('When it succeeds', () => {
    it('should answer as tRPC does, with the command result', async () => {
      const single = await post('orders.place', JSON.stringify(validOrder()), 'single');
      const trpc = await post('orders.place', JSON.stringify(validOrder()), 'trpc');
      expect(single.status).toBe(200);
      expect(single.contentType).toBe(trpc.contentType);
      const data = (single.body as { result: { data: Record<string, unknown> } }).result.data;
      expect(Object.keys(data).sort()).toEqual(Object.keys((trpc.body as { result: { data: object } }).result.data).sort());
      expect(data).toMatchObject({ orderId: expect.any(String), version: 1, position: expect.any(Number) });
      expect(await server.app.sql`SELECT 1 FROM order_summaries WHERE order_id = ${data.orderId as string}`).toHaveLength(1);
    });
  });

  describe('When it fails', () => {
    const failures: [string, string, string][] = [
      ['invalid input (zod field errors)', 'orders.place', JSON.stringify(validOrder({ lines: [] }))],
      ['a domain error (unknown customer)', 'orders.place', JSON.stringify(validOrder({ customerId: 'cus_nobody' }))],
      ['a broken rule of another router (unknown order)', 'orders.cancel', JSON.stringify({ orderId: 'no-such-order', reason: 'x' })],
      ['a body that is not JSON', 'orders.place', '{"customerId":'],
      ['an empty body', 'orders.place', ''],
      ['a body over the size limit', 'orders.place', JSON.stringify({ padding: 'x'.repeat(1_000_001) })],
    ];

    it.each(failures)('should answer %s exactly as tRPC does and write nothing', async (_name, path, body) => {
      const before = await eventCount();
      const { single, trpc } = await both(path, body);
      expect(single.status).toBeGreaterThanOrEqual(400);
      expect(single).toEqual(trpc);
      expect(await eventCount()).toBe(before);
    });
  });

  describe('When the request is not one it takes', () => {
    it('should decline a query, another content type, a batch, an encoded path and an unknown procedure', async () => {
      const declined = async (path: string, contentType = 'application/json') =>
        (await fetch(`${singleOnlyUrl}/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: '{}' })).status;
      expect(await declined('customers.list')).toBe(DECLINED);
      expect(await declined('orders.place', 'application/x-www-form-urlencoded')).toBe(DECLINED);
      expect(await declined('orders.place?batch=1')).toBe(DECLINED);
      expect(await declined('orders%2Eplace')).toBe(DECLINED);
      expect(await declined('orders.nope')).toBe(DECLINED);
    });

    it('should leave them to tRPC in the app, which still answers them', async () => {
      // Sent to the app as is (no `?via`): declined by the single-mutation path, answered by tRPC.
      const query = await fetch(`${server.baseUrl}/api/trpc/customers.list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(query.status).toBe(405);
      expect(((await query.json()) as { error: { data: { code: string } } }).error.data.code).toBe('METHOD_NOT_SUPPORTED');
      const batch = await fetch(`${server.baseUrl}/api/trpc/orders.place?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 0: validOrder() }),
      });
      expect(batch.status).toBe(200);
      expect(((await batch.json()) as { result: { data: { version: number } } }[])[0]!.result.data.version).toBe(1);
    });
  });
});
