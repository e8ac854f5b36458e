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
type Message = { id: string; position: number; changes: number[] };

/**
 * Every change received, flattened (with the id of the message it came in), and the messages with
 * changes; the caught-up message (no changes) apart. `ready` settles when it came: live from then.
 */
const subscribe = (lastEventId?: string, orderId?: string, options: { stopAfterFirst?: boolean } = {}) => {
  const { trpc, close } = server.client();
  const received: Received[] = [];
  const messages: Message[] = [];
  const caughtUp: Message[] = [];
  let live!: () => void;
  const ready = new Promise<void>((r) => (live = r));
  const sub = trpc.live.changes.subscribe(
    { lastEventId, orderId },
    {
      onData: (message) => {
        if (message.data.changes.length === 0) {
          caughtUp.push({ id: message.id, position: message.data.position, changes: [] });
          live();
          return;
        }
        if (options.stopAfterFirst && messages.length > 0) return;
        messages.push({ id: message.id, position: message.data.position, changes: message.data.changes.map((c) => c.position) });
        for (const change of message.data.changes) received.push({ id: message.id, position: change.position, orderId: change.orderId });
      },
    },
  );
  return {
    received,
    messages,
    caughtUp,
    ready,
    stop: () => {
      sub.unsubscribe();
      close();
    },
  };
};

/** `count` events appended to one order's stream in one append: one stretch of the log, read in one follower batch. */
const burst = async (orderId: string, count: number) => {
  const events = Array.from({ length: count }, () => ({
    type: 'OrderCancellationRequested',
    data: { orderId, reason: 'burst', requestedAt: '2026-11-25T10:00:00.000Z' },
  }));
  const result = await server.app.store.append(`order-${orderId}`, events, {
    expectedVersion: 'any',
    correlationId: orderId,
    actor: { kind: 'system', id: 'test' },
    now: '2026-11-25T10:00:00.000Z',
  });
  return result;
};

const place = () => placeOrder(server.app, validOrder(), { kind: 'user', id: 'test' });

describe('Live channel', () => {
  describe('When a subscriber has caught up', () => {
    it('should say so once, after the catch-up, with no changes and the position it is live from', async () => {
      const before = await place();
      const missed = [await place(), await place()];
      await expect.poll(() => server.app.live.position).toBeGreaterThanOrEqual(missed[1]!.position);
      const from = server.app.live.position;
      const sub = subscribe(String(before.position));
      await sub.ready;
      expect(sub.received.map((r) => r.position)).toEqual(missed.map((m) => m.position));
      expect(sub.caughtUp).toHaveLength(1);
      const [marker] = sub.caughtUp;
      expect(marker!.position).toBe(from);
      expect(Number(marker!.id)).toBe(from);

      // Live after it, and a resume from its id repeats nothing.
      const next = await place();
      await expect.poll(() => sub.received.length, { timeout: 10_000 }).toBe(3);
      expect(sub.received[2]!.position).toBe(next.position);
      expect(sub.caughtUp).toHaveLength(1);
      sub.stop();
      const resumed = subscribe(marker!.id);
      await resumed.ready;
      await expect.poll(() => resumed.received.map((r) => r.position), { timeout: 10_000 }).toEqual([next.position]);
      resumed.stop();
    });
  });

  describe('When a subscriber reconnects with its last id', () => {
    it('should get exactly the 50 changes it missed, in order, with no duplicates', async () => {
      const first = subscribe();
      await first.ready;
      const seed = await place();
      await expect.poll(() => first.received.length).toBeGreaterThan(0);
      first.stop();
      const lastId = first.messages[first.messages.length - 1]!.id;
      expect(Number(lastId)).toBeGreaterThanOrEqual(seed.position);

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

  describe('When many changes land in one stretch of the log', () => {
    it('should deliver them in order in few messages, each id the last position it covers', async () => {
      const sub = subscribe();
      await sub.ready;
      const order = await place();
      const appended = await burst(order.orderId, 450);
      const expected = [order.position, ...appended.events.map((e) => e.position)];
      await expect.poll(() => sub.received.length, { timeout: 10_000 }).toBe(expected.length);
      expect(sub.received.map((r) => r.position)).toEqual(expected);
      // 450 changes in one follower batch: split into messages of at most 200, not one per change.
      expect(sub.messages.length).toBeLessThanOrEqual(4);
      for (const [i, message] of sub.messages.entries()) {
        expect(message.changes.length).toBeGreaterThan(0);
        expect(message.changes.length).toBeLessThanOrEqual(200);
        expect(Number(message.id)).toBe(message.position);
        expect(message.position).toBeGreaterThanOrEqual(message.changes[message.changes.length - 1]!);
        const next = sub.messages[i + 1];
        if (next) expect(next.changes[0]!).toBeGreaterThan(message.position);
      }
      expect(sub.messages[sub.messages.length - 1]!.position).toBe(appended.position);
      sub.stop();
    });

    it('should resume from a message id with exactly the rest, once each', async () => {
      const first = subscribe(undefined, undefined, { stopAfterFirst: true });
      await first.ready;
      const order = await place();
      const appended = await burst(order.orderId, 450);
      const expected = [order.position, ...appended.events.map((e) => e.position)];
      await expect.poll(() => first.messages.length, { timeout: 10_000 }).toBe(1);
      first.stop();
      const { id } = first.messages[0]!;
      const got = first.received.map((r) => r.position);
      expect(got).toEqual(expected.filter((p) => p <= Number(id)));

      // Resume from the id of a message in the middle of the burst too.
      const resumed = subscribe(id);
      const rest = expected.filter((p) => p > Number(id));
      await expect.poll(() => resumed.received.length, { timeout: 10_000 }).toBe(rest.length);
      expect([...got, ...resumed.received.map((r) => r.position)]).toEqual(expected);
      const middle = resumed.messages[0]!;
      resumed.stop();
      if (middle.position < appended.position) {
        const again = subscribe(middle.id);
        await expect.poll(() => again.received.length, { timeout: 10_000 }).toBe(expected.filter((p) => p > middle.position).length);
        expect(again.received.map((r) => r.position)).toEqual(expected.filter((p) => p > middle.position));
        again.stop();
      }
    });

    it('should give a subscriber of one order only that order\'s changes, and resume it exactly', async () => {
      const mine = await place();
      // Subscribe once the feed has handed the OrderPlaced over, so the subscription starts after it.
      await expect.poll(() => server.app.live.position).toBeGreaterThanOrEqual(mine.position);
      const sub = subscribe(undefined, mine.orderId);
      await sub.ready;
      const other = await place();
      const both = await Promise.all([burst(mine.orderId, 30), burst(other.orderId, 30)]);
      const expected = both[0].events.map((e) => e.position);
      await expect.poll(() => sub.received.length, { timeout: 10_000 }).toBe(expected.length);
      expect(sub.received.map((r) => r.position)).toEqual(expected);
      expect(new Set(sub.received.map((r) => r.orderId))).toEqual(new Set([mine.orderId]));
      const lastId = sub.messages[sub.messages.length - 1]!.id;
      sub.stop();

      const more = await burst(mine.orderId, 5);
      await burst(other.orderId, 5);
      const resumed = subscribe(lastId, mine.orderId);
      await expect.poll(() => resumed.received.length, { timeout: 10_000 }).toBe(5);
      expect(resumed.received.map((r) => r.position)).toEqual(more.events.map((e) => e.position));
      resumed.stop();
    });
  });

  describe('When a raw WebSocket client subscribes, gets live messages and stops', () => {
    it('should get tRPC data frames with its own request id, then "stopped", then nothing more', async () => {
      const raw = new WebSocket(server.wsUrl);
      await new Promise((r) => raw.once('open', r));
      const frames: { id: unknown; result?: { type: string; id?: string; data?: { id: string; data: { position: number; changes: { position: number }[] } } } }[] = [];
      raw.on('message', (data) => frames.push(JSON.parse(data.toString())));
      raw.send(JSON.stringify({ id: 'sub-7', method: 'subscription', params: { path: 'live.changes', input: {} } }));
      await expect.poll(() => frames.some((f) => f.result?.type === 'started')).toBe(true);
      const placed = [];
      for (let i = 0; i < 5; i++) {
        placed.push((await place()).position);
        await new Promise((r) => setTimeout(r, 50));
      }
      const dataFrames = () => frames.filter((f) => f.result?.type === 'data');
      await expect.poll(() => dataFrames().flatMap((f) => f.result!.data!.data.changes.map((c) => c.position)), { timeout: 10_000 }).toEqual(placed);
      for (const f of dataFrames()) {
        expect(f.id).toBe('sub-7');
        expect(f.result!.id).toBe(String(f.result!.data!.data.position));
        expect(f.result!.data!.id).toBe(f.result!.id);
      }
      raw.send(JSON.stringify({ id: 'sub-7', method: 'subscription.stop' }));
      await expect.poll(() => frames.some((f) => f.result?.type === 'stopped')).toBe(true);
      const count = frames.length;
      const later = await place();
      await expect.poll(() => server.app.live.position).toBeGreaterThanOrEqual(later.position);
      await new Promise((r) => setTimeout(r, 100));
      expect(frames.length).toBe(count);
      raw.close();
    });
  });

  describe('When a client subscribes over HTTP with server-sent events', () => {
    type SseEvent = { id: string; data: { position: number; changes: { position: number }[] } };
    /** The tracked events of an SSE subscription (id and parsed data), as they arrive. */
    const sse = async (headers: Record<string, string> = {}) => {
      const controller = new AbortController();
      const url = `${server.baseUrl}/api/trpc/live.changes?input=${encodeURIComponent('{}')}`;
      const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events: SseEvent[] = [];
      const reading = (async () => {
        const decoder = new TextDecoder();
        const reader = response.body!.getReader();
        let text = '';
        try {
          for (let read = await reader.read(); !read.done; read = await reader.read()) {
            text += decoder.decode(read.value, { stream: true });
            for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
              const block = text.slice(0, end);
              text = text.slice(end + 2);
              const id = /^id: ?(.*)$/m.exec(block)?.[1];
              const data = /^data: ?(.*)$/m.exec(block)?.[1];
              if (id !== undefined && data !== undefined) events.push({ id, data: JSON.parse(data) });
            }
          }
        } catch {
          // aborted by stop()
        }
      })();
      return {
        events,
        stop: async () => {
          controller.abort();
          await reading;
        },
      };
    };
    const positionsOf = (events: SseEvent[]) => events.flatMap((e) => e.data.changes.map((c) => c.position));

    it('should get the caught-up message, then each live change as a tracked event', async () => {
      const sub = await sse();
      await expect.poll(() => sub.events.length, { timeout: 10_000 }).toBe(1);
      expect(sub.events[0]!.data.changes).toEqual([]);
      expect(sub.events[0]!.id).toBe(String(sub.events[0]!.data.position));

      const placed = [await place(), await place()];
      await expect.poll(() => positionsOf(sub.events), { timeout: 10_000 }).toEqual(placed.map((p) => p.position));
      for (const event of sub.events) expect(event.id).toBe(String(event.data.position));
      await sub.stop();
    });

    it('should resume from a Last-Event-ID header as an EventSource reconnect sends it', async () => {
      const first = await sse();
      await expect.poll(() => first.events.length, { timeout: 10_000 }).toBe(1);
      await first.stop();
      const lastId = first.events[0]!.id;
      const missed = [await place(), await place(), await place()];

      const resumed = await sse({ 'last-event-id': lastId });
      await expect.poll(() => resumed.events.some((e) => e.data.changes.length === 0), { timeout: 10_000 }).toBe(true);
      expect(positionsOf(resumed.events)).toEqual(missed.map((m) => m.position));
      await resumed.stop();
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

  describe('When a fan-out is too long for one turn of the event loop', () => {
    it('should let other work run between its slices and still hand every listener every change once, in order', async () => {
      const feed = server.app.live;
      const got: number[][] = [];
      const unsubscribes: (() => void)[] = [];
      let immediateRan = false;
      let sawOtherWorkMidFanOut = false;
      for (let i = 0; i < 400; i++) {
        got.push([]);
        unsubscribes.push(
          feed.subscribe((batches) => {
            if (i === 0 && batches.length > 0) {
              immediateRan = false;
              setImmediate(() => (immediateRan = true));
            }
            if (i === 399 && immediateRan) sawOtherWorkMidFanOut = true;
            // Each listener costs ~50 µs, so one fan-out is ~20 ms: several slices.
            const until = performance.now() + 0.05;
            while (performance.now() < until);
            for (const batch of batches) got[i]!.push(...batch.changes.map((c) => c.position));
          }),
        );
      }
      try {
        const placed: number[] = [];
        for (let round = 0; round < 5; round++) {
          const results = await Promise.all(Array.from({ length: 10 }, () => place()));
          placed.push(...results.map((r) => r.position));
          // Listener 300 leaves while a fan-out may be under way: it gets a prefix, never a gap.
          if (round === 2) unsubscribes[300]!();
        }
        placed.sort((a, b) => a - b);
        const ours = (positions: number[]) => positions.filter((p) => p >= placed[0]!);
        // A fan-out this long goes on over several flushes (turns), so any listener may be the last served.
        await expect.poll(() => got.every((positions, i) => i === 300 || ours(positions).length === placed.length), { timeout: 20_000 }).toBe(true);
        for (const [i, positions] of got.entries()) {
          if (i === 300) {
            expect(ours(positions)).toEqual(placed.slice(0, ours(positions).length));
            // It left before the last rounds were placed: a prefix, not everything.
            expect(ours(positions).length).toBeLessThan(placed.length);
          }
          else expect(ours(positions)).toEqual(placed);
        }
        expect(sawOtherWorkMidFanOut).toBe(true);
      } finally {
        for (const unsubscribe of unsubscribes) unsubscribe();
      }
    });

    it('should not call a listener that left during the fan-out under way', async () => {
      const feed = server.app.live;
      const got = { stays: [] as number[], leaves: [] as number[] };
      let leave: (() => void) | undefined;
      // Three listeners fit in one turn, so every flush serves them from the first: the listener subscribed last leaves in its first non-empty one.
      const first = feed.subscribe((batches) => {
        if (batches.some((b) => b.changes.length > 0)) leave?.();
      });
      const stays = feed.subscribe((batches) => got.stays.push(...batches.flatMap((b) => b.changes.map((c) => c.position))));
      leave = feed.subscribe((batches) => got.leaves.push(...batches.flatMap((b) => b.changes.map((c) => c.position))));
      try {
        const { position } = await place();
        await expect.poll(() => got.stays.includes(position), { timeout: 10_000 }).toBe(true);
        expect(got.leaves).toEqual([]);
      } finally {
        first();
        stays();
        leave();
      }
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
