import { tracked, TRPCError } from '@trpc/server';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { BoundedQueue, QueueOverflowError } from '../live/bounded-queue';
import { sendText } from '../live/direct-send';
import { toBatches, type LiveBatch } from '../live/live-feed';
import { attachable, frameTemplate, trackedFrame, type Envelope, type FrameTemplate } from '../live/shared-encoding';
import { publicProcedure, router } from '../trpc';

export const SLOW_CONSUMER_CLOSE_CODE = 4008;

/** The changes of `batch` after `last` for this subscriber (the batch itself when all are: shared, encoded once). */
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
   *
   * After the catch-up comes one message with no changes, tracked at the position the subscriber
   * is live from: it says "caught up" (as EventStoreDB's subscriptions do), and it is the one message
   * a subscriber costs tRPC's per-subscription machinery. While tRPC encodes it, `liveEncoder` tells
   * us the subscription's envelope (its request id); from then on each message is written by the
   * feed's listener straight to the socket, as the same JSON text frame tRPC would send, one shared
   * Buffer for all subscribers with the same envelope: no promise, generator or JSON work per
   * subscriber. So that setup happens when a subscriber connects, not in the first fan-out after
   * a thousand of them did. The generator stays open for the subscription's life (stop, errors).
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
      const { ws, liveLimits } = ctx;
      const { orderId } = input;
      const queue = new BoundedQueue<LiveBatch>(liveLimits.maxPendingChanges, (batch) => batch.changes.length);
      const liveFrom = feed.position;
      let last = input.lastEventId ? Number(input.lastEventId) : liveFrom;
      /** Set once the envelope is known and the queue is empty: the listener then writes frames itself. */
      let direct: ((batch: LiveBatch) => void) | undefined;
      let failure: TRPCError | undefined;
      let wakeUp: (() => void) | undefined;
      let ended = false;
      const end = () => {
        ended = true;
        direct = undefined;
        wakeUp?.();
      };
      signal?.addEventListener('abort', end, { once: true });

      const unsubscribe = feed.subscribe((batches) => {
        for (const batch of batches) {
          const mine = !orderId ? batch : batch.changes.some((c) => c.orderId === orderId) ? after(batch, 0, orderId) : undefined;
          if (!mine) continue;
          if (direct) direct(mine);
          else queue.push(mine);
        }
      });
      const tooSlow = (reason: string) => {
        ws?.close(SLOW_CONSUMER_CLOSE_CODE, `Too slow: ${reason}. Resubscribe with your last event id to catch up.`.slice(0, 120));
        return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `Subscriber too slow: ${reason}; resubscribe with lastEventId` });
      };
      /** The not yet sent part of `batch`, with `last` moved past it; undefined when nothing is new. */
      const fresh = (batch: LiveBatch): LiveBatch | undefined => {
        if (batch.position <= last) return undefined;
        const part = after(batch, last, undefined);
        last = batch.position;
        return part.changes.length > 0 ? part : undefined;
      };
      const sendDirect = (template: FrameTemplate, batch: LiveBatch) => {
        if (ended || !ws) return;
        const part = fresh(batch);
        if (!part || ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > liveLimits.maxSendBufferBytes) {
          failure = tooSlow('send buffer full');
          end();
          return;
        }
        sendText(ws, trackedFrame(template, part));
      };

      try {
        while (last < liveFrom) {
          const page = await feed.backfill(last, liveFrom, orderId);
          for (const batch of toBatches(page.changes, page.position)) yield tracked(String(batch.position), batch);
          last = page.position;
        }
        // Caught up: a message with no changes says so, at the position live changes follow from.
        // Sending it through tRPC tells us the envelope, so every live message can go direct.
        let envelope: Envelope | undefined;
        const caughtUp: LiveBatch = { position: last, changes: [] };
        yield tracked(String(last), ws ? attachable(caughtUp, (e) => (envelope ??= e)) : caughtUp);
        // tRPC asks for the next value only once it has sent this one, so nothing written directly
        // from here can overtake it; what queued up meanwhile goes first, in order.
        if (envelope && ws && !ended) {
          const target = frameTemplate(envelope);
          for (let next = queue.take(); next !== undefined; next = queue.take()) sendDirect(target, next);
          if (!ended) direct = (b) => sendDirect(target, b);
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            if (ended) resolve();
          });
          if (failure) throw failure;
          return;
        }
        // No WebSocket (or another encoder): every message goes through tRPC.
        for await (const batch of queue.drain(signal)) {
          const part = fresh(batch);
          if (!part) continue;
          if (ws && ws.bufferedAmount > liveLimits.maxSendBufferBytes) throw tooSlow('send buffer full');
          yield tracked(String(part.position), part);
        }
      } catch (error) {
        if (error instanceof QueueOverflowError) throw tooSlow(error.message);
        throw error;
      } finally {
        end();
        signal?.removeEventListener('abort', end);
        unsubscribe();
      }
    }),
});
