import type { Queryable, Sql } from '@/db/client';

/**
 * The durable work queue and timers of the sagas (table saga_work). Due times come from the
 * app's clock; leases from the database's, so processes never compare clocks with each other.
 */
export type Claim = { readonly orderId: string; readonly nudges: number };

/** Makes sagas due at `dueAt` (or earlier, if they already are) and counts the nudge. */
export const enqueueSagas = async (db: Queryable, orderIds: readonly string[], dueAt: string): Promise<void> => {
  if (orderIds.length === 0) return;
  // Sorted, so two intakes never lock the same rows in opposite orders.
  await db`
    INSERT INTO saga_work (order_id, due_at)
    SELECT order_id, ${dueAt}::timestamptz FROM unnest(${[...new Set(orderIds)].sort()}::text[]) AS t(order_id) ORDER BY order_id
    ON CONFLICT (order_id) DO UPDATE SET due_at = LEAST(saga_work.due_at, EXCLUDED.due_at), nudges = saga_work.nudges + 1`;
};

/**
 * Claims up to `limit` due sagas that nobody holds (or whose holder's lease ran out). SKIP LOCKED
 * lets processes claim side by side without waiting on each other or claiming the same row.
 */
export const claimDueSagas = async (sql: Sql, worker: string, now: string, limit: number, leaseMs: number): Promise<Claim[]> => {
  if (limit <= 0) return [];
  return sql<Claim[]>`
    UPDATE saga_work w SET locked_by = ${worker}, locked_until = now() + ${leaseMs}::int * interval '1 millisecond'
    FROM (
      SELECT order_id FROM saga_work
      WHERE due_at <= ${now}::timestamptz AND (locked_until IS NULL OR locked_until < now())
      ORDER BY due_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE w.order_id = due.order_id
    RETURNING w.order_id AS "orderId", w.nudges`;
};

/** Extends the lease before a step; false when the claim was lost (another process took over). */
export const renewLease = async (sql: Sql, claim: Claim, worker: string, leaseMs: number): Promise<boolean> => {
  const rows = await sql`
    UPDATE saga_work SET locked_until = now() + ${leaseMs}::int * interval '1 millisecond'
    WHERE order_id = ${claim.orderId} AND locked_by = ${worker}
    RETURNING order_id`;
  return rows.length === 1;
};

/** Hands the saga back, due at `dueAt` (a pending retry); a nudge meanwhile keeps it due now. */
export const releaseClaim = async (sql: Sql, claim: Claim, worker: string, dueAt: string): Promise<void> => {
  await sql`
    UPDATE saga_work SET locked_by = NULL, locked_until = NULL,
      due_at = CASE WHEN nudges = ${claim.nudges} THEN ${dueAt}::timestamptz ELSE LEAST(due_at, ${dueAt}::timestamptz) END
    WHERE order_id = ${claim.orderId} AND locked_by = ${worker}`;
};

/** The saga is finished: its row goes, unless something new arrived meanwhile (then it stays due). */
export const finishClaim = async (sql: Sql, claim: Claim, worker: string, now: string): Promise<void> => {
  const deleted = await sql`
    DELETE FROM saga_work WHERE order_id = ${claim.orderId} AND locked_by = ${worker} AND nudges = ${claim.nudges}
    RETURNING order_id`;
  if (deleted.length === 0) await releaseClaim(sql, claim, worker, now);
};

/**
 * Finishes many sagas of one worker in one statement; says which were finished. Those that were
 * nudged meanwhile are left for the caller to hand back, due (releaseClaim). The planner picks the
 * order rows are locked in, so this can lose a deadlock to an intake nudging the same rows: the
 * caller then finishes them one by one.
 */
export const finishClaims = async (sql: Sql, claims: readonly Claim[], worker: string): Promise<Set<string>> => {
  const deleted = await sql<{ order_id: string }[]>`
    DELETE FROM saga_work w
    USING unnest(${claims.map((c) => c.orderId)}::text[], ${claims.map((c) => c.nudges)}::int[]) AS f(order_id, nudges)
    WHERE w.order_id = f.order_id AND w.locked_by = ${worker} AND w.nudges = f.nudges
    RETURNING w.order_id`;
  return new Set(deleted.map((row) => row.order_id));
};

/** When the next saga becomes claimable: its due time, or the end of its holder's lease. */
export const nextClaimableAt = async (sql: Sql): Promise<number | null> => {
  const [row] = await sql<{ next: Date | null }[]>`
    SELECT min(CASE WHEN locked_until > now() THEN greatest(due_at, locked_until) ELSE due_at END) AS next FROM saga_work`;
  return row?.next ? row.next.getTime() : null;
};
