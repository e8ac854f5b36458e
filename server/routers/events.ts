import { literalLimit } from '@/db/client';
import { z } from 'zod';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from '../event-store/stored-event-row';
import { publicEvent } from '../queries/redact';
import { publicProcedure, router } from '../trpc';

export const eventsRouter = router({
  /** All events, newest first by default, paged by position; filter by type or stream. */
  list: publicProcedure
    .input(
      z.object({
        type: z.string().max(100).optional(),
        streamId: z.string().max(200).optional(),
        cursor: z.int().min(0).nullish(),
        direction: z.enum(['backwards', 'forwards']).default('backwards'),
        limit: z.int().min(1).max(200).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const db = ctx.app.sql;
      const forwards = input.direction === 'forwards';
      const rows = await db<StoredEventRow[]>`
        SELECT ${db.unsafe(EVENT_COLUMNS)} FROM events
        WHERE true
          ${input.type ? db`AND type = ${input.type}` : db``}
          ${input.streamId ? db`AND stream_id = ${input.streamId}` : db``}
          ${input.cursor != null ? (forwards ? db`AND position > ${input.cursor}` : db`AND position < ${input.cursor}`) : db``}
        ORDER BY position ${forwards ? db`ASC` : db`DESC`}
        LIMIT ${literalLimit(db, input.limit + 1)}`;
      const page = rows.slice(0, input.limit).map((row) => publicEvent(toRecordedEvent(ctx.app.registry, row)));
      return {
        items: page,
        nextCursor: rows.length > input.limit ? page[page.length - 1]!.position : null,
        position: ctx.app.follower.position,
      };
    }),

  types: publicProcedure.query(({ ctx }) => ({ items: ctx.app.registry.types() })),
});
