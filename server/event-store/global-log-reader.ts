import type { PendingQuery, Row as PgRow } from 'postgres';
import type { Queryable, Sql } from '@/db/client';
import { literalLimit } from '@/db/client';
import type { EventRegistry } from './event-registry';
import { toRecordedEvent, type StoredEventRow } from './stored-event-row';
import type { RecordedEvent } from './types';

export type LogBatch<T = RecordedEvent> = {
  readonly events: T[];
  /** The position the reader stands at now: every event up to it has been returned, none skipped. */
  readonly position: number;
  /** True when a missing position may still be filled by a transaction in flight. */
  readonly waitingOnGap: boolean;
};

/**
 * An event's place in the log without its payload: all that a reader which only routes changes
 * (the live channel) needs, at none of the cost of sending, parsing and validating payloads.
 */
export type LogEntry = {
  readonly position: number;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly correlationId: string | null;
};

/** The columns a `LogEntry` is read from, in the shape `toLogEntry` takes. */
export const LOG_ENTRY_COLUMNS = 'position, stream_id, version, type, correlation_id';
export type LogEntryRow = { position: number; stream_id: string; version: number; type: string; correlation_id: string | null };

export const toLogEntry = (row: LogEntryRow): LogEntry => ({
  position: row.position,
  streamId: row.stream_id,
  version: row.version,
  type: row.type,
  correlationId: row.correlation_id,
});

type Row = Partial<StoredEventRow> & { snapshot_xmin: string };
type EntryRow = Omit<LogEntryRow, 'position'> & { snapshot_xmin: string; position: number | null };

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
export class LogEntryReader {
  private gap: { position: number; horizon: bigint } | undefined;

  /** `pool` hands out the horizon: it must be a fresh transaction, never the caller's own. */
  constructor(private readonly pool: Sql) {}

  /** Every event's coordinates after `after`, up to the first hole that may still fill (no payload is read). */
  async readEntries(db: Queryable, after: number, limit = 500): Promise<LogBatch<LogEntry>> {
    const rows = await this.window<EntryRow>(db, db.unsafe(LOG_ENTRY_COLUMNS), after, limit);
    return this.scan(rows, after, (row) => toLogEntry(row as LogEntryRow));
  }

  /**
   * `columns` of up to `limit` events after `after`, in position order, each row with the
   * snapshot's xmin; one row with no event when there is none (the xmin still comes back).
   * `joins` may add tables beside `events` (a reader that reads read models with the log): they
   * are read in the same statement, so in the same snapshot as the events and their xmin. The
   * columns must then name `events.` where another table has a column of the same name, and
   * keep `position` for the event's.
   */
  protected window<R extends object>(
    db: Queryable,
    columns: PendingQuery<PgRow[]>,
    after: number,
    limit: number,
    joins: PendingQuery<PgRow[]> = db``,
  ): Promise<R[]> {
    return db<R[]>`
      SELECT snap.snapshot_xmin, e.*
      FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS snapshot_xmin) snap
      LEFT JOIN LATERAL (
        SELECT ${columns}
        FROM events ${joins}
        WHERE events.position > ${after} ORDER BY events.position LIMIT ${literalLimit(db, limit)}
      ) e ON true
      ORDER BY e.position`;
  }

  /** Walks rows in position order up to the first hole that a transaction in flight may still fill. */
  protected async scan<R extends { snapshot_xmin: string; position?: number | null }, T>(
    rows: readonly R[],
    after: number,
    take: (row: R) => T | undefined,
  ): Promise<LogBatch<T>> {
    const snapshotXmin = BigInt(rows[0]?.snapshot_xmin ?? '0');
    const events: T[] = [];
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
      const taken = take(row);
      if (taken !== undefined) events.push(taken);
    }
    return { events, position, waitingOnGap };
  }
}

/** The same walk with payloads, parsed and validated by the registry (of the wanted types only). */
export class GlobalLogReader extends LogEntryReader {
  constructor(
    private readonly registry: EventRegistry,
    pool: Sql,
  ) {
    super(pool);
  }

  async read(db: Queryable, after: number, limit = 500, filter?: { types?: readonly string[] }): Promise<LogBatch> {
    // Every position is read (holes must be seen), but payloads only of the wanted types.
    const types = filter?.types ? [...filter.types] : null;
    const columns = db`position, stream_id, version, type, schema_version, recorded_at,
      CASE WHEN ${types}::text[] IS NULL OR type = ANY(${types}::text[]) THEN data END AS data,
      CASE WHEN ${types}::text[] IS NULL OR type = ANY(${types}::text[]) THEN metadata END AS metadata`;
    const rows = await this.window<Row>(db, columns, after, limit);
    const wanted = filter?.types ? new Set(filter.types) : undefined;
    return this.scan(rows, after, (row) => (!wanted || wanted.has(row.type!) ? toRecordedEvent(this.registry, row as StoredEventRow) : undefined));
  }
}
