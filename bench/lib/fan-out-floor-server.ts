import { createServer, type Socket } from 'node:net';
import { FLOOR_SERVER_LISTENING, type FloorServerMessage } from './fan-out-floor-protocol';
import { wsAccept } from './ws-accept';

/**
 * The live bench's fan-out floor: a bare WebSocket server (TCP, the HTTP upgrade, unmasked text
 * frames, nothing else) in a child process. The bench hands it each order over IPC as it is
 * "sent"; every `flushMs` it writes one frame carrying every order since to every socket, one
 * write each, its changes padded to `changeBytes`: what delivering those messages costs the
 * machine without Orderflow or Postgres.
 */

const frame = (payload: Buffer): Buffer => {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(out, head);
  return out;
};

const STARTED = frame(Buffer.from('{"id":1,"result":{"type":"started"}}'));
/** The caught-up message Orderflow sends after the (here empty) catch-up. */
const CAUGHT_UP = frame(Buffer.from('{"id":1,"result":{"type":"data","id":"0","data":{"id":"0","data":{"position":0,"changes":[]}}}}'));
const live = new Set<Socket>();

const server = createServer((socket) => {
  socket.setNoDelay(true);
  let head = Buffer.alloc(0);
  let upgraded = false;
  socket.on('data', (chunk: Buffer) => {
    if (!upgraded) {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const key = /sec-websocket-key: *([^\r]+)/i.exec(head.toString('latin1', 0, end));
      if (!key) return socket.destroy();
      upgraded = true;
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wsAccept(key[1]!.trim())}\r\n\r\n`,
      );
      return;
    }
    // The client's first frame is its subscription: answer it as tRPC does, then it gets every tick.
    if (!live.has(socket)) {
      live.add(socket);
      socket.write(STARTED);
      socket.write(CAUGHT_UP);
    }
  });
  socket.on('close', () => live.delete(socket));
  socket.on('error', () => {});
});

let pending: [string, string][] = [];
let position = 0;
process.on('message', (message: FloorServerMessage) => {
  if (message.type === 'orders') {
    for (const order of message.orders) pending.push(order);
    return;
  }
  const padding = 'x'.repeat(Math.max(0, message.changeBytes - 160));
  setInterval(() => {
    if (pending.length === 0) return;
    const changes = pending.map(([orderId, placedAt]) => ({ position: ++position, orderId, order: { orderId, placedAt, padding } }));
    pending = [];
    const payload = frame(Buffer.from(JSON.stringify({ id: 1, result: { type: 'data', id: String(position), data: { position, changes } } })));
    for (const socket of live) socket.write(payload);
  }, message.flushMs);
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`${FLOOR_SERVER_LISTENING} ${address.port}`);
});
