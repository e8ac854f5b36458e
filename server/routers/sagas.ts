import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { sagaStatuses } from '../fulfilment/progress';
import { listSagas, sagaMetrics, sagaProgressFor } from '../fulfilment/queries';
import { publicProcedure, router } from '../trpc';

export const sagasRouter = router({
  /** Sagas newest first, optionally of one status; keyset-paged with the returned cursor. */
  list: publicProcedure
    .input(
      z
        .object({
          status: z.enum(sagaStatuses).optional(),
          cursor: z.string().regex(/^\d+$/, 'Use the nextCursor of the previous page').nullish(),
          limit: z.int().min(1).max(100).default(25),
        })
        .default({ limit: 25 }),
    )
    .query(({ ctx, input }) => listSagas(ctx.app.sql, input)),

  /** One order's saga: status, steps with every attempt, compensations. */
  byOrderId: publicProcedure.input(z.object({ orderId: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    const progress = await sagaProgressFor(ctx.app.sql, input.orderId);
    if (!progress) throw new TRPCError({ code: 'NOT_FOUND', message: `No fulfilment saga for order ${input.orderId}` });
    return progress;
  }),

  /** In flight, completed, compensated, failed, and retries spent. */
  metrics: publicProcedure.query(({ ctx }) => sagaMetrics(ctx.app.sql)),
});
