import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workers: false, seed: false, keepAlive: { pingMs: 200, pongWaitMs: 300 } });
});
afterAll(() => server.close());

const connect = async (answerPings: boolean) => {
  const socket = new WebSocket(server.wsUrl);
  const pings: string[] = [];
  socket.on('message', (data) => {
    if (data.toString() !== 'PING') return;
    pings.push('PING');
    if (answerPings) socket.send('PONG');
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise((r) => socket.once('open', r));
  return { socket, pings, closed };
};

describe('Live channel keep-alive', () => {
  describe('When a client goes quiet', () => {
    it('should ping it, keep it while it answers, and drop it once it stops answering', async () => {
      const lively = await connect(true);
      const silent = await connect(false);
      expect(await silent.closed).toBe(1006);
      await expect.poll(() => lively.pings.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      expect(lively.socket.readyState).toBe(WebSocket.OPEN);
      lively.socket.close();
    });
  });
});
