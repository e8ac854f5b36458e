import type { Queryable, Sql } from '@/db/client';
import { StoredEventInvalidError, type EventRegistry } from './event-registry';
import { LogEntryReader, type LogBatch } from './global-log-reader';
import type { ProjectedEvent } from './types';

type Row = {
  snapshot_xmin: string;
  position: number | null;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: unknown;
  occurred_at: unknown;
};

/**
 * The global order as projections read it (see ProjectedEvent): every position, as GlobalLogReader
 * reads it, but of the metadata only `occurredAt`, which Postgres takes out of the JSON. Payloads
 * are upcast and validated all the same.
 */
export class ProjectionLogReader extends LogEntryReader {
  constructor(
    private readonly registry: EventRegistry,
    pool: Sql,
  ) {
    super(pool);
  }

  async read(db: Queryable, after: number, limit: number, types: readonly string[]): Promise<LogBatch<ProjectedEvent>> {
    const wanted = new Set(types);
    const list = [...types];
    const columns = db`position, stream_id, version, type, schema_version,
      CASE WHEN type = ANY(${list}::text[]) THEN data END AS data,
      CASE WHEN type = ANY(${list}::text[]) THEN metadata->>'occurredAt' END AS occurred_at`;
    const rows = await this.window<Row>(db, columns, after, limit);
    return this.scan(rows, after, (row) => (wanted.has(row.type) ? this.toProjectedEvent(row) : undefined));
  }

  private toProjectedEvent(row: Row): ProjectedEvent {
    if (typeof row.occurred_at !== 'string') throw new StoredEventInvalidError(row.type, [{ path: ['metadata', 'occurredAt'], message: 'missing' }]);
    return {
      position: row.position!,
      streamId: row.stream_id,
      version: row.version,
      type: row.type,
      data: this.registry.read(row.type, row.schema_version, row.data),
      metadata: { occurredAt: row.occurred_at },
    };
  }
}
