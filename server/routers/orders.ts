import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { cancelOrder } from '../handlers/cancel-order';
import { cancelOrderInput, placeOrderInput } from '../handlers/order-inputs';
import { placeOrder } from '../handlers/place-order';
import { foldOrderState, publicOrderState } from '../queries/order-state-at';
import { findOrderDetails, findOrderSummary, listOrders } from '../queries/order-queries';
import { awaitLog } from '../queries/read-your-writes';
import { publicEvent } from '../queries/redact';
import { orderSagaView, sagaAt } from '../queries/saga-view';
import { publicProcedure, router } from '../trpc';

const orderId = z.string().min(1).max(64);
const minPosition = z.int().min(0).optional();
const statuses = ['placed', 'inventory_reserved', 'paid', 'shipment_created', 'confirmed', 'cancelling', 'cancelled'] as const;

export const ordersRouter = router({
  place: publicProcedure.input(placeOrderInput).mutation(({ ctx, input }) => placeOrder(ctx.app, input, ctx.actor)),

  cancel: publicProcedure.input(cancelOrderInput).mutation(({ ctx, input }) => cancelOrder(ctx.app, input, ctx.actor)),

  list: publicProcedure
    .input(
      z.object({
        status: z.enum(statuses).optional(),
        customerId: z.string().max(64).optional(),
        search: z.string().trim().max(64).optional(),
        cursor: z.string().regex(/^\d+$/).nullish(),
        limit: z.int().min(1).max(100).default(25),
        minPosition,
      }),
    )
    .query(async ({ ctx, input }) => {
      const { position, stale } = await awaitLog(ctx.app, input.minPosition);
      const page = await listOrders(ctx.app.sql, { ...input, cursor: input.cursor ?? undefined, search: input.search || undefined });
      return { ...page, position, stale };
    }),

  byId: publicProcedure.input(z.object({ orderId, minPosition })).query(async ({ ctx, input }) => {
    const { position, stale } = await awaitLog(ctx.app, input.minPosition);
    const [summary, details, saga] = await Promise.all([
      findOrderSummary(ctx.app.sql, input.orderId),
      findOrderDetails(ctx.app.sql, input.orderId),
      orderSagaView(ctx.app, input.orderId),
    ]);
    if (!summary || !details) throw new TRPCError({ code: 'NOT_FOUND', message: `Order ${input.orderId} was not found` });
    return { ...summary, ...details, saga, version: summary.version, position: Math.max(position, summary.lastPosition), stale };
  }),

  timeline: publicProcedure.input(z.object({ orderId })).query(async ({ ctx, input }) => {
    const events = await ctx.app.store.readCorrelated(input.orderId);
    if (events.length === 0) throw new TRPCError({ code: 'NOT_FOUND', message: `Order ${input.orderId} was not found` });
    return { orderId: input.orderId, events: events.map(publicEvent) };
  }),

  stateAt: publicProcedure.input(z.object({ orderId, position: z.int().min(0) })).query(async ({ ctx, input }) => {
    const events = await ctx.app.store.readCorrelated(input.orderId, { upToPosition: input.position });
    const { state, version } = foldOrderState(events, input.orderId);
    const order = publicOrderState(state);
    if (!order) throw new TRPCError({ code: 'NOT_FOUND', message: `Order ${input.orderId} did not exist at position ${input.position}` });
    return { orderId: input.orderId, position: input.position, version, order, saga: sagaAt(events), eventCount: events.length };
  }),
});
