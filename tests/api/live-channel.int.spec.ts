import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { placeOrder } from '@/server/handlers/place-order';
import { startTestServer, validOrder, type TestServer } from '../support/test-server';

let server: TestServer;

beforeAll(async () => {
  // No workers: no saga traffic, so the only changes are the ones each test makes.
  server = await startTestServer({ workers: false });
});
afterAll(() => server.close());

type Received = { id: string; position: number; orderId: string };

const subscribe = (lastEventId?: string, orderId?: string) => {
  const { trpc, close } = server.client();
  const received: Received[] = [];
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  const sub = trpc.live.changes.subscribe(
    { lastEventId, orderId },
    {
      onStarted: () => started(),
      onData: (message) => received.push({ id: message.id, position: message.data.position, orderId: message.data.orderId }),
    },
  );
  return {
    received,
    ready,
    stop: () => {
      sub.unsubscribe();
      close();
    },
  };
};

const place = () => placeOrder(server.app, validOrder(), { kind: 'user', id: 'test' });

describe('Live channel', () => {
  describe('When a subscriber reconnects with its last id', () => {
    it('should get exactly the 50 changes it missed, in order, with no duplicates', async () => {
      const first = subscribe();
      await first.ready;
      const seed = await place();
      await expect.poll(() => first.received.length).toBeGreaterThan(0);
      first.stop();
      const lastId = first.received[first.received.length - 1]!.id;
      expect(Number(lastId)).toBe(seed.position);

      const missed = [];
      for (let i = 0; i < 50; i++) missed.push(await place());
      const resumed = subscribe(lastId);
      await expect.poll(() => resumed.received.length, { timeout: 10_000 }).toBe(50);
      expect(resumed.received.map((r) => r.position)).toEqual(missed.map((m) => m.position));
      resumed.stop();
    });

    it('should hand over from catch-up to live with no gap and no duplicate while changes keep coming', async () => {
      for (let round = 0; round < 3; round++) {
        const before = await place();
        const backlog = await Promise.all(Array.from({ length: 30 }, () => place()));
        const resumed = subscribe(String(before.position));
        const during: Promise<{ position: number }>[] = [];
        for (let i = 0; i < 30; i++) during.push(place());
        const all = [...backlog, ...(await Promise.all(during))].map((r) => r.position).sort((a, b) => a - b);
        await expect.poll(() => resumed.received.filter((r) => r.position <= all[all.length - 1]!).length, { timeout: 10_000 }).toBe(60);
        const positions = resumed.received.map((r) => r.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(new Set(positions).size).toBe(positions.length);
        expect(positions.slice(0, 60)).toEqual(all);
        resumed.stop();
      }
    });
  });

  describe('When 200 subscribers follow a burst of 500 orders', () => {
    it('should deliver every change to every subscriber in position order', async () => {
      const subscribers = Array.from({ length: 200 }, () => subscribe());
      await Promise.all(subscribers.map((s) => s.ready));
      const placed: number[] = [];
      for (let batch = 0; batch < 10; batch++) {
        const results = await Promise.all(Array.from({ length: 50 }, () => place()));
        placed.push(...results.map((r) => r.position));
      }
      placed.sort((a, b) => a - b);
      for (const s of subscribers) {
        await expect.poll(() => s.received.length, { timeout: 30_000 }).toBe(500);
        expect(s.received.map((r) => r.position)).toEqual(placed);
      }
      for (const s of subscribers) s.stop();
    });
  });

  describe('When one subscriber stops reading', () => {
    it('should cut that one off with a clear reason while the others get everything', async () => {
      const healthy = subscribe();
      await healthy.ready;
      const serverSide = new Promise<WebSocket>((resolve) => server.wss.once('connection', (ws: WebSocket) => resolve(ws)));
      const slow = new WebSocket(server.wsUrl);
      await new Promise((r) => slow.once('open', r));
      const slowOnServer = await serverSide;
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        slow.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      slow.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'live.changes', input: {} } }));
      await new Promise((r) => setTimeout(r, 100));
      // Stop reading: the kernel buffers fill, then the server's send buffer grows.
      (slow as unknown as { _socket: { pause: () => void } })._socket.pause();
      // Many changes fast: bursts of 500 events appended at once to one order's stream.
      const order = await place();
      let changes = 1;
      for (let i = 0; i < 100 && slowOnServer.readyState === WebSocket.OPEN; i++) {
        const burst = Array.from({ length: 500 }, () => ({
          type: 'OrderCancellationRequested',
          data: { orderId: order.orderId, reason: 'x'.repeat(200), requestedAt: '2026-11-25T10:00:00.000Z' },
        }));
        await server.app.store.append(`order-${order.orderId}`, burst, {
          expectedVersion: 'any',
          correlationId: order.orderId,
          actor: { kind: 'system', id: 'test' },
          now: '2026-11-25T10:00:00.000Z',
        });
        changes += burst.length;
      }
      expect(slowOnServer.readyState).toBe(WebSocket.CLOSING);
      (slow as unknown as { _socket: { resume: () => void } })._socket.resume();
      const { code, reason } = await closed;
      expect(code).toBe(4008);
      expect(reason).toMatch(/Too slow/);
      await expect.poll(() => healthy.received.length, { timeout: 30_000 }).toBe(changes);
      healthy.stop();
    });
  });

  describe('When a WebSocket message is malformed or too large', () => {
    it('should refuse it without disturbing other clients', async () => {
      const bystander = subscribe();
      await bystander.ready;
      const rude = new WebSocket(server.wsUrl);
      await new Promise((r) => rude.once('open', r));
      const answers: string[] = [];
      rude.on('message', (data) => answers.push(data.toString()));
      rude.send('this is not json');
      await expect.poll(() => answers.length).toBeGreaterThan(0);
      expect(answers[0]).toMatch(/PARSE_ERROR|error/i);
      const closed = new Promise<number>((resolve) => rude.once('close', (code) => resolve(code)));
      rude.send('x'.repeat(200_000));
      expect(await closed).toBe(1009);
      const after = await place();
      await expect.poll(() => bystander.received.some((r) => r.position === after.position)).toBe(true);
      bystander.stop();
    });
  });
});
