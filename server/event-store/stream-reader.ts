import type { Sql } from '@/db/client';
import { EVENT_COLUMNS_OF_E, type StoredEventRow } from './stored-event-row';
import { GroupQueue, type GroupQueueOptions, type Queued } from '../shared/group-queue';

type Read = { readonly streamId: string; readonly fromVersion: number };

/**
 * Whole-stream reads (from a version to the end), grouped like appends: while earlier reads are
 * out, the ones that arrive meanwhile go together in one statement. Loading aggregates is most of
 * what a busy process reads, one stream at a time.
 */
export class StreamReader {
  private readonly queue: GroupQueue<Read, StoredEventRow[]>;

  constructor(
    private readonly sql: Sql,
    options: Partial<GroupQueueOptions> = {},
  ) {
    this.queue = new GroupQueue<Read, StoredEventRow[]>((batch) => this.readBatch(batch), {
      maxInFlight: options.maxInFlight ?? 2,
      maxBatch: options.maxBatch ?? 100,
    });
  }

  read(streamId: string, fromVersion: number): Promise<StoredEventRow[]> {
    return this.queue.submit({ streamId, fromVersion });
  }

  private async readBatch(batch: Queued<Read, StoredEventRow[]>[]): Promise<void> {
    const { sql } = this;
    const rows = await sql<(StoredEventRow & { item: number })[]>`
      SELECT (r.item - 1)::int AS item, ${sql.unsafe(EVENT_COLUMNS_OF_E)}
      FROM unnest(${batch.map((r) => r.streamId)}::text[], ${batch.map((r) => r.fromVersion)}::bigint[])
        WITH ORDINALITY AS r(stream_id, from_version, item)
      JOIN events e ON e.stream_id = r.stream_id AND e.version >= r.from_version
      ORDER BY r.item, e.version`;
    const byItem = batch.map((): StoredEventRow[] => []);
    for (const { item, ...row } of rows) byItem[item]!.push(row);
    batch.forEach((request, i) => request.resolve(byItem[i]!));
  }
}
