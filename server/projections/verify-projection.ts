import type { Sql } from '@/db/client';
import type { EventRegistry } from '../event-store/event-registry';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from '../event-store/stored-event-row';
import type { Projection } from './projection';

export type VerificationResult = {
  name: string;
  identical: boolean;
  /** The position the comparison was made at. */
  position: number;
  eventsReplayed: number;
  tables: { table: string; liveRows: number; rebuiltRows: number; onlyLive: number; onlyRebuilt: number }[];
};

const BATCH = 2000;

/**
 * Replays a projection from position 0 into shadow copies of its tables and compares them with the
 * live ones, row by row. It all happens in one repeatable-read transaction that is rolled back:
 * the live tables, the events and the checkpoint are seen at one instant, and nothing is left behind.
 */
export const verifyProjection = async (sql: Sql, registry: EventRegistry, projection: Projection): Promise<VerificationResult> => {
  let outcome: VerificationResult | undefined;
  await sql
    .begin('isolation level repeatable read', async (tx) => {
      const [checkpoint] = await tx<{ position: number }[]>`SELECT position FROM projection_checkpoints WHERE name = ${projection.name}`;
      const [head] = await tx<{ head: number }[]>`SELECT coalesce(max(position), 0) AS head FROM events`;
      // Inline rows reflect every event this snapshot sees; async ones stop at their checkpoint.
      const upTo = projection.kind === 'inline' ? head!.head : (checkpoint?.position ?? 0);
      await tx`CREATE SCHEMA orderflow_verify`;
      for (const table of projection.tables) {
        await tx`CREATE TABLE orderflow_verify.${tx(table)} (LIKE public.${tx(table)} INCLUDING ALL)`;
      }
      await tx`SET LOCAL search_path TO orderflow_verify, public`;
      let after = 0;
      let replayed = 0;
      for (;;) {
        const rows = await tx<StoredEventRow[]>`
          SELECT ${tx.unsafe(EVENT_COLUMNS)} FROM public.events
          WHERE position > ${after} AND position <= ${upTo} AND type = ANY(${projection.eventTypes as string[]}::text[])
          ORDER BY position LIMIT ${BATCH}`;
        if (rows.length === 0) break;
        await projection.apply(tx, rows.map((row) => toRecordedEvent(registry, row)));
        replayed += rows.length;
        after = rows[rows.length - 1]!.position;
      }
      const tables = [];
      for (const table of projection.tables) {
        const [diff] = await tx<{ live: number; rebuilt: number; only_live: number; only_rebuilt: number }[]>`
          SELECT (SELECT count(*) FROM public.${tx(table)})::int AS live,
                 (SELECT count(*) FROM orderflow_verify.${tx(table)})::int AS rebuilt,
                 (SELECT count(*) FROM (SELECT * FROM public.${tx(table)} EXCEPT ALL SELECT * FROM orderflow_verify.${tx(table)}) d)::int AS only_live,
                 (SELECT count(*) FROM (SELECT * FROM orderflow_verify.${tx(table)} EXCEPT ALL SELECT * FROM public.${tx(table)}) d)::int AS only_rebuilt`;
        tables.push({ table, liveRows: diff!.live, rebuiltRows: diff!.rebuilt, onlyLive: diff!.only_live, onlyRebuilt: diff!.only_rebuilt });
      }
      outcome = {
        name: projection.name,
        identical: tables.every((t) => t.onlyLive === 0 && t.onlyRebuilt === 0),
        position: upTo,
        eventsReplayed: replayed,
        tables,
      };
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return outcome!;
};

class RolledBack extends Error {}
