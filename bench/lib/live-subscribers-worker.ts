import { performance } from 'node:perf_hooks';
import { parentPort, workerData as untypedWorkerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { LeanSocket } from './lean-socket';

/**
 * The live bench's subscribers, in a worker thread of their own (started through
 * typescript-worker.mjs) so the open-loop sender's timers are not held up by 200,000 messages a
 * second: connects them, times every delivery against the send time the bench stores in shared
 * memory, and hands its figures over when told to finish.
 */

export type SubscribersWorkerData = {
  readonly client: 'ws' | 'lean';
  readonly url: string;
  readonly subscribers: number;
  readonly maxOrders: number;
  /** The first 8 hex digits of every order id this cell sends; others are counted as foreign. */
  readonly tagHex: string;
  /** BigInt64Array over it: per order index, the µs (hrtime) it was sent, 0 until then. */
  readonly sentAt: SharedArrayBuffer;
};

export type SubscribersResult = {
  latencies: Float64Array;
  /** When each of `latencies` arrived: seconds since the cell's measured part began. */
  receivedAt: Float32Array;
  afterServer: Float64Array;
  delivered: number;
  /** WebSocket messages that carried at least one change. */
  frames: number;
  /** Their bytes (payloads), over all subscribers. */
  bytes: number;
  duplicates: number;
  foreign: number;
  closes: Record<string, number>;
  errors: string[];
  min: number;
  max: number;
  silent: number;
};

export type SubscribersMessage =
  | { type: 'ready'; started: number }
  | { type: 'progress'; delivered: number }
  | ({ type: 'result' } & SubscribersResult)
  | { type: 'failed'; error: string; closes: Record<string, number>; errors: string[] };

const workerData = untypedWorkerData as SubscribersWorkerData;
const port = parentPort!;
const post = (message: SubscribersMessage, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

type Subscriber = WebSocket | LeanSocket;

const { url, subscribers, maxOrders, tagHex } = workerData;
const sent = new BigInt64Array(workerData.sentAt);
const received = new Uint8Array(subscribers * maxOrders);
const perSubscriber = new Uint32Array(subscribers);
// Every (subscriber, order) is recorded at most once, so these never fill up. Allocated whole up
// front: growing one by doubling mid-cell (a 64 MB array allocated and 32 MB copied at 4,194,304
// deliveries) stalled this thread for ~100 ms, and every delivery it held back counted as late.
const latencies = new Float64Array(subscribers * maxOrders);
const receivedAt = new Float32Array(subscribers * maxOrders);
/** hrtime µs the measured part began: the `measure` message's, else when the worker started (no warm-up). */
let origin = process.hrtime.bigint() / 1000n;
let count = 0;
const afterServer = new Float64Array(subscribers * maxOrders);
let afterCount = 0;
let delivered = 0;
let duplicates = 0;
let foreign = 0;
let started = 0;
let frames = 0;
let bytes = 0;
/** Deliveries that arrived before the sender stored their send time: [index, µs, …]. */
const pending: bigint[] = [];
const closes: Record<string, number> = {};
const errors: string[] = [];
const sockets: Subscriber[] = [];
const KEY = Buffer.from('"orderId":"');
const STARTED = Buffer.from('"type":"started"');
/** The message after the catch-up (none here: they subscribe from now) that says the subscriber is live. */
const CAUGHT_UP = Buffer.from('"changes":[]');
const PLACED_AT = Buffer.from('"placedAt":"');
const TRACKED = Buffer.from('"id":"');

/** A delivery received at `atUs` (hrtime µs), `ms` after it was sent. */
const record = (ms: number, atUs: bigint) => {
  receivedAt[count] = Number(atUs - origin) / 1e6;
  latencies[count++] = ms;
};

// One message carries every change of a stretch of the log ({ position, changes: [...] }): each
// order in it is a delivery. A change names its order more than once (the change, its summary),
// so an order counts once per message; the same order in a later message is a duplicate.
//
// Every subscriber gets the same bytes for the same stretch, so a message's content is decoded
// once: the first socket to get it finds its orders (index, placedAt); every other socket whose
// message is byte for byte the same (Buffer.equals) reuses that. What is per socket stays per
// socket: its receipt time, its received bits, its own latencies.

/** The orders a message names, as [index, placedAt ms, …]; index -1 for an order of another cell. */
const decode = (data: Buffer): number[] => {
  const orders: number[] = [];
  let previous = -1;
  for (let at = data.indexOf(KEY); at >= 0; at = data.indexOf(KEY, at + KEY.length)) {
    const id = data.toString('latin1', at + KEY.length, at + KEY.length + 36);
    if (id.slice(0, 8) !== tagHex) {
      orders.push(-1, 0);
      continue;
    }
    const index = parseInt(id.slice(24), 16);
    if (!(index < maxOrders)) {
      orders.push(-1, 0);
      continue;
    }
    if (index === previous || orders.some((v, i) => i % 2 === 0 && v === index)) continue;
    previous = index;
    // The server's clock when it took the command (OrderPlaced.placedAt, ms): the wait after that.
    const p = data.indexOf(PLACED_AT, at);
    const placedAt = p >= 0 ? Date.parse(data.toString('latin1', p + PLACED_AT.length, p + PLACED_AT.length + 24)) : Number.NaN;
    orders.push(index, placedAt);
  }
  return orders;
};

const decoded = new Map<string, { data: Buffer; orders: number[] }>();
const contentOf = (data: Buffer): number[] => {
  // The message's tracked id (its last log position) names it; the bytes must match too.
  const at = data.indexOf(TRACKED);
  const key = at < 0 ? '' : `${data.toString('latin1', at, Math.min(data.length, at + 32))}:${data.length}`;
  const known = decoded.get(key);
  if (known && known.data.equals(data)) return known.orders;
  const orders = decode(data);
  if (key) {
    // A lean socket's payload is a view of its read buffer, valid during the call only.
    decoded.set(key, { data: Buffer.from(data), orders });
    if (decoded.size > 256) decoded.delete(decoded.keys().next().value!);
  }
  return orders;
};

const onData = (sub: number, data: Buffer, isBinary: boolean) => {
  const t = process.hrtime.bigint() / 1000n;
  if (!isBinary && data.length === 4 && data.toString() === 'PING') {
    sockets[sub]!.send('PONG');
    return;
  }
  if (data.indexOf(KEY) < 0) {
    if (data.indexOf(STARTED) < 0 && errors.length < 5) errors.push(data.toString().slice(0, 300));
    return;
  }
  frames++;
  bytes += data.length;
  const now = performance.timeOrigin + performance.now();
  const orders = contentOf(data);
  for (let i = 0; i < orders.length; i += 2) {
    const index = orders[i]!;
    if (index < 0) {
      foreign++;
      continue;
    }
    const slot = sub * maxOrders + index;
    if (received[slot]) {
      duplicates++;
      continue;
    }
    received[slot] = 1;
    delivered++;
    perSubscriber[sub]!++;
    const s = Atomics.load(sent, index);
    if (s === 0n) pending.push(BigInt(index), t);
    else record(Number(t - s) / 1000, t);
    const placedAt = orders[i + 1]!;
    if (!Number.isNaN(placedAt)) {
      afterServer[afterCount++] = now - placedAt;
    }
  }
};

const connect = (sub: number) =>
  new Promise<void>((resolve, reject) => {
    const ws: Subscriber =
      workerData.client === 'ws' ? new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true }) : new LeanSocket(url);
    sockets[sub] = ws;
    let ready = false;
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'live.changes', input: {} } })));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!ready) {
        if (data.indexOf(CAUGHT_UP) >= 0) {
          ready = true;
          started++;
          resolve();
        } else if (data.indexOf(STARTED) < 0 && errors.length < 5) errors.push(data.toString().slice(0, 300));
        return;
      }
      onData(sub, data, isBinary);
    });
    ws.on('close', (code: number) => {
      closes[code] = (closes[code] ?? 0) + 1;
      if (!ready) reject(new Error(`closed before it started: ${code}`));
    });
    ws.on('error', (error: Error) => {
      if (errors.length < 5) errors.push(String(error));
      if (!ready) reject(error);
    });
  });

const finish = () => {
  for (let i = 0; i < pending.length; i += 2) {
    const s = Atomics.load(sent, Number(pending[i]));
    if (s !== 0n) record(Number(pending[i + 1]! - s) / 1000, pending[i + 1]!);
  }
  let min = Infinity;
  let max = 0;
  let silent = 0;
  for (const n of perSubscriber) {
    min = Math.min(min, n);
    max = Math.max(max, n);
    if (n === 0) silent++;
  }
  const out = latencies.slice(0, count);
  const at = receivedAt.slice(0, count);
  const after = afterServer.slice(0, afterCount);
  for (const ws of sockets) ws.terminate();
  post(
    { type: 'result', latencies: out, receivedAt: at, afterServer: after, delivered, frames, bytes, duplicates, foreign, closes, errors, min, max, silent },
    [out.buffer, at.buffer, after.buffer],
  );
};

const run = async () => {
  let next = 0;
  const opener = async () => {
    while (next < subscribers) await connect(next++);
  };
  await Promise.all(Array.from({ length: Math.min(32, subscribers) }, opener));
  post({ type: 'ready', started });
  const progress = setInterval(() => post({ type: 'progress', delivered }), 100);
  port.on('message', (message: { type: 'measure'; at: bigint } | { type: 'finish' }) => {
    if (message.type === 'measure') {
      // The cell's warm-up is over: its messages (orders of another tag) count no more.
      origin = message.at;
      frames = 0;
      bytes = 0;
      foreign = 0;
      return;
    }
    clearInterval(progress);
    finish();
  });
};

run().catch((error: unknown) =>
  post({ type: 'failed', error: String((error instanceof Error && error.stack) || error), closes, errors }),
);
