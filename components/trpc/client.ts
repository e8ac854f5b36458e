'use client';
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@/server/root';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** The browser's WebSocket url, computed lazily: there is no `window` during server rendering. */
const wsUrl = () => `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/ws`;

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export const createBrowserTrpcClient = (onConnection?: (state: ConnectionState) => void) => {
  const ws = createWSClient({
    url: wsUrl,
    lazy: { enabled: false, closeMs: 0 },
    keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
    onOpen: () => onConnection?.('live'),
    onClose: () => onConnection?.('reconnecting'),
  });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws }),
        false: httpBatchLink({ url: '/api/trpc' }),
      }),
    ],
  });
};
