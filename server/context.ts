import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Orderflow } from './orderflow';
import type { Actor } from './shared/messages';

export type Context = {
  readonly app: Orderflow;
  /** Who is calling; a real deployment would take it from a session. */
  readonly actor: Actor;
  /** The caller's socket, for WebSocket subscriptions (send-buffer limits). */
  readonly ws?: WebSocket;
};

/** One context factory for HTTP and WebSocket calls. */
export const contextFactory =
  (app: Orderflow) =>
  ({ req, res }: { req: IncomingMessage; res?: unknown }): Context => {
    const operator = req.headers['x-orderflow-operator'];
    return {
      app,
      actor: { kind: 'user', id: typeof operator === 'string' && operator.length > 0 ? operator.slice(0, 64) : 'operator' },
      ws: isWebSocket(res) ? res : undefined,
    };
  };

const isWebSocket = (value: unknown): value is WebSocket =>
  typeof value === 'object' && value !== null && 'bufferedAmount' in value && 'send' in value;
