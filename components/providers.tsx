'use client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { useEffect, useState, type ReactNode } from 'react';
import type { AppRouter } from '@/server/root';
import { liveStore } from './live/live-store';
import { createBrowserTrpcClient, TRPCProvider, type BrowserTrpc } from './trpc/client';

declare global {
  interface Window {
    /** Hooks for the end-to-end tests (and curious operators). */
    __orderflowTest?: {
      dropConnection: () => void;
      connection: () => string;
      lastPosition: () => number;
    };
  }
}

let browser: BrowserTrpc | undefined;

/** One tRPC client (and one WebSocket) per tab; during server rendering an HTTP-only stand-in. */
const getTrpc = () => {
  if (typeof window === 'undefined') {
    return { client: createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://localhost/api/trpc' })] }), ws: null };
  }
  browser ??= createBrowserTrpcClient((state) => liveStore.setConnection(state));
  return browser;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isClientError = (error: unknown) => {
  if (!(error instanceof TRPCClientError)) return false;
  const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
  return typeof status === 'number' && status >= 400 && status < 500;
};

/** The tab's one live subscription: every order change, resumed from the last position on reconnect. */
const LiveFeed = ({ trpc }: { trpc: ReturnType<typeof getTrpc> }) => {
  useEffect(() => {
    if (!trpc.ws) return;
    const { client, ws } = trpc;
    let stopped = false;
    let subscription: { unsubscribe: () => void } | undefined;
    let lastId: string | null = null;

    window.__orderflowTest = {
      dropConnection: () => ws.connection?.ws.close(),
      connection: () => liveStore.getSnapshot().connection,
      lastPosition: () => liveStore.lastPosition,
    };

    const state = ws.connectionState.subscribe({
      next: (s) => {
        if (s.state === 'pending') liveStore.setConnection('live');
        else if (s.state === 'connecting') liveStore.setConnection(s.error ? 'reconnecting' : 'connecting');
      },
    });

    const start = async () => {
      // Start the feed from a known position, so query answers at or after it miss nothing.
      while (!stopped && lastId === null) {
        try {
          const { position } = await client.events.list.query({ limit: 1 });
          lastId = String(position);
          liveStore.setLiveFrom(position);
        } catch {
          await sleep(1000);
        }
      }
      if (stopped) return;
      subscription = client.live.changes.subscribe(
        { lastEventId: lastId },
        {
          onData: (envelope) => {
            // One message carries every change of a short stretch of the log; its id is the last
            // position it covers, the place to resume from.
            lastId = envelope.id;
            liveStore.applyBatch(envelope.data);
          },
          onError: (error) => {
            // The server ended the subscription (e.g. too slow): resume from the last id.
            console.warn('[orderflow] live feed ended, resuming', error);
            liveStore.setConnection('reconnecting');
            subscription?.unsubscribe();
            if (!stopped) setTimeout(() => void (stopped || resume()), 1000);
          },
        },
      );
    };
    const resume = () => {
      subscription = undefined;
      void start();
    };
    void start();
    return () => {
      stopped = true;
      state.unsubscribe();
      subscription?.unsubscribe();
    };
  }, [trpc]);
  return null;
};

export const Providers = ({ children }: { children: ReactNode }) => {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 10_000,
            refetchOnWindowFocus: false,
            retry: (count, error) => !isClientError(error) && count < 3,
          },
        },
      }),
  );
  const [trpc] = useState(getTrpc);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpc.client} queryClient={queryClient}>
        <LiveFeed trpc={trpc} />
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
};
