import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startChildServer, type ChildServer } from '../support/child-server';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
let dev: ChildServer;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 1 });
  dev = await startChildServer(db.url, { ORDERFLOW_WORKERS: '0' }, ['--dev', '--no-seed']);
}, 180_000);
afterAll(async () => {
  await dev?.kill();
  await db?.drop();
});

const openSocket = (url: string) =>
  new Promise<{ opened: boolean; firstMessage: string | null; socket: WebSocket }>((resolve) => {
    const socket = new WebSocket(url);
    let opened = false;
    const timer = setTimeout(() => resolve({ opened, firstMessage: null, socket }), 20_000);
    socket.on('open', () => (opened = true));
    socket.on('message', (data) => {
      clearTimeout(timer);
      resolve({ opened, firstMessage: data.toString(), socket });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ opened, firstMessage: null, socket });
    });
  });

describe('Development mode', () => {
  describe('When Next runs in dev mode behind the custom server', () => {
    it('should keep its hot-reload WebSocket working next to the API WebSocket', { timeout: 180_000 }, async () => {
      const page = await fetch(`${dev.baseUrl}/`);
      expect(page.status).toBe(200);
      const hmr = await openSocket(`${dev.wsUrl.replace('/api/ws', '/_next/hmr')}?id=spec`);
      expect(hmr.opened).toBe(true);
      expect(hmr.firstMessage).not.toBeNull();
      hmr.socket.close();

      const api = new WebSocket(dev.wsUrl);
      const answer = await new Promise<string>((resolve, reject) => {
        api.on('open', () => api.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'customers.list', input: {} } })));
        api.on('message', (data) => {
          const text = data.toString();
          if (text.includes('"id":1')) resolve(text);
        });
        api.on('error', reject);
      });
      expect(JSON.parse(answer).result.data.items).toEqual([]);
      api.close();
    });
  });
});
