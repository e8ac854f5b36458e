import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { LeanSocket } from '../../bench/lib/lean-socket';
import { waitUntil } from '../support/wait-until';

/** A lean socket connected to the server, with every message it got (copied) and its close code. */
type Client = { socket: LeanSocket; messages: Buffer[]; closed: Promise<number>; server: WebSocket };

describe('LeanSocket (the live bench subscriber client)', () => {
  let wss: WebSocketServer;
  let url: string;
  const accepted: WebSocket[] = [];

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('connection', (ws) => accepted.push(ws));
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/api/ws`;
  });
  afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())));

  const open = async (): Promise<Client> => {
    const socket = new LeanSocket(url);
    const messages: Buffer[] = [];
    let onClose: (code: number) => void = () => {};
    const closed = new Promise<number>((resolve) => (onClose = resolve));
    socket.on('message', (payload) => messages.push(Buffer.from(payload)));
    socket.on('close', (code) => onClose(code));
    const before = accepted.length;
    await new Promise<void>((resolve, reject) => {
      socket.on('open', resolve);
      socket.on('error', reject);
    });
    await waitUntil('the server to accept it', () => accepted.length > before);
    return { socket, messages, closed, server: accepted[accepted.length - 1]! };
  };

  describe('When several sockets get messages larger than the shared read buffer, interleaved', () => {
    it('should hand each socket its own messages whole and in order', async () => {
      const clients = await Promise.all([open(), open(), open()]);
      const sent = clients.map(() => [randomBytes(600 * 1024), randomBytes(10), randomBytes(300 * 1024)]);
      for (let m = 0; m < 3; m++) clients.forEach((client, i) => client.server.send(sent[i]![m]!, { binary: true }));
      await waitUntil('three messages on each socket', () => clients.every((client) => client.messages.length === 3));
      clients.forEach((client, i) => expect(client.messages.map((b, m) => b.equals(sent[i]![m]!))).toEqual([true, true, true]));
      for (const client of clients) client.socket.terminate();
    });
  });

  describe('When a message comes in fragments and small messages come in bursts', () => {
    it('should join the fragments and keep every small message', async () => {
      const client = await open();
      client.server.send('first half, ', { fin: false });
      // Apart, so the second fragment comes in another read, into the same shared buffer.
      await new Promise((r) => setTimeout(r, 50));
      client.server.send('second half', { fin: true });
      const burst = Array.from({ length: 200 }, (_, i) => `message ${i}`);
      for (const text of burst) client.server.send(text);
      await waitUntil('every message', () => client.messages.length === 1 + burst.length);
      expect(client.messages.map((b) => b.toString())).toEqual(['first half, second half', ...burst]);
      client.socket.terminate();
    });
  });

  describe('When the server pings and then closes', () => {
    it('should answer the ping with its payload and report the close code', async () => {
      const client = await open();
      const pong = new Promise<Buffer>((resolve) => client.server.once('pong', resolve));
      client.server.ping(Buffer.from('are you there'));
      expect((await pong).toString()).toBe('are you there');
      client.server.close(4008, 'too slow');
      expect(await client.closed).toBe(4008);
    });
  });
});
