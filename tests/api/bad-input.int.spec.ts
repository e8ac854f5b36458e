import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, validOrder, type TestServer } from '../support/test-server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workers: false });
});
afterAll(() => server.close());

const eventCount = async () => (await server.app.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`)[0]!.n;

const call = async (path: string, input: unknown) => {
  const response = await fetch(`${server.baseUrl}/api/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { error?: { data: { code: string; fieldErrors: { path: string[] }[] | null; details: Record<string, unknown> | null } } };
  return { status: response.status, error: body.error?.data };
};

const address = validOrder().shippingAddress;
const cases: [string, string, unknown, string, string[] | null][] = [
  ['no lines', 'orders.place', validOrder({ lines: [] }), 'BAD_REQUEST', ['lines']],
  ['quantity 0', 'orders.place', validOrder({ lines: [{ sku: 'SKU-CB-09', quantity: 0 }] }), 'BAD_REQUEST', ['lines', '0', 'quantity']],
  ['quantity 1000', 'orders.place', validOrder({ lines: [{ sku: 'SKU-CB-09', quantity: 1000 }] }), 'BAD_REQUEST', ['lines', '0', 'quantity']],
  ['fractional quantity', 'orders.place', validOrder({ lines: [{ sku: 'SKU-CB-09', quantity: 1.5 }] }), 'BAD_REQUEST', ['lines', '0', 'quantity']],
  ['unknown sku', 'orders.place', validOrder({ lines: [{ sku: 'SKU-NOPE', quantity: 1 }] }), 'BAD_REQUEST', ['lines', '0', 'sku']],
  ['bad country', 'orders.place', validOrder({ shippingAddress: { ...address, country: 'Britain' } }), 'BAD_REQUEST', ['shippingAddress', 'country']],
  ['missing city', 'orders.place', validOrder({ shippingAddress: { ...address, city: '' } }), 'BAD_REQUEST', ['shippingAddress', 'city']],
  ['no payment token', 'orders.place', validOrder({ paymentToken: '' }), 'BAD_REQUEST', ['paymentToken']],
  ['unknown customer', 'orders.place', validOrder({ customerId: 'cus_nobody' }), 'NOT_FOUND', null],
  ['not an object', 'orders.place', 'hello', 'BAD_REQUEST', null],
  ['cancel unknown order', 'orders.cancel', { orderId: 'no-such-order', reason: 'x' }, 'NOT_FOUND', null],
  ['cancel without reason', 'orders.cancel', { orderId: 'x', reason: '' }, 'BAD_REQUEST', ['reason']],
  ['rebuild unknown projection', 'projections.rebuild', { name: 'nope' }, 'NOT_FOUND', null],
];

describe('Commands', () => {
  describe('When given bad input', () => {
    it.each(cases)('should answer %s with a clear error and write nothing', async (_name, path, input, code, fieldPath) => {
      const before = await eventCount();
      const { error } = await call(path, input);
      expect(error?.code).toBe(code);
      if (fieldPath) expect(error?.fieldErrors?.map((f) => f.path)).toContainEqual(fieldPath);
      expect(await eventCount()).toBe(before);
    });
  });

  describe('When cancelling with a stale expected version or after a final state', () => {
    it('should answer CONFLICT with the current version and write nothing', async () => {
      const { trpc } = server.client();
      const placed = await trpc.orders.place.mutate(validOrder());
      const before = await eventCount();
      const stale = await call('orders.cancel', { orderId: placed.orderId, reason: 'x', expectedVersion: 0 });
      expect(stale.error?.code).toBe('CONFLICT');
      expect(stale.error?.details?.currentVersion).toBe(1);
      expect(await eventCount()).toBe(before);
      await trpc.orders.cancel.mutate({ orderId: placed.orderId, reason: 'Changed my mind' });
      const again = await call('orders.cancel', { orderId: placed.orderId, reason: 'again' });
      expect(again.error).toBeUndefined();
    });
  });
});

describe('A command body', () => {
  /** POST with Content-Length, each part its own write on a no-delay socket, 50 ms apart. */
  const postInParts = (...parts: Buffer[]) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${server.baseUrl}/api/trpc/orders.place`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.concat(parts).length },
      });
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      void (async () => {
        for (const [i, part] of parts.entries()) {
          if (i > 0) await new Promise((r) => setTimeout(r, 50));
          request.write(part);
        }
        request.end();
      })();
    });
  const post = (body: string) => fetch(`${server.baseUrl}/api/trpc/orders.place`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  describe('When it is not JSON', () => {
    it('should answer BAD_REQUEST and write nothing', async () => {
      const before = await eventCount();
      const response = await post('{"customerId": ');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { data: { code: string } } }).error.data.code).toBe('BAD_REQUEST');
      expect(await eventCount()).toBe(before);
    });
  });

  describe('When it is larger than 1 MB', () => {
    it('should answer PAYLOAD_TOO_LARGE and write nothing', async () => {
      const before = await eventCount();
      const response = await post(JSON.stringify({ ...validOrder(), padding: 'x'.repeat(1_100_000) }));
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { data: { code: string } } }).error.data.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await eventCount()).toBe(before);
    });
  });

  describe('When it arrives in pieces and holds multi-byte characters', () => {
    it('should be read whole and place the order with the text intact', async () => {
      const order = validOrder({ shippingAddress: { ...address, name: 'Zoë Ångström — 東京' } });
      const bytes = Buffer.from(JSON.stringify(order));
      // Written in two parts, split inside a multi-byte character, the second a moment after the
      // first, so the server gets two reads: the body must be decoded as a whole, not per read.
      const cut = bytes.indexOf(0xc3) + 1;
      const response = await postInParts(bytes.subarray(0, cut), bytes.subarray(cut));
      expect(response.status).toBe(200);
      const { orderId } = (JSON.parse(response.body) as { result: { data: { orderId: string } } }).result.data;
      const { trpc } = server.client();
      const details = await trpc.orders.byId.query({ orderId });
      expect(details?.shippingAddress.name).toBe('Zoë Ångström — 東京');
    });
  });
});
