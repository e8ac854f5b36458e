import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { BoundedQueue, QueueOverflowError } from '../live/bounded-queue';
import { toBatches, type LiveBatch } from '../live/live-feed';
import { publicProcedure, router } from '../trpc';

export const SLOW_CONSUMER_CLOSE_CODE = 4008;

/** The changes of `batch` after `last` (the batch itself when all are: shared, encoded once). */
const after = (batch: LiveBatch, last: number, orderId: string | undefined): LiveBatch => {
  const first = batch.changes[0];
  if (!orderId && first && first.position > last) return batch;
  return { position: batch.position, changes: batch.changes.filter((c) => c.position > last && (!orderId || c.orderId === orderId)) };
};

export const liveRouter = router({
  /**
   * Order changes in messages of `{ position, changes }`, each a tracked event whose id is the
   * last global position it covers. Listen first, then catch up from the store, then go live; a
   * position already sent is never sent again.
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
      const queue = new BoundedQueue<LiveBatch>(ctx.liveLimits.maxPendingChanges, (batch) => batch.changes.length);
      const liveFrom = feed.position;
      const { orderId } = input;
      const unsubscribe = feed.subscribe((batches) => {
        for (const batch of batches) {
          if (!orderId) queue.push(batch);
          else if (batch.changes.some((c) => c.orderId === orderId)) queue.push(after(batch, 0, orderId));
        }
      });
      const tooSlow = (reason: string) => {
        ctx.ws?.close(SLOW_CONSUMER_CLOSE_CODE, `Too slow: ${reason}. Resubscribe with your last event id to catch up.`.slice(0, 120));
        return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `Subscriber too slow: ${reason}; resubscribe with lastEventId` });
      };
      try {
        let last = input.lastEventId ? Number(input.lastEventId) : liveFrom;
        while (last < liveFrom) {
          const page = await feed.backfill(last, liveFrom, orderId);
          for (const batch of toBatches(page.changes, page.position)) yield tracked(String(batch.position), batch);
          last = page.position;
        }
        for await (const batch of queue.drain(signal)) {
          if (batch.position <= last) continue;
          const fresh = after(batch, last, undefined);
          last = batch.position;
          if (fresh.changes.length === 0) continue;
          if (ctx.ws && ctx.ws.bufferedAmount > ctx.liveLimits.maxSendBufferBytes) throw tooSlow('send buffer full');
          yield tracked(String(batch.position), fresh);
        }
      } catch (error) {
        if (error instanceof QueueOverflowError) throw tooSlow(error.message);
        throw error;
      } finally {
        unsubscribe();
      }
    }),
});
