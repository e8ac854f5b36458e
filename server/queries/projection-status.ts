import type { Queryable } from '@/db/client';
import type { Projection } from '../projections/projection';

export const headPosition = async (db: Queryable): Promise<number> => {
  const [row] = await db<{ head: number }[]>`SELECT coalesce(max(position), 0) AS head FROM events`;
  return row!.head;
};

/** Checkpoint, lag and rebuild progress of every projection. Inline ones have no lag unless rebuilding. */
export const projectionStatus = async (db: Queryable, projections: readonly Projection[]) => {
  const [head, rows] = await Promise.all([
    headPosition(db),
    db<{ name: string; position: number; status: string; rebuild_target: number | null; rebuild_started_at: Date | null; last_error: string | null; updated_at: Date }[]>`
      SELECT name, position, status, rebuild_target, rebuild_started_at, last_error, updated_at FROM projection_checkpoints`,
  ]);
  const byName = new Map(rows.map((r) => [r.name, r]));
  return {
    head,
    projections: projections.map((p) => {
      const row = byName.get(p.name);
      const rebuilding = row?.status === 'rebuilding';
      const position = p.kind === 'inline' && !rebuilding ? head : (row?.position ?? 0);
      return {
        name: p.name,
        kind: p.kind,
        description: p.description,
        status: row?.status ?? 'unknown',
        position,
        lag: Math.max(0, head - position),
        rebuild: rebuilding
          ? {
              target: row!.rebuild_target ?? head,
              progress: Math.min(1, (row!.position || 0) / Math.max(1, row!.rebuild_target ?? head)),
              startedAt: row!.rebuild_started_at?.toISOString() ?? null,
            }
          : null,
        lastError: row?.last_error ?? null,
        updatedAt: row?.updated_at.toISOString() ?? null,
      };
    }),
  };
};
