import { columnsOf } from '@/db/client';
import type { EventRegistry } from './event-registry';
import type { EventMetadata, RecordedEvent } from './types';

/** The columns every event read selects, in the shape `toRecordedEvent` takes. */
export const EVENT_COLUMNS = 'position, stream_id, version, type, schema_version, data, metadata, recorded_at';
/** The same columns of an events table aliased `e`. */
export const EVENT_COLUMNS_OF_E = columnsOf('e', EVENT_COLUMNS);

export type StoredEventRow = {
  position: number;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date | string;
};

/** Every payload read back is upcast and validated: a stored event that no longer parses is loud. */
export const toRecordedEvent = (registry: EventRegistry, row: StoredEventRow): RecordedEvent => ({
  position: row.position,
  streamId: row.stream_id,
  version: row.version,
  type: row.type,
  data: registry.read(row.type, row.schema_version, row.data),
  metadata: row.metadata,
  recordedAt: row.recorded_at instanceof Date ? row.recorded_at.toISOString() : row.recorded_at,
});
