import AsyncLock from 'async-lock';
import type { EventStore } from './event-store/event-store';
import type { Command, Decider, Event } from './shared/messages';

export type CachedAggregate<S> = { readonly state: S; readonly version: number; readonly position: number };

/**
 * The last state each process saw of a stream, so the next command on it need not read the stream
 * again. Never trusted on its own: a command decided on it appends with its version as the
 * expected one, so a stale entry (another process wrote since) only costs a retry on fresh state.
 * Least recently used entries go beyond `maxEntries` per decider.
 */
export class AggregateCache {
  private readonly byDecider = new WeakMap<object, Map<string, CachedAggregate<unknown>>>();

  /**
   * Commands on one stream take turns within a process: each is decided on the state the one before
   * it left (kept in the aggregate cache), instead of all deciding on the same state and all but one
   * losing the append, reading the stream again and deciding again. Hot streams (a popular sku's
   * stock) get one append per commit instead of a storm of retries. Other processes still race,
   * and the expected version still settles that.
   */
  readonly turns = new AsyncLock({ maxPending: Number.POSITIVE_INFINITY });

  constructor(private readonly maxEntries = 10_000) {}

  get<C extends Command, E extends Event, S>(decider: Decider<C, E, S>, streamId: string): CachedAggregate<S> | undefined {
    const entries = this.byDecider.get(decider);
    const entry = entries?.get(streamId);
    if (!entries || !entry) return undefined;
    entries.delete(streamId);
    entries.set(streamId, entry);
    return entry as CachedAggregate<S>;
  }

  set<C extends Command, E extends Event, S>(decider: Decider<C, E, S>, streamId: string, entry: CachedAggregate<S>): void {
    let entries = this.byDecider.get(decider);
    if (!entries) {
      entries = new Map();
      this.byDecider.set(decider, entries);
    }
    const current = entries.get(streamId);
    if (current && current.version > entry.version) return;
    entries.delete(streamId);
    entries.set(streamId, entry);
    if (entries.size > this.maxEntries) entries.delete(entries.keys().next().value!);
  }

  forget<C extends Command, E extends Event, S>(decider: Decider<C, E, S>, streamId: string): void {
    this.byDecider.get(decider)?.delete(streamId);
  }
}

const caches = new WeakMap<EventStore, AggregateCache>();

/** One cache per store (so per process and database). */
export const aggregateCacheOf = (store: EventStore): AggregateCache => {
  let cache = caches.get(store);
  if (!cache) {
    cache = new AggregateCache();
    caches.set(store, cache);
  }
  return cache;
};
