import { aggregateCacheOf } from './aggregate-cache';
import type { EventStore } from './event-store/event-store';
import type { AppendResult, RecordedEvent } from './event-store/types';
import { readSnapshot, writeSnapshot, type SnapshotPolicy } from './event-store/snapshots';
import type { Actor, Command, Decider, Event } from './shared/messages';
import { ConcurrencyError, DomainError } from './shared/errors';

export type Loaded<S> = { state: S; version: number; position: number };

/** Folds a stream into state: from the latest snapshot plus the events after it, when there is one. */
export const loadAggregate = async <C extends Command, E extends Event, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
  snapshot?: SnapshotPolicy<S>,
): Promise<Loaded<S>> => {
  const fromSnapshot = snapshot ? await readSnapshot(store.sql, streamId, snapshot) : undefined;
  let state = fromSnapshot?.state ?? decider.initialState();
  let version = fromSnapshot?.version ?? 0;
  let position = 0;
  for (const event of await store.readStream(streamId, { fromVersion: version + 1 })) {
    state = decider.evolve(state, event as unknown as E);
    version = event.version;
    position = event.position;
  }
  if (position === 0 && version > 0) {
    const [last] = await store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    position = last?.position ?? 0;
  }
  aggregateCacheOf(store).set(decider, streamId, { state, version, position });
  return { state, version, position };
};

/**
 * The state this process last saw of the stream, else the stream as read. For deciding what to try
 * next (a saga's next step), where a stale state costs only a refused append and a fresh read.
 */
export const latestKnown = async <C extends Command, E extends Event, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
): Promise<Loaded<S>> => aggregateCacheOf(store).get(decider, streamId) ?? loadAggregate(store, streamId, decider);

export type HandleOptions<C extends Command, E extends Event, S> = {
  readonly streamId: string;
  readonly decider: Decider<C, E, S>;
  readonly command: C;
  /** The version the caller last saw; a mismatch is CONFLICT and is never retried. */
  readonly expectedVersion?: number;
  readonly idempotencyKey?: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly actor: Actor;
  readonly now: string;
  readonly snapshot?: SnapshotPolicy<S>;
  /**
   * A hint that the stream most likely does not exist yet (a fresh id): the command is decided on
   * the initial state without reading the stream, and the append checks it like a cached state.
   */
  readonly streamIsNew?: boolean;
  /** Re-reads and decides again after losing a race, when no expected version was given. */
  readonly maxAttempts?: number;
};

export type HandleResult<S> = {
  readonly streamId: string;
  readonly version: number;
  readonly position: number;
  readonly state: S;
  /** What the command wrote; on a repeat its key met, what the first run wrote. */
  readonly events: readonly RecordedEvent[];
  readonly duplicate: boolean;
};

/**
 * Load, decide, append with the version it decided on. Deciding is pure, so losing a race to
 * another writer is answered by deciding again on the newer state, a bounded number of times.
 *
 * The state decided on first may be the one this process kept of the stream (its aggregate
 * cache, which every load and every command here keeps up to date). Such a state is trusted
 * only by an append that succeeds at its version; if the decider refuses the command or finds
 * nothing to do, the stream is read and the command decided again before that answer is given.
 */
export const handleCommand = <C extends Command, E extends Event, S>(
  store: EventStore,
  options: HandleOptions<C, E, S>,
): Promise<HandleResult<S>> => aggregateCacheOf(store).turns.acquire(options.streamId, () => decideAndAppend(store, options));

const decideAndAppend = async <C extends Command, E extends Event, S>(
  store: EventStore,
  options: HandleOptions<C, E, S>,
): Promise<HandleResult<S>> => {
  const { streamId, decider, command, idempotencyKey } = options;
  const cache = aggregateCacheOf(store);
  const maxAttempts = options.expectedVersion === undefined ? (options.maxAttempts ?? 5) : 1;
  // A repeated keyed command is found by its key only when it cannot go through as it is (the
  // decider refuses it or has nothing to add) or when the append meets the key: the first run
  // pays no extra read.
  const storedResult = async () => (idempotencyKey ? store.findIdempotent(idempotencyKey) : undefined);
  let inMemory: Loaded<S> | undefined =
    options.expectedVersion === undefined
      ? (cache.get(decider, streamId) ?? (options.streamIsNew ? { state: decider.initialState(), version: 0, position: 0 } : undefined))
      : undefined;
  for (let attempt = 1; ; ) {
    const fromMemory = inMemory !== undefined;
    const loaded = inMemory ?? (await loadAggregate(store, streamId, decider, options.snapshot));
    inMemory = undefined;
    if (options.expectedVersion !== undefined && options.expectedVersion !== loaded.version) {
      throw new ConcurrencyError(streamId, options.expectedVersion, loaded.version);
    }
    let events: E[];
    try {
      events = decider.decide(command, loaded.state);
    } catch (error) {
      if (fromMemory) continue;
      const stored = error instanceof DomainError ? await storedResult() : undefined;
      if (stored) return replayed(store, stored, decider, options.snapshot, { streamId, ...loaded });
      throw error;
    }
    if (events.length === 0) {
      if (fromMemory) continue;
      const stored = await storedResult();
      if (stored) return replayed(store, stored, decider, options.snapshot, { streamId, ...loaded });
      return { streamId, version: loaded.version, position: loaded.position, state: loaded.state, events: [], duplicate: false };
    }
    try {
      const result = await store.append(streamId, events, {
        expectedVersion: loaded.version,
        idempotencyKey,
        correlationId: options.correlationId,
        causationId: options.causationId ?? null,
        actor: options.actor,
        now: options.now,
      });
      // A twin with the same key won the race: answer with its result (possibly another stream).
      if (result.duplicate) return replayed(store, result, decider, options.snapshot);
      const state = events.reduce(decider.evolve, loaded.state);
      cache.set(decider, streamId, { state, version: result.version, position: result.position });
      if (options.snapshot && crossesSnapshotBoundary(loaded.version, result.version, options.snapshot.every)) {
        await writeSnapshot(store.sql, streamId, options.snapshot, state, result.version);
      }
      return { streamId, version: result.version, position: result.position, state, events: result.events, duplicate: false };
    } catch (error) {
      cache.forget(decider, streamId);
      // A stale state from memory is not a lost race: it does not use up an attempt.
      if (error instanceof ConcurrencyError && (fromMemory || ++attempt <= maxAttempts)) continue;
      if (error instanceof ConcurrencyError) {
        throw new DomainError('CONFLICT', `${streamId} kept changing while the command was decided; try again`, {
          currentVersion: error.actual,
        });
      }
      throw error;
    }
  }
};

/**
 * The stored first result of an idempotent command, its events, and the state of the stream it
 * wrote. A repeat the decider refused or found nothing to do for was decided on a state just read:
 * that state is the answer when it is of the stream the key wrote and already holds what the key
 * wrote, else (another stream, or a twin's append committed after the read) the stream is read again.
 */
const replayed = async <C extends Command, E extends Event, S>(
  store: EventStore,
  stored: AppendResult,
  decider: Decider<C, E, S>,
  snapshot?: SnapshotPolicy<S>,
  justRead?: Loaded<S> & { streamId: string },
): Promise<HandleResult<S>> => {
  const fresh = justRead && justRead.streamId === stored.streamId && justRead.version >= stored.version;
  const loaded = fresh ? justRead : await loadAggregate(store, stored.streamId, decider, snapshot);
  const { streamId, version, position, events } = stored;
  return { streamId, version, position, state: loaded.state, events, duplicate: true };
};

const crossesSnapshotBoundary = (from: number, to: number, every: number) => Math.floor(from / every) < Math.floor(to / every);
