import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Sql } from '@/db/client';
import { handleCommand, latestKnown, type Loaded } from '../command-handler';
import type { EventRegistry } from '../event-store/event-registry';
import type { EventStore } from '../event-store/event-store';
import { createParticipants, type Participants } from '../participants/participants';
import { DomainError } from '../shared/errors';
import type { Actor } from '../shared/messages';
import type { FulfilmentCommand } from './commands';
import { fulfilmentDecider, nextWork, type FulfilmentWork } from './decider';
import { FulfilmentIntake, intakeEventTypes } from './intake';
import { defaultRetryPolicy, type RetryPolicy } from './retry-policy';
import type { ActiveFulfilment, FulfilmentState } from './state';
import type { RecordedEvent } from '../event-store/types';
import { executeWithTimeout, type StepExecutorDeps } from './step-executor';
import { fulfilmentStreamId } from './stream';
import { pauseUntilCoalesced } from '../shared/coalesce';
import { GroupQueue, type Queued } from '../shared/group-queue';
import { WakeableSleep } from '../shared/wakeable-sleep';
import { claimDueSagas, finishClaim, finishClaims, nextClaimableAt, releaseClaim, renewLease, type Claim } from './work-queue';

export type FulfilmentOptions = {
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** Deadline of one attempt of one step. */
  readonly stepTimeoutMs?: number;
  /** How long a claimed saga stays with this process without renewal; others take over after. */
  readonly leaseMs?: number;
  /**
   * Sagas advanced side by side in this process (default 128). They mostly wait on participants and
   * commits, so many at once cost little and share commits, reads and wake-ups.
   */
  readonly concurrency?: number;
  /** Longest sleep between looks at the queue (appends and NOTIFY wake it sooner). */
  readonly pollMs?: number;
  /** Shortest time between two looks while woken all the time: wake-ups in between share one look. */
  readonly coalesceMs?: number;
  readonly intakeBatchSize?: number;
  /** Jitter of the retry backoff, 0 to 1. */
  readonly random?: () => number;
  /** Decides which participant calls fail when a transient error rate is set. */
  readonly faultRandom?: () => number;
  /** Replaces or wraps the simulated participants (tests hold a step with it). */
  readonly participants?: (defaults: Participants) => Participants;
  /** Names this process in the saga's events; defaults to host:pid:random. */
  readonly workerId?: string;
};

export type FulfilmentDeps = {
  readonly sql: Sql;
  readonly registry: EventRegistry;
  readonly store: EventStore;
  readonly now: () => string;
  readonly onError?: (error: unknown) => void;
};

export const sagaActor: Actor = { kind: 'saga', id: 'fulfilment' };

/**
 * The fulfilment process manager's engine, one per process; any number of processes may run it
 * on one database. It reads the log for new orders and cancellations (intake), claims due sagas
 * from saga_work under a lease, and for each asks the pure decider what is due, runs that step
 * against the participants under a deadline, and records every attempt as events.
 */
export class FulfilmentProcessor {
  readonly workerId: string;
  readonly retryPolicy: RetryPolicy;
  private readonly stepTimeoutMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly coalesceMs: number;
  private readonly random: () => number;
  private readonly intake: FulfilmentIntake;
  private readonly executor: StepExecutorDeps;
  private readonly active = new Map<string, Promise<void>>();
  /** Finished sagas, handed back together (see GroupQueue). */
  private readonly finished: GroupQueue<{ claim: Claim; now: string }, void>;
  private running = false;
  private dirty = false;
  /** Between looks: until `pollMs` pass or `wake` (an append here, a NOTIFY from elsewhere, a saga handed back). */
  private readonly sleeper = new WakeableSleep();
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: FulfilmentDeps,
    options: FulfilmentOptions = {},
  ) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.retryPolicy = { ...defaultRetryPolicy, ...options.retryPolicy };
    this.stepTimeoutMs = options.stepTimeoutMs ?? 2000;
    this.leaseMs = Math.max(options.leaseMs ?? 15_000, this.stepTimeoutMs * 2 + 1000);
    this.concurrency = options.concurrency ?? 128;
    this.pollMs = options.pollMs ?? 1000;
    this.coalesceMs = options.coalesceMs ?? 10;
    this.random = options.random ?? Math.random;
    const defaults = createParticipants({ sql: deps.sql, store: deps.store, random: options.faultRandom ?? Math.random });
    const participants = options.participants ? options.participants(defaults) : defaults;
    this.executor = { store: deps.store, participants, now: deps.now, actor: sagaActor };
    this.finished = new GroupQueue<{ claim: Claim; now: string }, void>((batch) => this.finishBatch(batch), { maxInFlight: 1, maxBatch: 500 });
    this.intake = new FulfilmentIntake(deps.sql, deps.registry, deps.store, {
      now: deps.now,
      actor: sagaActor,
      batchSize: options.intakeBatchSize ?? 200,
      parallelism: 32,
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Sagas this process is advancing right now. */
  get inProgress(): number {
    return this.active.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Lets running attempts finish (each is bounded by its deadline), hands their sagas back, stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
  }

  /** Its own steps need no wake-up (a finished claim wakes the loop itself): only what starts or cancels a saga. */
  wake(types?: ReadonlySet<string>): void {
    if (types && !intakeEventTypes.some((type) => types.has(type))) return;
    this.dirty = true;
    this.sleeper.wake();
  }

  private async loop(): Promise<void> {
    let checkpointReady = false;
    while (this.running) {
      this.dirty = false;
      const startedAt = performance.now();
      let waitMs = this.pollMs;
      try {
        if (!checkpointReady) {
          await this.intake.ensureCheckpoint();
          checkpointReady = true;
        }
        const intake = await this.intake.step();
        const free = this.concurrency - this.active.size;
        if (free > 0) {
          const claims = await claimDueSagas(this.deps.sql, this.workerId, this.deps.now(), free, this.leaseMs);
          // Re-claimed after our own lease ran out mid-step: the runner already advancing it carries on.
          for (const claim of claims) if (!this.active.has(claim.orderId)) this.spawn(claim);
          if (claims.length < free) {
            const next = await nextClaimableAt(this.deps.sql);
            if (next !== null) waitMs = Math.min(waitMs, Math.max(5, next - Date.parse(this.deps.now())));
          }
        }
        if (intake === 'progressed') this.dirty = true;
        if (intake === 'gap') waitMs = Math.min(waitMs, 5);
      } catch (error) {
        this.deps.onError?.(error);
        waitMs = Math.min(1000, this.pollMs * 2);
      }
      if (!this.running) continue;
      // Busy (appends keep waking it): a look at most every coalesceMs.
      if (this.dirty) {
        await pauseUntilCoalesced(startedAt, this.coalesceMs);
      } else {
        await this.sleeper.sleep(waitMs);
      }
    }
    await Promise.allSettled(this.active.values());
  }

  private spawn(claim: Claim): void {
    const run = this.advance(claim)
      .catch((error: unknown) => this.deps.onError?.(error))
      .finally(() => {
        this.active.delete(claim.orderId);
        this.wake();
      });
    this.active.set(claim.orderId, run);
  }

  private command(orderId: string, command: FulfilmentCommand, causationId: string | null) {
    return handleCommand(this.deps.store, {
      streamId: fulfilmentStreamId(orderId),
      decider: fulfilmentDecider,
      command,
      correlationId: orderId,
      causationId,
      actor: sagaActor,
      now: command.data.now,
    });
  }

  private async finishBatch(batch: Queued<{ claim: Claim; now: string }, void>[]): Promise<void> {
    const { sql } = this.deps;
    let done: Set<string> | undefined;
    if (batch.length > 1) {
      try {
        done = await finishClaims(sql, batch.map((f) => f.claim), this.workerId);
      } catch {
        // Finished one by one below instead (a lost deadlock with an intake nudging the same rows);
        // an error that lasts reaches each caller there.
      }
    }
    await Promise.all(
      batch.map(async ({ claim, now, resolve, reject }) => {
        try {
          // Not deleted by the batch: nudged meanwhile, so handed back due (no second DELETE).
          if (done) {
            if (!done.has(claim.orderId)) await releaseClaim(sql, claim, this.workerId, now);
          } else await finishClaim(sql, claim, this.workerId, now);
          resolve();
        } catch (error) {
          reject(error);
        }
      }),
    );
  }

  /**
   * Advances one claimed saga until it waits for a timer, finishes, or this process stops. The
   * saga is read once per claim; after that each command's result is the state the next step is
   * decided on (a stale one only costs a retry), and recording an outcome starts the next attempt
   * in the same append.
   */
  private async advance(claim: Claim): Promise<void> {
    const { sql } = this.deps;
    const streamId = fulfilmentStreamId(claim.orderId);
    let leaseRenewedAt = Date.now();
    let known: Loaded<FulfilmentState> | undefined;
    // The event that started the attempt in flight, when this process started it.
    let startedBy: string | null = null;
    try {
      for (;;) {
        // What this process last saw of the saga (its intake, an earlier claim here, or the read a
        // refused command made) is a hint: if another process moved it since, the next append is
        // refused and the stream read afresh, which is what the cache then holds.
        known ??= await latestKnown(this.deps.store, streamId, fulfilmentDecider);
        const { state } = known;
        const now = this.deps.now();
        const work: FulfilmentWork = nextWork(state, now);
        if (work.kind === 'none' || work.kind === 'done') return await this.finished.submit({ claim, now });
        if (work.kind === 'wait') return await releaseClaim(sql, claim, this.workerId, work.until);
        // Stopping: handed back due now, for whichever process runs next. Checked after the look at
        // what is due, so a saga waiting on a retry is handed back due when the retry is, not now.
        if (!this.running) return await releaseClaim(sql, claim, this.workerId, now);
        // Renewed well before it can run out: a step is bounded by its deadline, far below the lease.
        if (Date.now() - leaseRenewedAt > this.leaseMs / 3) {
          if (!(await renewLease(sql, claim, this.workerId, this.leaseMs))) return; // another process has it now
          leaseRenewedAt = Date.now();
        }
        const saga = state as ActiveFulfilment;
        if (!work.resumed) {
          try {
            const started = await this.command(
              claim.orderId,
              {
                type: 'StartStepAttempt',
                data: { orderId: claim.orderId, step: work.step, attempt: work.attempt, worker: this.workerId, now },
              },
              null,
            );
            known = started;
            startedBy = startedEventId(started.events);
          } catch (error) {
            // The saga moved meanwhile (a cancellation arrived): decide again on the new state.
            if (error instanceof DomainError && error.code === 'CONFLICT') {
              known = undefined;
              continue;
            }
            throw error;
          }
        }
        const outcome = await executeWithTimeout(this.executor, saga, { ...work, causationId: startedBy }, this.stepTimeoutMs);
        const recorded = await this.command(
          claim.orderId,
          {
            type: 'RecordStepOutcome',
            data: {
              orderId: claim.orderId,
              step: work.step,
              attempt: work.attempt,
              outcome,
              worker: this.workerId,
              retryPolicy: this.retryPolicy,
              jitter: this.random(),
              startNext: this.running,
              now: this.deps.now(),
            },
          },
          startedBy,
        );
        known = recorded;
        startedBy = startedEventId(recorded.events);
      }
    } catch (error) {
      // Left due a little later, so a broken saga does not spin; the attempt in flight is resumed then.
      await releaseClaim(sql, claim, this.workerId, new Date(Date.parse(this.deps.now()) + 1000).toISOString()).catch(() => {});
      throw error;
    }
  }
}

const startedEventId = (events: readonly RecordedEvent[]): string | null =>
  events.find((event) => event.type === 'FulfilmentStepStarted')?.metadata.eventId ?? null;
