'use client';
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink, type TRPCWebSocketClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@/server/root';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** The browser's WebSocket url, computed lazily: there is no `window` during server rendering. */
const wsUrl = () => `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/ws`;

/** Resolves once the browser says it is online, so reconnects do not spin while offline. */
const whenOnline = () =>
  new Promise<void>((resolve) => {
    if (typeof navigator === 'undefined' || navigator.onLine) return resolve();
    const onOnline = () => {
      window.removeEventListener('online', onOnline);
      resolve();
    };
    window.addEventListener('online', onOnline);
  });

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export type BrowserTrpc = {
  client: ReturnType<typeof createTRPCClient<AppRouter>>;
  ws: TRPCWebSocketClient;
};

export const createBrowserTrpcClient = (onConnection?: (state: ConnectionState) => void): BrowserTrpc => {
  const ws = createWSClient({
    url: async () => {
      await whenOnline();
      return wsUrl();
    },
    lazy: { enabled: false, closeMs: 0 },
    keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
    // Quick first retries, then at most every 3 s (the default backs off to 30 s).
    retryDelayMs: (attempt) => (attempt === 0 ? 0 : Math.min(250 * 2 ** attempt, 3_000)),
    onOpen: () => onConnection?.('live'),
    onClose: () => onConnection?.('reconnecting'),
  });
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws }),
        false: httpBatchLink({ url: '/api/trpc' }),
      }),
    ],
  });
  return { client, ws };
};
