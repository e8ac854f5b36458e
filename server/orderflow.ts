import { createSql, type Sql } from '@/db/client';
import { EventStore } from './event-store/event-store';
import { FulfilmentProcessor, type FulfilmentOptions } from './fulfilment/processor';
import { sagaMetrics } from './fulfilment/queries';
import type { HealthContributor } from './http/health';
import type { EventRegistry } from './event-store/event-registry';
import { createEventRegistry } from './event-definitions';
import { LogFollower } from './live/log-follower';
import { LiveFeed, type LiveFeedOptions } from './live/live-feed';
import { listenForAppends, LogNotifier } from './live/log-notifier';
import { allProjections, inlineProjections } from './projections/all-projections';
import { ReferenceDataCache } from './catalog/reference-data-cache';
import { ProjectionDaemon } from './projections/projection-daemon';

export type Clock = { now: () => string };
export const systemClock: Clock = { now: () => new Date().toISOString() };

/** A background worker that every process may run; they coordinate through Postgres. */
export type Worker = {
  start: () => void;
  stop: () => Promise<void>;
  /**
   * The log grew. `types`: the event types an append in this process wrote, so a worker that acts
   * on none of them can stay asleep; none given (a NOTIFY from another process): anything may be new.
   */
  wake: (types?: ReadonlySet<string>) => void;
};

export type Orderflow = {
  readonly sql: Sql;
  readonly registry: EventRegistry;
  readonly store: EventStore;
  readonly follower: LogFollower;
  readonly live: LiveFeed;
  readonly daemon: ProjectionDaemon;
  readonly clock: Clock;
  /** Customers and catalog entries for placing orders, dropped on every change to them. */
  readonly referenceData: ReferenceDataCache;
  readonly workers: Worker[];
  /** Figures modules add to /api/health. */
  readonly healthContributors: HealthContributor[];
  close: () => Promise<void>;
};

export type OrderflowOptions = {
  databaseUrl: string;
  poolSize?: number;
  clock?: Clock;
  onError?: (error: unknown) => void;
  /** Tuning of the fulfilment saga processor (retries, deadlines, randomness); tests make it fast and deterministic. */
  fulfilment?: FulfilmentOptions;
  /** The live channel's batching (`flushMs`) and the length of a fan-out's turn (`turnMs`). */
  live?: Pick<LiveFeedOptions, 'flushMs' | 'turnMs'>;
};

/**
 * The composition root: one pool, one store, one LISTEN connection and one log follower per
 * process. Everything else gets what it needs from here.
 */
export const createOrderflow = async (options: OrderflowOptions): Promise<Orderflow> => {
  const onError = options.onError ?? ((error: unknown) => console.error('[orderflow]', error));
  const sql = createSql(options.databaseUrl, { max: options.poolSize ?? 20 });
  const registry = createEventRegistry();
  const store = new EventStore(sql, registry, inlineProjections);
  const follower = new LogFollower(sql, { onError });
  const daemon = new ProjectionDaemon(sql, registry, allProjections, { onError });
  const clock = options.clock ?? systemClock;
  const fulfilment = new FulfilmentProcessor({ sql, registry, store, now: () => clock.now(), onError }, options.fulfilment);
  const workers: Worker[] = [daemon, fulfilment];
  const notifier = new LogNotifier(sql);
  const wakeAll = () => {
    follower.wake();
    for (const worker of workers) worker.wake();
  };
  store.onAppended((position, events) => {
    notifier.appended(position);
    follower.wake();
    // The saga processor's own steps append all the time: each worker wakes only for the types it
    // acts on (what starts or cancels a saga; a projection's types). A NOTIFY wakes them all.
    const types = new Set(events.map((e) => e.type));
    for (const worker of workers) worker.wake(types);
  });
  const unlisten = await listenForAppends(sql, wakeAll, notifier.token);
  const referenceData = new ReferenceDataCache();
  await referenceData.listen(sql);
  await daemon.ensureCheckpoints();
  await follower.start();
  const live = new LiveFeed(sql, follower, { ...options.live, onError });
  live.start();

  const app: Orderflow = {
    sql,
    registry,
    store,
    follower,
    live,
    daemon,
    clock,
    referenceData,
    workers,
    healthContributors: [async () => ({ sagas: await sagaMetrics(sql) })],
    close: async () => {
      notifier.close();
      app.live.stop();
      await Promise.all(workers.map((w) => w.stop()));
      await follower.stop();
      await unlisten().catch(() => {});
      await referenceData.close();
      await sql.end({ timeout: 5 });
    },
  };
  return app;
};

/** Starts the background workers (after any extra ones, like the saga processor, were added). */
export const startWorkers = (app: Orderflow): void => {
  for (const worker of app.workers) worker.start();
};
