import { z } from 'zod';

/**
 * An event type's payload contract. `schemaVersion` is the version written today; `upcasters[n]`
 * turns a stored payload of version n into version n + 1, so old events are read in today's shape.
 */
export type EventDefinition<Type extends string = string, Schema extends z.ZodType = z.ZodType> = {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly schema: Schema;
  readonly upcasters: Readonly<Record<number, (data: unknown) => unknown>>;
};

export const defineEvent = <Type extends string, Schema extends z.ZodType>(
  type: Type,
  schema: Schema,
  options: { schemaVersion?: number; upcasters?: Record<number, (data: unknown) => unknown> } = {},
): EventDefinition<Type, Schema> => ({
  type,
  schema,
  schemaVersion: options.schemaVersion ?? 1,
  upcasters: options.upcasters ?? {},
});

/** The event union a set of definitions describes: `{ type, data }` per definition. */
export type EventOf<D extends EventDefinition> = D extends EventDefinition<infer T, infer S>
  ? { type: T; data: z.output<S> }
  : never;
