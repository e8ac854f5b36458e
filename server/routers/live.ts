import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { BoundedQueue, QueueOverflowError } from '../live/bounded-queue';
import type { OrderChange } from '../live/live-feed';
import { publicProcedure, router } from '../trpc';

export const SLOW_CONSUMER_CLOSE_CODE = 4008;

export const liveRouter = router({
  /**
   * Order changes, each a tracked event whose id is its global position. Listen first, then
   * catch up from the store, then go live; a position already sent is never sent again.
   */
  changes: publicProcedure
    .input(
      z.object({
        orderId: z.string().min(1).max(64).optional(),
        lastEventId: z.string().regex(/^\d+$/, 'lastEventId is a position').nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const feed = ctx.app.live;
      const queue = new BoundedQueue<OrderChange>(ctx.liveLimits.maxPendingChanges);
      const liveFrom = feed.position;
      const unsubscribe = feed.subscribe((changes) => {
        for (const change of changes) if (!input.orderId || change.orderId === input.orderId) queue.push(change);
      });
      const tooSlow = (reason: string) => {
        ctx.ws?.close(SLOW_CONSUMER_CLOSE_CODE, `Too slow: ${reason}. Resubscribe with your last event id to catch up.`.slice(0, 120));
        return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `Subscriber too slow: ${reason}; resubscribe with lastEventId` });
      };
      try {
        let last = input.lastEventId ? Number(input.lastEventId) : liveFrom;
        while (last < liveFrom) {
          const page = await feed.backfill(last, liveFrom, input.orderId);
          for (const change of page.changes) yield tracked(String(change.position), change);
          last = page.position;
        }
        for await (const change of queue.drain(signal)) {
          if (change.position <= last) continue;
          if (ctx.ws && ctx.ws.bufferedAmount > ctx.liveLimits.maxSendBufferBytes) throw tooSlow('send buffer full');
          last = change.position;
          yield tracked(String(change.position), change);
        }
      } catch (error) {
        if (error instanceof QueueOverflowError) throw tooSlow(error.message);
        throw error;
      } finally {
        unsubscribe();
      }
    }),
});
