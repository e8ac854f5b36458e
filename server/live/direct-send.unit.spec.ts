import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import { sendText, textFrame } from './direct-send';
import type { TrackedFrame } from './shared-encoding';

/** A server socket and the client at its other end, over loopback. */
const connectedPair = async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
  const received: { text: string; isBinary: boolean }[] = [];
  client.on('message', (data, isBinary) => received.push({ text: data.toString(), isBinary }));
  await new Promise((resolve) => client.once('open', resolve));
  return { wss, server: await serverSide, client, received };
};

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('textFrame', () => {
  it('should be the frame ws itself writes for the same text: header and payload, byte for byte', () => {
    for (const size of [0, 125, 126, 65_535, 65_536]) {
      const payload = Buffer.from('x'.repeat(size));
      const written: Buffer[] = [];
      const socket = { cork: () => {}, uncork: () => {}, write: (chunk: Buffer) => written.push(Buffer.from(chunk)) };
      const sender = new (wsModule as unknown as { Sender: new (socket: unknown) => { send: (data: Buffer, options: object) => void } }).Sender(socket);
      sender.send(payload, { binary: false, fin: true, mask: false, compress: false });
      expect(textFrame(payload).equals(Buffer.concat(written))).toBe(true);
    }
  });

});

describe('sendText', () => {
  it('should deliver text messages of every length class in order, mixed with ws.send', async () => {
    const pair = await connectedPair();
    cleanup = async () => {
      pair.client.terminate();
      await new Promise((resolve) => pair.wss.close(resolve));
    };
    const socket = (pair.server as unknown as { _socket: { write: (...args: unknown[]) => boolean } })._socket;
    const write = socket.write.bind(socket);
    let writes = 0;
    socket.write = (...args: unknown[]) => (writes++, write(...args));
    const texts = [0, 10, 125, 126, 1000, 65_535, 65_536, 200_000].map((n, i) => `${i}:${'é'.repeat(n)}`);
    let direct = 0;
    for (const [i, text] of texts.entries()) {
      if (i % 3 === 1) pair.server.send(text);
      else {
        const before = writes;
        sendText(pair.server, { text: Buffer.from(text), shared: true });
        if (writes === before + 1) direct++;
      }
    }
    // Each direct message was one socket write.
    expect(direct).toBe(texts.filter((_, i) => i % 3 !== 1).length);
    await expect.poll(() => pair.received.length).toBe(texts.length);
    expect(pair.received).toEqual(texts.map((text) => ({ text, isBinary: false })));
  });

  it('should build a message\'s frame once, however many sockets it goes to', async () => {
    const pairs = [await connectedPair(), await connectedPair()];
    cleanup = async () => {
      for (const pair of pairs) {
        pair.client.terminate();
        await new Promise((resolve) => pair.wss.close(resolve));
      }
    };
    const written: unknown[] = [];
    for (const pair of pairs) {
      const socket = (pair.server as unknown as { _socket: { write: (...args: unknown[]) => boolean } })._socket;
      const write = socket.write.bind(socket);
      socket.write = (...args: unknown[]) => (written.push(args[0]), write(...args));
    }
    const message: TrackedFrame = { text: Buffer.from('{"a":1}'), shared: true };
    for (const pair of pairs) sendText(pair.server, message);
    expect(written).toHaveLength(2);
    expect(written[0]).toBe(message.wsFrame);
    expect(written[1]).toBe(written[0]);
    await expect.poll(() => pairs.map((p) => p.received.length)).toEqual([1, 1]);
  });

  it('should fall back to ws.send when a ws internal is missing', async () => {
    const pair = await connectedPair();
    cleanup = async () => {
      pair.client.terminate();
      await new Promise((resolve) => pair.wss.close(resolve));
    };
    // Another ws version could lack the queue direct-send looks at; ws's own send does not need it when idle.
    const sender = (pair.server as unknown as { _sender: { _queue?: unknown[] } })._sender;
    const queue = sender._queue;
    sender._queue = undefined;
    const message: TrackedFrame = { text: Buffer.from('{"b":2}'), shared: true };
    const send = pair.server.send.bind(pair.server);
    let sent = 0;
    pair.server.send = ((...args: Parameters<WebSocket['send']>) => (sent++, send(...args))) as WebSocket['send'];
    try {
      sendText(pair.server, message);
    } finally {
      sender._queue = queue;
    }
    expect(sent).toBe(1);
    expect(message).not.toHaveProperty('wsFrame');
    await expect.poll(() => pair.received).toEqual([{ text: '{"b":2}', isBinary: false }]);
  });

  it('should send a message meant for one socket through ws.send, building no frame', async () => {
    const pair = await connectedPair();
    cleanup = async () => {
      pair.client.terminate();
      await new Promise((resolve) => pair.wss.close(resolve));
    };
    const message: TrackedFrame = { text: Buffer.from('{"c":3}'), shared: false };
    const send = pair.server.send.bind(pair.server);
    let sent = 0;
    pair.server.send = ((...args: Parameters<WebSocket['send']>) => (sent++, send(...args))) as WebSocket['send'];
    sendText(pair.server, message);
    expect(sent).toBe(1);
    expect(message).not.toHaveProperty('wsFrame');
    await expect.poll(() => pair.received).toEqual([{ text: '{"c":3}', isBinary: false }]);
  });
});
