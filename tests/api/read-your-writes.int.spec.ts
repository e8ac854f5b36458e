import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, validOrder, type TestServer } from '../support/test-server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  // Participants answer at once: the fulfilled-order tests wait for sagas to finish.
  const { trpc } = server.client();
  for (const participant of ['inventory', 'payment', 'shipping'] as const) await trpc.faults.set.mutate({ participant, latencyMs: 0 });
});
afterAll(() => server.close());

describe('Order API', () => {
  describe('When an order is placed', () => {
    it('should be readable at once with the returned position, and reach a subscriber at or after it', async () => {
      const { trpc } = server.client();
      const received: { position: number; orderId: string }[] = [];
      const subscribed = new Promise<void>((resolve) => {
        const sub = trpc.live.changes.subscribe(
          {},
          {
            onStarted: () => resolve(),
            onData: (message) => {
              for (const change of message.data.changes) received.push({ position: change.position, orderId: change.orderId });
              if (message.id !== String(message.data.position)) throw new Error('tracked id must be the position the message covers');
            },
          },
        );
        afterAll(() => sub.unsubscribe());
      });
      await subscribed;

      const placed = await trpc.orders.place.mutate(validOrder());
      expect(placed.position).toBeGreaterThan(0);
      const order = await trpc.orders.byId.query({ orderId: placed.orderId, minPosition: placed.position });
      expect(order.orderId).toBe(placed.orderId);
      expect(order.position).toBeGreaterThanOrEqual(placed.position);
      expect(order.stale).toBe(false);
      expect(order.lines).toEqual([{ sku: 'SKU-CB-09', name: 'USB-C cable 2 m', quantity: 1, unitPriceCents: 1500, lineTotalCents: 1500 }]);

      await expect.poll(() => received.find((r) => r.orderId === placed.orderId)?.position ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(placed.position);
    });

    it('should answer plain JSON over HTTP so curl can script it', async () => {
      const response = await fetch(`${server.baseUrl}/api/trpc/orders.place`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(validOrder()),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { result: { data: { orderId: string; version: number; position: number } } };
      expect(body.result.data.version).toBe(1);
      const list = await fetch(`${server.baseUrl}/api/trpc/orders.list?input=${encodeURIComponent(JSON.stringify({ limit: 5 }))}`);
      const listed = (await list.json()) as { result: { data: { items: { orderId: string; placedAt: string; totalCents: number }[] } } };
      const row = listed.result.data.items.find((i) => i.orderId === body.result.data.orderId);
      expect(row?.totalCents).toBe(1500);
      expect(row?.placedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    });

    it('should return the first result when the same idempotency key is sent twice', async () => {
      const { trpc } = server.client();
      const input = validOrder({ idempotencyKey: 'retry-me-12345' });
      const [first, second] = await Promise.all([trpc.orders.place.mutate(input), trpc.orders.place.mutate(input)]);
      expect(second).toEqual(first);
      const page = await trpc.orders.list.query({ customerId: 'cus_ada', limit: 100 });
      expect(page.items.filter((i) => i.orderId === first.orderId)).toHaveLength(1);
    });
  });

  describe('When an order has been fulfilled', () => {
    it('should show a timeline whose participant events name their cause, with the payment token masked', async () => {
      const { trpc } = server.client();
      const placed = await trpc.orders.place.mutate(validOrder());
      await expect
        .poll(async () => (await trpc.orders.byId.query({ orderId: placed.orderId })).status, { timeout: 20_000 })
        .toBe('confirmed');
      const { events } = await trpc.orders.timeline.query({ orderId: placed.orderId });
      const ids = new Set(events.map((e) => e.metadata.eventId));
      const participantEvents = events.filter((e) => /^(inventory|payment|shipment)-/.test(e.streamId));
      expect(participantEvents.map((e) => e.type)).toEqual(expect.arrayContaining(['StockReserved', 'PaymentCharged', 'ShipmentCreated']));
      for (const event of participantEvents) expect(ids.has(event.metadata.causationId ?? ''), event.type).toBe(true);
      expect(JSON.stringify(events)).not.toContain('tok_visa');
      expect(events.find((e) => e.type === 'OrderPlaced')!.data).toMatchObject({ paymentToken: 'tok_…' });
      const order = await trpc.orders.byId.query({ orderId: placed.orderId });
      expect(order.saga?.status).toBe('completed');
      expect(order.placedPosition).toBe(events.find((e) => e.type === 'OrderPlaced')!.position);
    });
  });

  describe('When a fulfilled order is pushed live', () => {
    it('should carry the same summary and saga progress as the queries answer', async () => {
      const { trpc } = server.client();
      const placed = await trpc.orders.place.mutate(validOrder());
      await expect
        .poll(async () => (await trpc.orders.byId.query({ orderId: placed.orderId })).saga?.status, { timeout: 20_000 })
        .toBe('completed');
      // Resumed from before the order: its changes come as backfill, the last one after the saga ended.
      const pushed = await new Promise<{ order: unknown; saga: unknown }>((resolve, reject) => {
        const sub = trpc.live.changes.subscribe(
          { orderId: placed.orderId, lastEventId: String(placed.position - 1) },
          {
            onData: (message) => {
              const last = message.data.changes.at(-1);
              if (last?.saga?.status !== 'completed') return;
              sub.unsubscribe();
              resolve({ order: last.order, saga: last.saga });
            },
            onError: reject,
          },
        );
      });
      const { saga } = await trpc.orders.byId.query({ orderId: placed.orderId });
      const listed = (await trpc.orders.list.query({ customerId: validOrder().customerId, limit: 100 })).items.find((item) => item.orderId === placed.orderId);
      expect(pushed.saga).toEqual(saga);
      expect(pushed.order).toEqual(listed);
    });
  });

  describe('When a query asks for a position the read model has not reached', () => {
    it('should wait a bounded time and then answer stale rather than hang', async () => {
      const { trpc } = server.client();
      const head = (await trpc.orders.list.query({ limit: 1 })).position;
      const list = await trpc.orders.list.query({ limit: 1, minPosition: head + 1_000_000 });
      expect(list.stale).toBe(true);
      expect(list.position).toBeLessThan(head + 1_000_000);
      const stats = await trpc.stats.dashboard.query({ minPosition: head + 1_000_000 });
      expect(stats.stale).toBe(true);
    });

    it('should wait for the async read model to catch up with a position just written', async () => {
      const { trpc } = server.client();
      const placed = await trpc.orders.place.mutate(validOrder());
      const stats = await trpc.stats.dashboard.query({ minPosition: placed.position });
      expect(stats.stale).toBe(false);
      expect(stats.position).toBeGreaterThanOrEqual(placed.position);
    });
  });

  describe('When the health endpoint is asked', () => {
    it('should report the database, the daemon, the head and each projection lag', async () => {
      const response = await fetch(`${server.baseUrl}/api/health`);
      const body = (await response.json()) as { database: string; headPosition: number; projections: { name: string; lag: number }[] };
      expect(response.status).toBe(200);
      expect(body.database).toBe('up');
      expect(body.headPosition).toBeGreaterThan(0);
      expect(body.projections.map((p) => p.name)).toContain('dashboard-stats');
    });
  });
});
