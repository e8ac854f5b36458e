import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { projectionStatus } from '../queries/projection-status';
import { publicProcedure, router } from '../trpc';

export const projectionsRouter = router({
  status: publicProcedure.query(({ ctx }) => projectionStatus(ctx.app.sql, ctx.app.daemon.projections)),

  rebuild: publicProcedure.input(z.object({ name: z.string().min(1).max(100) })).mutation(async ({ ctx, input }) => {
    if (!ctx.app.daemon.projections.some((p) => p.name === input.name)) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `No projection is called ${input.name}` });
    }
    await ctx.app.daemon.requestRebuild(input.name);
    return { name: input.name, status: 'rebuilding' as const };
  }),
});
