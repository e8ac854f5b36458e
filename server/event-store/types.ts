import type { Actor } from '../shared/messages';

/** `number` is the exact version the stream must be at (0 = the stream does not exist yet). */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

export type EventMetadata = {
  readonly eventId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly occurredAt: string;
  readonly schemaVersion: number;
  readonly actor: Actor;
  readonly idempotencyKey?: string;
};

export type NewEvent = { readonly type: string; readonly data: unknown };

export type RecordedEvent<Type extends string = string, Data = unknown> = {
  readonly position: number;
  readonly streamId: string;
  readonly version: number;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  readonly recordedAt: string;
};

/**
 * What a projection reads of an event: its place, type and payload, and of its metadata only the
 * time it occurred. A rebuild reads just that from the log (ProjectionLogReader): the rest of the
 * metadata is most of a stored event's JSON, and parsing it was a fifth of a rebuild's Node time.
 * Every RecordedEvent is one, so the appends hand theirs to inline projections as they are. A
 * projection that needs more of an event adds it here and to ProjectionLogReader's columns.
 */
export type ProjectedEvent<Type extends string = string, Data = unknown> = Pick<
  RecordedEvent<Type, Data>,
  'position' | 'streamId' | 'version' | 'type' | 'data'
> & { readonly metadata: Pick<EventMetadata, 'occurredAt'> };

/** An event about to be appended: its version is known when the append expects an exact one. */
export type PlannedEvent = Pick<RecordedEvent, 'streamId' | 'type' | 'data'> & { readonly version: number | undefined };

export type AppendOptions = {
  readonly expectedVersion: ExpectedVersion;
  /** A command's key: appending again with a stored key returns the first result and writes nothing. */
  readonly idempotencyKey?: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly actor: Actor;
  /** The clock comes from the caller so tests and replays stay deterministic. */
  readonly now: string;
};

export type AppendResult = {
  readonly streamId: string;
  /** The stream's version after the append. */
  readonly version: number;
  /** The global position of the last appended event. */
  readonly position: number;
  /** True when the idempotency key was already stored: nothing was written. */
  readonly duplicate: boolean;
  readonly events: readonly RecordedEvent[];
};

export const streamTypeOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
};
