import { z } from 'zod';
import { faultSettingsSchema, getFaults, participantNames, setFaults } from '../participants/faults';
import { publicProcedure, router } from '../trpc';

/** Fault injection for the simulated participants, stored in the database so every process applies it. */
export const faultsRouter = router({
  get: publicProcedure.query(({ ctx }) => getFaults(ctx.app.sql)),

  /** Changes one participant's latency and/or transient error rate; answers with all settings. */
  set: publicProcedure
    .input(
      z
        .object({
          participant: z.enum(participantNames),
          latencyMs: faultSettingsSchema.shape.latencyMs.optional(),
          transientErrorRate: faultSettingsSchema.shape.transientErrorRate.optional(),
        })
        .refine((input) => input.latencyMs !== undefined || input.transientErrorRate !== undefined, {
          message: 'Give latencyMs, transientErrorRate or both',
        }),
    )
    .mutation(({ ctx, input }) => {
      const { participant, ...patch } = input;
      return setFaults(ctx.app.sql, participant, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    }),
});
