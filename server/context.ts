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
  readonly liveLimits: LiveLimits;
};

/** How far a live subscriber may fall behind before it is cut off (it then resumes from its last id). */
export type LiveLimits = { readonly maxPendingChanges: number; readonly maxSendBufferBytes: number };
export const defaultLiveLimits: LiveLimits = { maxPendingChanges: 2000, maxSendBufferBytes: 1_000_000 };

/** One context factory for HTTP and WebSocket calls. */
export const contextFactory =
  (app: Orderflow, liveLimits: LiveLimits = defaultLiveLimits) =>
  ({ req, res }: { req: IncomingMessage; res?: unknown }): Context => {
    const operator = req.headers['x-orderflow-operator'];
    return {
      app,
      actor: { kind: 'user', id: typeof operator === 'string' && operator.length > 0 ? operator.slice(0, 64) : 'operator' },
      ws: isWebSocket(res) ? res : undefined,
      liveLimits,
    };
  };

const isWebSocket = (value: unknown): value is WebSocket =>
  typeof value === 'object' && value !== null && 'bufferedAmount' in value && 'send' in value;
