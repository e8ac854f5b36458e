import type { TransactionSql } from '@/db/client';
import type { ProjectedEvent } from '../event-store/types';
import type { InlineProjection } from '../event-store/stream-writer';
import { defineProjection, type PlannedEvent, type Projection } from './projection';

/** What a row's key is read from: an event written, or one about to be. */
type KeyedEvent = Pick<PlannedEvent, 'type' | 'data' | 'streamId'>;

/** A read-model row as Postgres returns it: snake_case columns; it must carry `version`. */
export type Row = Record<string, unknown> & { version: number };

/**
 * R is a row as read back, S the state events are folded into, W a row as written (the same as R
 * unless a column is written in another shape than it is read: saga_progress writes its packed
 * step lists as nested arrays of the payload, which land in text columns as their JSON text).
 */
export type RowProjectionSpec<R extends Row, S = R, W extends Row = R> = {
  readonly name: string;
  readonly description: string;
  readonly table: string;
  /** The primary-key column; one row per stream. */
  readonly key: string;
  readonly eventTypes: readonly string[];
  /** The row an event belongs to, or undefined when it belongs to none. */
  readonly keyOf: (event: KeyedEvent) => string | undefined;
  /**
   * The state after the event: a new one for the stream's first event, else the state changed (it
   * may be changed in place: every state handed in is the projection's own), or undefined when the
   * event changes nothing.
   */
  readonly evolve: (state: S | undefined, event: ProjectedEvent) => S | undefined;
  /**
   * The in-memory shape the events are folded into, when it is not the row itself: each row is
   * converted once per batch, all its events folded, and converted back once.
   */
  readonly state?: { readonly fromRow: (row: R) => S; readonly toRow: (state: S) => W; readonly versionOf: (state: S) => number };
};

type Keyed<E> = { readonly event: E; readonly key: string };

/**
 * A projection with one row per stream, written as a pure fold: rows are read once per batch,
 * events applied in memory, and every changed row written back in one statement. Each event is
 * applied only on top of the version before it, so a rebuild that races live appends never
 * applies a change twice or out of order, and replaying a batch again changes nothing.
 */
export const rowProjection = <R extends Row, S = R, W extends Row = R>(spec: RowProjectionSpec<R, S, W>): Projection & InlineProjection => {
  const types = new Set(spec.eventTypes);
  const fromRow = spec.state?.fromRow ?? ((row: R) => row as unknown as S);
  const toRow = spec.state?.toRow ?? ((state: S) => state as unknown as W);
  const versionOf = spec.state?.versionOf ?? ((state: S) => (state as unknown as R).version);
  type States = Map<string, { state: S; version: number }>;

  const keyed = <E extends KeyedEvent>(events: readonly E[]): Keyed<E>[] => {
    const relevant: Keyed<E>[] = [];
    for (const event of events) {
      if (!types.has(event.type)) continue;
      const key = spec.keyOf(event);
      if (key !== undefined) relevant.push({ event, key });
    }
    return relevant;
  };

  // A stream whose first event is in the batch needs no lookup: its row cannot exist yet, or, if
  // a racing rebuild or append wrote it, folding the stream from its first event here gives
  // the same row at each version and the version check of the upsert keeps the newer one.
  // (A rebuild's batches mostly hold whole streams: this saves most of its lookups.) A version
  // not known yet (an append whose expectation is not exact) is looked up.
  const lookupKeys = (relevant: readonly Keyed<{ readonly version?: number | undefined }>[]): string[] => {
    const firstVersion = new Map<string, number | undefined>();
    for (const { event, key } of relevant) if (!firstVersion.has(key)) firstVersion.set(key, event.version);
    return [...firstVersion].filter(([, version]) => version !== 1).map(([key]) => key);
  };

  /** Sent at once (execute), so a caller pipelining statements keeps them in the order it sent them. */
  const readStates = (tx: TransactionSql, keys: readonly string[]): Promise<States> => {
    const states: States = new Map();
    if (keys.length === 0) return Promise.resolve(states);
    return tx<R[]>`SELECT * FROM ${tx(spec.table)} WHERE ${tx(spec.key)} = ANY(${keys as string[]}::text[])`
      .execute()
      .then((found) => {
        for (const row of found) states.set(String(row[spec.key]), { state: fromRow(row), version: row.version });
        return states;
      });
  };

  /** Folds the events into the states; the changed rows, in key order. */
  const fold = (states: States, relevant: readonly Keyed<ProjectedEvent>[]): W[] => {
    const changed = new Set<string>();
    for (const { event, key } of relevant) {
      const current = states.get(key);
      const applies = current ? current.version === event.version - 1 : event.version === 1;
      if (!applies) continue;
      const next = spec.evolve(current?.state, event);
      if (next === undefined) continue;
      states.set(key, { state: next, version: versionOf(next) });
      changed.add(key);
    }
    // In key order: appends written together lock rows in one order, so never in a circle.
    return [...changed].sort().map((key) => toRow(states.get(key)!.state));
  };

  /** Sent at once, like readStates. */
  const upsert = (tx: TransactionSql, rows: readonly W[]) => {
    const payload = JSON.stringify(rows);
    const columns = Object.keys(rows[0]!);
    return tx`
      INSERT INTO ${tx(spec.table)} (${tx(columns)})
      SELECT ${tx(columns)} FROM json_populate_recordset(null::${tx(spec.table)}, ${payload}::text::json)
      ON CONFLICT (${tx(spec.key)}) DO UPDATE SET ${tx.unsafe(columns.filter((c) => c !== spec.key).map((c) => `"${c}" = EXCLUDED."${c}"`).join(', '))}
      WHERE ${tx(spec.table)}.version < EXCLUDED.version`.execute();
  };

  return defineProjection({
    name: spec.name,
    kind: 'inline',
    description: spec.description,
    eventTypes: spec.eventTypes,
    tables: [spec.table],
    apply: async (tx, events) => {
      const relevant = keyed(events);
      if (relevant.length === 0) return;
      const rows = fold(await readStates(tx, lookupKeys(relevant)), relevant);
      if (rows.length > 0) await upsert(tx, rows);
    },
    stage: (tx, planned) => {
      const keys = lookupKeys(keyed(planned));
      const reading = readStates(tx, keys);
      let states: States | undefined;
      return {
        ready: reading.then((read) => void (states = read)),
        write: (recorded) => {
          const relevant = keyed(recorded);
          if (relevant.length === 0) return undefined;
          // The events as written are the events as planned, so their lookups were read; a
          // lookup that was not would be folded onto nothing, so it is refused instead.
          const unread = lookupKeys(relevant).filter((key) => !keys.includes(key));
          if (unread.length > 0 || !states) throw new Error(`${spec.name}: rows ${unread.join(', ')} were not read before the append`);
          const rows = fold(states, relevant);
          return rows.length > 0 ? upsert(tx, rows) : undefined;
        },
      };
    },
  });
};
