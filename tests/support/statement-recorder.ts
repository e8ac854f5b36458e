import { createSql, type Sql } from '@/db/client';

/**
 * A pool whose statements can be recorded while a call runs (postgres.js's `debug` hook, given
 * when the pool is made). The fault settings' read is left out: it happens at most every 250 ms,
 * whichever call comes first.
 */
export const recordingSql = async (url: string, max = 1) => {
  let recording: string[] | undefined;
  const sql: Sql = createSql(url, {
    max,
    debug: (_connection, query) => {
      if (recording && !query.includes('participant_faults')) recording.push(query.replace(/\s+/g, ' ').trim());
    },
  });
  // Every connection opened now: opening one reads the type catalogue, which no call should be charged with.
  await Promise.all(Array.from({ length: max }, () => sql`SELECT 1`));
  const record = async <T>(run: () => Promise<T>): Promise<{ answer: T; statements: string[] }> => {
    const statements: string[] = [];
    recording = statements;
    try {
      return { answer: await run(), statements };
    } finally {
      recording = undefined;
    }
  };
  return { sql, record };
};
