import type { TransactionSql } from '@/db/client';
import type { RecordedEvent } from '../event-store/types';
import { defineProjection, type Projection } from './projection';

/** A read-model row as Postgres returns it: snake_case columns; it must carry `version`. */
export type Row = Record<string, unknown> & { version: number };

export type RowProjectionSpec<R extends Row> = {
  readonly name: string;
  readonly description: string;
  readonly table: string;
  /** The primary-key column; one row per stream. */
  readonly key: string;
  readonly eventTypes: readonly string[];
  /** The row an event belongs to, or undefined when it belongs to none. */
  readonly keyOf: (event: RecordedEvent) => string | undefined;
  /** The row after the event: a new row for the stream's first event, else the row changed. Pure. */
  readonly evolve: (row: R | undefined, event: RecordedEvent) => R | undefined;
};

/**
 * A projection with one row per stream, written as a pure fold: rows are read once per batch,
 * events applied in memory, and every changed row written back in one statement. Each event is
 * applied only on top of the version before it, so a rebuild that races live appends never
 * applies a change twice or out of order, and replaying a batch again changes nothing.
 */
export const rowProjection = <R extends Row>(spec: RowProjectionSpec<R>): Projection =>
  defineProjection({
    name: spec.name,
    kind: 'inline',
    description: spec.description,
    eventTypes: spec.eventTypes,
    tables: [spec.table],
    apply: async (tx: TransactionSql, events: readonly RecordedEvent[]) => {
      const types = new Set(spec.eventTypes);
      const relevant = events.filter((e) => types.has(e.type) && spec.keyOf(e) !== undefined);
      if (relevant.length === 0) return;
      // A stream's first event needs no lookup: its row cannot exist yet (a racing rebuild is
      // settled by the version check of the upsert).
      const lookup = [...new Set(relevant.filter((e) => e.version !== 1).map((e) => spec.keyOf(e)!))];
      const rows = new Map<string, R>();
      if (lookup.length > 0) {
        const found = await tx<R[]>`SELECT * FROM ${tx(spec.table)} WHERE ${tx(spec.key)} = ANY(${lookup}::text[])`;
        for (const row of found) rows.set(String(row[spec.key]), row);
      }
      const changed = new Set<string>();
      for (const event of relevant) {
        const key = spec.keyOf(event)!;
        const row = rows.get(key);
        const applies = row ? row.version === event.version - 1 : event.version === 1;
        if (!applies) continue;
        const next = spec.evolve(row, event);
        if (!next) continue;
        rows.set(key, next);
        changed.add(key);
      }
      if (changed.size === 0) return;
      const payload = JSON.stringify([...changed].map((key) => rows.get(key)));
      const columns = Object.keys(rows.get([...changed][0]!)!);
      await tx`
        INSERT INTO ${tx(spec.table)} (${tx(columns)})
        SELECT ${tx(columns)} FROM json_populate_recordset(null::${tx(spec.table)}, ${payload}::text::json)
        ON CONFLICT (${tx(spec.key)}) DO UPDATE SET ${tx.unsafe(columns.filter((c) => c !== spec.key).map((c) => `"${c}" = EXCLUDED."${c}"`).join(', '))}
        WHERE ${tx(spec.table)}.version < EXCLUDED.version`;
    },
  });
