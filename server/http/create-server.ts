import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { contextFactory, type LiveLimits } from '../context';
import type { Orderflow } from '../orderflow';
import { liveEncoder } from '../live/shared-encoding';
import { appRouter } from '../root';
import { respondHealth, type HealthContributor } from './health';
import { createSingleMutationHandler } from './single-mutation';

export const TRPC_PATH = '/api/trpc';
export const WS_PATH = '/api/ws';
/** A WebSocket message larger than this closes that one connection (code 1009). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;
/** A tRPC HTTP request body larger than this is refused (413). */
export const MAX_BODY_BYTES = 1_000_000;

export type PageHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * One port for everything: tRPC over HTTP at /api/trpc, tRPC over WebSocket at /api/ws, health at
 * /api/health, and every other request to Next (when a page handler is given). Next listens for
 * upgrades itself (hot reload in dev); /api/ws matches no Next route, so it leaves ours alone.
 */
export const createServer = (
  app: Orderflow,
  options: {
    pages?: PageHandler;
    health?: readonly HealthContributor[];
    liveLimits?: LiveLimits;
    /** An idle socket gets a PING after `pingMs`; no answer within `pongWaitMs` closes it. */
    keepAlive?: { pingMs: number; pongWaitMs: number };
  } = {},
) => {
  const createContext = contextFactory(app, options.liveLimits);
  const trpc = createHTTPHandler({ router: appRouter, createContext, basePath: `${TRPC_PATH}/`, maxBodySize: MAX_BODY_BYTES });
  const singleMutation = createSingleMutationHandler({ router: appRouter, createContext, basePath: `${TRPC_PATH}/`, maxBodySize: MAX_BODY_BYTES });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith(`${TRPC_PATH}/`)) return void (singleMutation(req, res) || trpc(req, res));
    if (path === '/api/health') return void respondHealth(app, res, options.health ?? []);
    if (options.pages) return void options.pages(req, res);
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Not found' }));
  });

  // No per-message deflate (ws's default, stated here): compressing each live message per socket
  // would cost more CPU than the fan-out itself.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES, perMessageDeflate: false });
  const wsHandler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext,
    // Plain JSON as tRPC's default encoder, but a live message shared by many subscribers is stringified once.
    experimental_encoder: liveEncoder,
    keepAlive: { enabled: true, ...(options.keepAlive ?? { pingMs: 15_000, pongWaitMs: 5_000 }) },
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== WS_PATH) return;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  return {
    server,
    wss,
    /** Asks clients to reconnect (e.g. before a deploy), then closes sockets and the server. */
    close: async () => {
      wsHandler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
