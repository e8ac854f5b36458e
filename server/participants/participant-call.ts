import type { EventStore } from '../event-store/event-store';
import type { Sql } from '@/db/client';
import type { Actor } from '../shared/messages';

/** One call of a participant on behalf of a saga attempt. */
export type ParticipantCall = {
  readonly orderId: string;
  /** The attempt's key; each command within the call appends its own suffix. */
  readonly idempotencyKey: string;
  /** The saga event behind the call; recorded as the causation of what the participant writes. */
  readonly causationId: string | null;
  /** Aborted when the step's deadline passes: no command is started after that. */
  readonly signal: AbortSignal;
  readonly now: () => string;
  readonly actor: Actor;
};

export type ParticipantDeps = {
  readonly sql: Sql;
  readonly store: EventStore;
  /** For injected transient errors; tests pass a fixed sequence. */
  readonly random: () => number;
};

/** Common options of every command a participant runs for the saga: key, correlation, actor, time. */
export const commandOptions = (call: ParticipantCall, suffix: string) => {
  const now = call.now();
  return {
    idempotencyKey: `${call.idempotencyKey}:${suffix}`,
    correlationId: call.orderId,
    causationId: call.causationId,
    actor: call.actor,
    now,
  };
};
