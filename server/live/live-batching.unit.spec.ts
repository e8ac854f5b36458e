import { describe, expect, it } from 'vitest';
import { BoundedQueue, QueueOverflowError } from './bounded-queue';
import { toBatches, type OrderChange } from './live-feed';
import { attachable, frameTemplate, liveEncoder, shareEncoding, trackedFrame, type Envelope } from './shared-encoding';

const change = (position: number): OrderChange => ({
  position,
  streamId: 'order-o1',
  version: position,
  type: 'OrderPlaced',
  orderId: 'o1',
  order: { orderId: 'o1', version: position } as unknown as OrderChange['order'],
  saga: null,
});

describe('toBatches', () => {
  it('should split a stretch into messages of at most max changes, each covering up to its last change and the last up to the stretch', () => {
    const changes = [3, 5, 6, 9, 10].map(change);
    const batches = toBatches(changes, 14, { max: 2 });
    expect(batches.map((b) => [b.position, b.changes.map((c) => c.position)])).toEqual([
      [5, [3, 5]],
      [9, [6, 9]],
      [14, [10]],
    ]);
  });

  it('should make no message for a stretch without changes', () => {
    expect(toBatches([], 14)).toEqual([]);
    expect(toBatches([3, 5].map(change), 14, { from: 2 })).toEqual([]);
  });

  it('should start at the index given', () => {
    const changes = [3, 5, 6, 9, 10].map(change);
    const batches = toBatches(changes, 14, { from: 2, max: 2 });
    expect(batches.map((b) => [b.position, b.changes.map((c) => c.position)])).toEqual([
      [9, [6, 9]],
      [14, [10]],
    ]);
  });
});

describe('shareEncoding', () => {
  it('should leave the payload as it was for JSON, keys, spreads and equality', () => {
    const plain = { position: 14, changes: [change(3), change(5)] };
    const shared = shareEncoding({ position: 14, changes: [change(3), change(5)] });
    expect(JSON.stringify(shared)).toBe(JSON.stringify(plain));
    expect(Reflect.ownKeys({ ...shared })).toEqual(['position', 'changes']);
    expect(Object.keys(shared)).toEqual(['position', 'changes']);
    expect(shared).toStrictEqual(plain);
  });

  it('should encode a payload once however many subscribers it goes to, and a mark twice changes nothing', () => {
    const batch = shareEncoding({ position: 9, changes: [change(9)] });
    const first = trackedFrame(frameTemplate({ id: 1 }), batch);
    expect(shareEncoding(batch)).toBe(batch);
    expect(trackedFrame(frameTemplate({ id: 1 }), batch)).toBe(first);
    expect(first.shared).toBe(true);
  });
});

describe('liveEncoder', () => {
  const tracked = (id: number | string, data: unknown) => ({ id, jsonrpc: '2.0', result: { type: 'data', id: '14', data: { id: '14', data } } });

  it('should give the same JSON as JSON.stringify for a shared message, encoding the payload once', () => {
    const batch = shareEncoding({ position: 14, changes: [change(3), change(5)] });
    const a = liveEncoder.encode(tracked(1, batch));
    const b = liveEncoder.encode(tracked('sub-"2"', batch));
    expect(JSON.parse(a as string)).toEqual(JSON.parse(JSON.stringify(tracked(1, batch))));
    expect(JSON.parse(b as string)).toEqual(JSON.parse(JSON.stringify(tracked('sub-"2"', batch))));
  });

  it('should put the payload in the right place whatever the client-chosen id holds', () => {
    const batch = shareEncoding({ position: 1, changes: [] });
    const id = '\u0000orderflow-shared\u0000';
    const message = { id, result: { type: 'data', id: '1', data: { id: '1', data: batch } } };
    expect(JSON.parse(liveEncoder.encode(message) as string)).toEqual(JSON.parse(JSON.stringify(message)));
  });

  it('should encode a shared payload yielded without tracked() and leave every other message to JSON.stringify', () => {
    const batch = shareEncoding({ position: 2, changes: [change(2)] });
    const plain = { id: 3, result: { type: 'data', data: batch } };
    expect(JSON.parse(liveEncoder.encode(plain) as string)).toEqual(JSON.parse(JSON.stringify(plain)));
    for (const other of [{ id: 1, result: { type: 'started' } }, { id: 1, result: { type: 'data', data: { position: 2, changes: [] } } }, { id: null, error: { message: 'x' } }, 'PONG']) {
      expect(liveEncoder.encode(other)).toBe(JSON.stringify(other));
    }
  });

  it('should decode JSON text and refuse binary frames', () => {
    expect(liveEncoder.decode('{"id":1}')).toEqual({ id: 1 });
    expect(() => liveEncoder.decode(new Uint8Array([1]))).toThrow();
  });
});

describe('attachable and trackedFrame', () => {
  const message = (envelope: Envelope, id: string, data: unknown) => ({ ...envelope, result: { type: 'data', id, data: { id, data } } });

  it('should tell the envelope while tRPC encodes the first message, and send the payload as is', () => {
    const batch = shareEncoding({ position: 7, changes: [change(7)] });
    let envelope: Envelope | undefined;
    const wrapped = attachable(batch, (e) => (envelope = e));
    const text = liveEncoder.encode(message({ id: 4, jsonrpc: '2.0' }, '7', wrapped)) as string;
    expect(envelope).toEqual({ id: 4, jsonrpc: '2.0' });
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(message({ id: 4, jsonrpc: '2.0' }, '7', batch))));
    // Any other encoder sends the payload too.
    expect(JSON.parse(JSON.stringify(message({ id: 4 }, '7', wrapped)))).toEqual(JSON.parse(JSON.stringify(message({ id: 4 }, '7', batch))));
  });

  it('should build the frame tRPC would send, the same Buffer for every subscriber with the same envelope', () => {
    const batch = shareEncoding({ position: 9, changes: [change(8), change(9)] });
    for (const envelope of [{ id: 1 }, { id: 'x"\u0001"', jsonrpc: '2.0' }, { id: null }] as Envelope[]) {
      const frame = trackedFrame(frameTemplate(envelope), batch);
      expect(JSON.parse(frame.text.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(message(envelope, '9', batch))));
      expect(trackedFrame(frameTemplate({ ...envelope }), batch)).toBe(frame);
      // Equal envelopes share one template, so a fan-out compares them by identity.
      expect(frameTemplate({ ...envelope })).toBe(frameTemplate(envelope));
    }
    // Subscribers of different envelopes taking turns: each still gets its own envelope's frame.
    const [one, other] = [frameTemplate({ id: 1 }), frameTemplate({ id: 2 })];
    for (let turn = 0; turn < 3; turn++) {
      expect(JSON.parse(trackedFrame(one, batch).text.toString()).id).toBe(1);
      expect(JSON.parse(trackedFrame(other, batch).text.toString()).id).toBe(2);
    }
    const own = { position: 9, changes: [change(9)] };
    const ownFrame = trackedFrame(frameTemplate({ id: 2 }), own);
    expect(JSON.parse(ownFrame.text.toString())).toEqual(JSON.parse(JSON.stringify(message({ id: 2 }, '9', own))));
    // A per-order payload goes to one socket: nothing is kept for it.
    expect(trackedFrame(frameTemplate({ id: 2 }), own)).not.toBe(ownFrame);
    // The next shared payload gets its own frame, not the one before it.
    const next = shareEncoding({ position: 10, changes: [change(10)] });
    expect(JSON.parse(trackedFrame(one, next).text.toString()).result.data.id).toBe('10');
  });
});

describe('BoundedQueue', () => {
  it('should count the size of each item and overflow when the sizes waiting pass the capacity', async () => {
    const queue = new BoundedQueue<number[]>(5, (item) => item.length);
    queue.push([1, 2]);
    queue.push([3, 4, 5]);
    const drain = queue.drain();
    expect((await drain.next()).value).toEqual([1, 2]);
    queue.push([6, 7]);
    expect((await drain.next()).value).toEqual([3, 4, 5]);
    queue.push([8, 9, 10, 11]);
    await expect(drain.next()).rejects.toBeInstanceOf(QueueOverflowError);
  });

  it('should take one item bigger than the capacity when nothing waits', async () => {
    const queue = new BoundedQueue<number[]>(2, (item) => item.length);
    queue.push([1, 2, 3]);
    expect((await queue.drain().next()).value).toEqual([1, 2, 3]);
  });
});
