import { z } from 'zod';
import { dashboardStats } from '../queries/dashboard-stats';
import { awaitProjection } from '../queries/read-your-writes';
import { publicProcedure, router } from '../trpc';

export const statsRouter = router({
  dashboard: publicProcedure.input(z.object({ minPosition: z.int().min(0).optional() }).default({})).query(async ({ ctx, input }) => {
    const { position, stale } = await awaitProjection(ctx.app, 'dashboard-stats', input.minPosition);
    return { ...(await dashboardStats(ctx.app.sql, ctx.app.clock.now())), position, stale };
  }),
});
