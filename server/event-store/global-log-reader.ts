import type { Queryable, Sql } from '@/db/client';
import { literalLimit } from '@/db/client';
import type { EventRegistry } from './event-registry';
import { toRecordedEvent, type StoredEventRow } from './stored-event-row';
import type { RecordedEvent } from './types';

export type LogBatch = {
  readonly events: RecordedEvent[];
  /** The position the reader stands at now: every event up to it has been returned, none skipped. */
  readonly position: number;
  /** True when a missing position may still be filled by a transaction in flight. */
  readonly waitingOnGap: boolean;
};

type Row = Partial<StoredEventRow> & { snapshot_xmin: string };

/**
 * Reads the global order without skipping, repeating or reordering events.
 *
 * Positions come from a sequence before commit, so position 7 can be visible while 6 is not yet.
 * Every appender writes its stream row before it draws a position, so it owns a transaction id by
 * then. When the reader meets a hole it takes a fresh transaction id H: every transaction that
 * could own the hole got its id earlier, so it is below H. Once a later snapshot's xmin reaches H,
 * none of them is running: a position still missing then was rolled back and is passed over for
 * good. (The snapshot's xip list alone is not enough: a running transaction whose id is above the
 * latest completed one is not listed in it.) Cost: one short wait per hole; appenders never
 * serialize, so commits keep their group-commit throughput.
 */
export class GlobalLogReader {
  private gap: { position: number; horizon: bigint } | undefined;

  /** `pool` hands out the horizon: it must be a fresh transaction, never the caller's own. */
  constructor(
    private readonly registry: EventRegistry,
    private readonly pool: Sql,
  ) {}

  async read(db: Queryable, after: number, limit = 500, filter?: { types?: readonly string[] }): Promise<LogBatch> {
    // Every position is read (holes must be seen), but payloads only of the wanted types.
    const types = filter?.types ? [...filter.types] : null;
    const rows = await db<Row[]>`
      SELECT s.snapshot_xmin, e.*
      FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS snapshot_xmin) s
      LEFT JOIN LATERAL (
        SELECT position, stream_id, version, type, schema_version, recorded_at,
               CASE WHEN ${types}::text[] IS NULL OR type = ANY(${types}::text[]) THEN data END AS data,
               CASE WHEN ${types}::text[] IS NULL OR type = ANY(${types}::text[]) THEN metadata END AS metadata
        FROM events WHERE position > ${after} ORDER BY position LIMIT ${literalLimit(db, limit)}
      ) e ON true
      ORDER BY e.position`;
    const snapshotXmin = BigInt(rows[0]?.snapshot_xmin ?? '0');
    const wanted = filter?.types ? new Set(filter.types) : undefined;
    const events: RecordedEvent[] = [];
    let position = after;
    let waitingOnGap = false;

    for (const row of rows) {
      if (row.position === null || row.position === undefined) break;
      if (row.position !== position + 1) {
        const missing = position + 1;
        if (this.gap?.position !== missing) {
          const [horizon] = await this.pool<{ xid: string }[]>`SELECT pg_current_xact_id()::text AS xid`;
          this.gap = { position: missing, horizon: BigInt(horizon!.xid) };
        }
        if (snapshotXmin <= this.gap.horizon) {
          waitingOnGap = true;
          break;
        }
      }
      this.gap = undefined;
      position = row.position;
      if (!wanted || wanted.has(row.type!)) events.push(toRecordedEvent(this.registry, row as StoredEventRow));
    }
    return { events, position, waitingOnGap };
  }
}
