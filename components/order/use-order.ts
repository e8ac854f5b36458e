'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { useEffect, useRef } from 'react';
import { liveStore, writePosition } from '@/components/live/live-store';
import { useTRPCClient } from '@/components/trpc/client';
import { sagaOf } from './saga-types';
import { isFinal } from '@/components/lib/format';

export const orderQueryKey = (orderId: string) => ['orderflow', 'order', orderId] as const;
export const timelineQueryKey = (orderId: string) => ['orderflow', 'timeline', orderId] as const;

export const isNotFound = (error: unknown) =>
  error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === 'NOT_FOUND';

/**
 * The order and its timeline, kept current by the live feed: each change for this order asks
 * again with minPosition = that change, so the answer is never older than what was pushed.
 */
export const useOrder = (orderId: string) => {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const minPosition = useRef<number | undefined>(undefined);

  const order = useQuery({
    queryKey: orderQueryKey(orderId),
    queryFn: () => {
      const min = Math.max(minPosition.current ?? 0, writePosition(orderId) ?? 0);
      return client.orders.byId.query({ orderId, minPosition: min || undefined });
    },
    // Someone else's just-placed order may not be visible on this server yet: look a few times.
    retry: (count, error) => count < 3 || (!isNotFound(error) && count < 5),
    retryDelay: (count) => Math.min(300 * 2 ** count, 3000),
    // Backstop for steps that wait (retries, timeouts) between events.
    refetchInterval: (query) => {
      const data = query.state.data;
      if (!data) return false;
      const saga = sagaOf(data.saga);
      const done = isFinal(data.status) && (!saga || ['completed', 'compensated', 'failed'].includes(saga.status));
      return done ? false : 3000;
    },
  });

  const timeline = useQuery({
    queryKey: timelineQueryKey(orderId),
    queryFn: () => client.orders.timeline.query({ orderId }),
    retry: (count, error) => (isNotFound(error) ? count < 4 : count < 3),
    enabled: order.isSuccess,
  });

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = liveStore.onChange((change) => {
      if (change.orderId !== orderId) return;
      minPosition.current = Math.max(minPosition.current ?? 0, change.position);
      timer ??= setTimeout(() => {
        timer = null;
        void queryClient.invalidateQueries({ queryKey: orderQueryKey(orderId) });
        void queryClient.invalidateQueries({ queryKey: timelineQueryKey(orderId) });
      }, 80);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [orderId, queryClient]);

  useEffect(() => {
    if (order.data) liveStore.notePosition(order.data.position);
  }, [order.data]);

  return { order, timeline };
};
