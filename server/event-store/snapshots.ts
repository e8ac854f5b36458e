import type { Queryable } from '@/db/client';

/** How an aggregate's state is cached: every `every` versions, under a shape version of its own. */
export type SnapshotPolicy<S> = {
  readonly every: number;
  readonly schemaVersion: number;
  /** Older shape versions that `restore` still reads (upcasts); a snapshot of any other is ignored. */
  readonly upcastsFrom?: readonly number[];
  readonly take: (state: S) => unknown;
  /** Throws when the stored value no longer fits: the stream is then folded from the start. */
  readonly restore: (stored: unknown) => S;
};

export const readSnapshot = async <S>(
  db: Queryable,
  streamId: string,
  policy: SnapshotPolicy<S>,
): Promise<{ state: S; version: number } | undefined> => {
  const [row] = await db<{ version: number; snapshot_schema: number; state: unknown }[]>`
    SELECT version, snapshot_schema, state FROM snapshots WHERE stream_id = ${streamId}`;
  if (!row) return undefined;
  if (row.snapshot_schema !== policy.schemaVersion && !policy.upcastsFrom?.includes(row.snapshot_schema)) return undefined;
  try {
    return { state: policy.restore(row.state), version: row.version };
  } catch {
    return undefined;
  }
};

/** A snapshot is a cache: a newer one never gets replaced by an older one. */
export const writeSnapshot = async <S>(
  db: Queryable,
  streamId: string,
  policy: SnapshotPolicy<S>,
  state: S,
  version: number,
): Promise<void> => {
  await db`
    INSERT INTO snapshots (stream_id, version, snapshot_schema, state)
    VALUES (${streamId}, ${version}, ${policy.schemaVersion}, ${db.json(policy.take(state) as never)})
    ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, snapshot_schema = EXCLUDED.snapshot_schema,
      state = EXCLUDED.state, created_at = now()
    WHERE snapshots.version < EXCLUDED.version OR snapshots.snapshot_schema <> EXCLUDED.snapshot_schema`;
};
