import type { Sql } from '@/db/client';
import type { ProjectionDaemon } from '@/server/projections/projection-daemon';

/** Steps every projection until none has anything left to apply. */
export const runDaemonUntilIdle = async (daemon: ProjectionDaemon): Promise<void> => {
  for (let rounds = 0; rounds < 10_000; rounds++) {
    let busy = false;
    for (const projection of daemon.projections) {
      const outcome = await daemon.step(projection);
      if (outcome === 'progressed' || outcome === 'gap') busy = true;
    }
    if (!busy) return;
  }
  throw new Error('daemon never went idle');
};

/** A table's rows as sorted JSON lines: equal dumps mean equal read models. */
export const dumpTable = async (sql: Sql, table: string): Promise<string[]> => {
  const rows = await sql`SELECT * FROM ${sql(table)}`;
  return rows.map((row) => JSON.stringify(row)).sort();
};

export const dumpTables = async (sql: Sql, tables: readonly string[]) =>
  Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await dumpTable(sql, t)] as const)));
