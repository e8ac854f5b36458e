import type { TransactionSql } from '@/db/client';
import type { InlineStage } from '../event-store/stream-writer';
import type { PlannedEvent, ProjectedEvent } from '../event-store/types';

export type { PlannedEvent } from '../event-store/types';

/**
 * A set of event handlers that keep some tables. Inline projections also run inside every append;
 * async ones are fed by the daemon from their checkpoint. Both can be rebuilt from position 0.
 */
export type Projection = {
  readonly name: string;
  readonly kind: 'inline' | 'async';
  readonly description: string;
  /** The event types it reads; the daemon filters on them. */
  readonly eventTypes: readonly string[];
  /** The tables it owns: emptied before a rebuild, compared by the verification. */
  readonly tables: readonly string[];
  /** Must be safe to run again on events it already applied (rebuilds race live appends). */
  readonly apply: (tx: TransactionSql, events: readonly ProjectedEvent[]) => Promise<void>;
  /** Inline ones: `apply` in two steps that ride with the append's own statements (see InlineStage). */
  readonly stage?: (tx: TransactionSql, planned: readonly PlannedEvent[]) => InlineStage;
};

export const defineProjection = <P extends Projection>(projection: P): P => projection;
