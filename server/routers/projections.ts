import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { verifyProjection } from '../projections/verify-projection';
import { projectionStatus } from '../queries/projection-status';
import { publicProcedure, router } from '../trpc';

export const projectionsRouter = router({
  status: publicProcedure.query(({ ctx }) => projectionStatus(ctx.app.sql, ctx.app.daemon.projections)),

  /** Replays the projection into shadow tables and compares them with the live ones (nothing is written). */
  verify: publicProcedure.input(z.object({ name: z.string().min(1).max(100) })).mutation(async ({ ctx, input }) => {
    const projection = ctx.app.daemon.projections.find((p) => p.name === input.name);
    if (!projection) throw new TRPCError({ code: 'NOT_FOUND', message: `No projection is called ${input.name}` });
    return verifyProjection(ctx.app.sql, ctx.app.registry, projection);
  }),

  rebuild: publicProcedure.input(z.object({ name: z.string().min(1).max(100) })).mutation(async ({ ctx, input }) => {
    if (!ctx.app.daemon.projections.some((p) => p.name === input.name)) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `No projection is called ${input.name}` });
    }
    await ctx.app.daemon.requestRebuild(input.name);
    return { name: input.name, status: 'rebuilding' as const };
  }),
});
