import type { Sql, TransactionSql } from '@/db/client';
import type { EventRegistry } from '../event-store/event-registry';
import { GlobalLogReader, type LogBatch } from '../event-store/global-log-reader';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from '../event-store/stored-event-row';
import { pauseUntilCoalesced } from '../shared/coalesce';
import type { Projection } from './projection';

type Checkpoint = { position: number; status: string; rebuild_target: number | null };

export type StepOutcome = 'progressed' | 'idle' | 'gap' | 'busy' | 'dormant';
/** What one projection's step in a round came to: an outcome, or the error its transaction rolled back on. */
export type StepResult = { readonly outcome: StepOutcome } | { readonly error: unknown };

/**
 * A batch read once for several projections: every event after `after` up to `batch.position`
 * (none skipped), payloads decoded for `types`. Any projection whose types it holds and whose
 * checkpoint lies in [after, batch.position) can take its events after the checkpoint.
 */
type SharedBatch = { readonly after: number; readonly batch: LogBatch; readonly types: ReadonlySet<string> };

const lockKey = (name: string) => `orderflow:projection:${name}`;

/**
 * Feeds async projections from their checkpoints, and inline ones while they are rebuilt.
 * Each batch runs in one transaction with the checkpoint, under a transaction-scoped advisory
 * lock: any number of processes may run a daemon, exactly one applies a given batch.
 *
 * The daemon steps its projections in rounds (`stepAll`). When two or more of them stand at
 * similar positions (rebuilding together, or async ones following the head), the round reads and
 * decodes the log once for all of them; each still applies its part in its own transaction, under
 * its own lock, from the checkpoint it reads there.
 */
export class ProjectionDaemon {
  private running = false;
  private wakers = new Set<() => void>();
  /** A wake-up that came while the loop was not asleep: the next sleep returns at once. */
  private wokenWhileBusy = false;
  /** Dormant inline projections are stepped again at once (a rebuild was requested here). */
  private dormantWoken = false;
  private loops: Promise<void>[] = [];
  private readonly readers = new Map<string, GlobalLogReader>();
  /** One reader per group leader for shared reads (a reader remembers the hole it waits on). */
  private readonly sharedReaders = new Map<string, GlobalLogReader>();
  private readonly typeSets = new Map<string, ReadonlySet<string>>();
  /**
   * Where each projection stood after its last step in this process: a hint for grouping shared
   * reads, never trusted (each step reads its checkpoint under its lock).
   */
  private readonly positions = new Map<string, number>();
  /**
   * The shared batch after the last full one, read while the round that took the last one applies
   * it (a rebuild's read overlaps its writes); used when the next round's group asks for it.
   */
  private readAhead: { readonly after: number; readonly types: ReadonlySet<string>; readonly batch: Promise<LogBatch | undefined> } | undefined;
  /** Batches read for one projection and for several (shared); for tests and diagnostics. */
  readonly reads = { own: 0, shared: 0 };

  constructor(
    private readonly sql: Sql,
    private readonly registry: EventRegistry,
    readonly projections: readonly Projection[],
    private readonly options: { batchSize?: number; idleMs?: number; coalesceMs?: number; onError?: (error: unknown) => void } = {},
  ) {
    for (const p of projections) {
      this.readers.set(p.name, new GlobalLogReader(registry, sql));
      this.typeSets.set(p.name, new Set(p.eventTypes));
    }
  }

  get isRunning(): boolean {
    return this.running;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 1000;
  }

  private get coalesceMs(): number {
    return this.options.coalesceMs ?? 10;
  }

  async ensureCheckpoints(): Promise<void> {
    const names = this.projections.map((p) => p.name);
    const statuses = this.projections.map((p) => (p.kind === 'inline' ? 'inline' : 'running'));
    await this.sql`
      INSERT INTO projection_checkpoints (name, status)
      SELECT * FROM unnest(${names}::text[], ${statuses}::text[]) ON CONFLICT (name) DO NOTHING`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.loop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeAll();
    await Promise.all(this.loops);
  }

  /** The log grew: async projections (and rebuilds) have work. */
  wake(): void {
    this.wokenWhileBusy = true;
    for (const waker of this.wakers) waker();
    this.wakers.clear();
  }

  private wakeAll(): void {
    this.dormantWoken = true;
    this.wake();
  }

  private sleep(ms: number): Promise<void> {
    if (this.wokenWhileBusy) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wakers = this.wakers;
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });
  }

  /**
   * One loop for all projections, in rounds. Inline projections that are not rebuilding are
   * dormant (appends keep them current): appends do not make them due, they are looked at again
   * every idleMs (a rebuild asked for by another process) or at once after `requestRebuild` here.
   */
  private async loop(): Promise<void> {
    const idleMs = this.options.idleMs ?? 1000;
    const dormantSince = new Map<string, number>();
    const failedAt = new Map<string, number>();
    while (this.running) {
      this.wokenWhileBusy = false;
      const dormantDue = this.dormantWoken;
      this.dormantWoken = false;
      const now = performance.now();
      const due = this.projections.filter((p) => {
        const failed = failedAt.get(p.name);
        if (failed !== undefined && now - failed < 1000) return false;
        const dormant = dormantSince.get(p.name);
        return dormantDue || dormant === undefined || now - dormant >= idleMs;
      });
      let progressed = false;
      let gap = false;
      let waitForRetry = due.length === 0;
      const results = due.length > 0 ? await this.stepAll(due) : new Map<string, StepResult>();
      for (const [name, result] of results) {
        if ('error' in result) {
          failedAt.set(name, performance.now());
          waitForRetry = true;
          this.options.onError?.(result.error);
          await this.sql`UPDATE projection_checkpoints SET last_error = ${String(result.error)}, updated_at = now() WHERE name = ${name}`.catch(() => {});
          continue;
        }
        failedAt.delete(name);
        if (result.outcome === 'dormant') dormantSince.set(name, performance.now());
        else dormantSince.delete(name);
        if (result.outcome === 'progressed') progressed = true;
        if (result.outcome === 'gap') gap = true;
      }
      if (progressed && this.running) {
        await pauseUntilCoalesced(now, this.coalesceMs);
        continue;
      }
      await this.sleep(gap ? 5 : waitForRetry ? Math.min(idleMs, 1000) : idleMs);
    }
  }

  /** Applies one batch of one projection; returns what happened so the caller knows whether to wait. */
  async step(projection: Projection): Promise<StepOutcome> {
    return this.stepOne(projection, []);
  }

  /**
   * Steps these projections once each, concurrently, each in its own transaction. Projections that
   * stood at similar positions after their last step share one read of the log (the union of their
   * event types, decoded once). A projection's error rolls back its own transaction only.
   */
  async stepAll(projections: readonly Projection[] = this.projections): Promise<Map<string, StepResult>> {
    const shared = await this.readShared(projections);
    const settled = await Promise.allSettled(projections.map((p) => this.stepOne(p, shared)));
    return new Map(
      settled.map((s, i) => [projections[i]!.name, s.status === 'fulfilled' ? { outcome: s.value } : { error: s.reason as unknown }]),
    );
  }

  /**
   * Groups the projections by the positions they reached (within one batch of the group's lowest)
   * and reads once for the largest group of two or more. Outside any transaction: the batch is only
   * events in log order, and each projection takes from it what lies after its locked checkpoint.
   */
  private async readShared(projections: readonly Projection[]): Promise<SharedBatch[]> {
    const placed = projections
      .filter((p) => this.positions.has(p.name))
      .map((p) => ({ p, at: this.positions.get(p.name)! }))
      .sort((a, b) => a.at - b.at);
    let best: typeof placed = [];
    for (let i = 0; i < placed.length; i++) {
      const group = placed.slice(i).filter((x) => x.at < placed[i]!.at + this.batchSize);
      if (group.length > best.length) best = group;
    }
    if (best.length < 2) return [];
    const leader = best[0]!;
    const types = new Set(best.flatMap((x) => x.p.eventTypes));
    let reader = this.sharedReaders.get(leader.p.name);
    if (!reader) this.sharedReaders.set(leader.p.name, (reader = new GlobalLogReader(this.registry, this.sql)));
    const read = (after: number) =>
      reader.read(this.sql, after, this.batchSize, { types: [...types] }).then(
        (batch) => {
          this.reads.shared++;
          return batch;
        },
        // Each projection then reads for itself, and fails there if it must.
        () => undefined,
      );
    const ahead = this.readAhead;
    this.readAhead = undefined;
    const usable = ahead && ahead.after === leader.at && ahead.types.size === types.size && [...types].every((t) => ahead.types.has(t));
    const batch = usable ? await ahead.batch : await read(leader.at);
    if (!batch) return [];
    // A full batch with no hole: the log goes on, so the next one is read while this one is applied.
    if (!batch.waitingOnGap && batch.position - leader.at >= this.batchSize) {
      this.readAhead = { after: batch.position, types, batch: read(batch.position) };
    }
    return [{ after: leader.at, batch, types }];
  }

  /** Its part of a shared batch, when one covers the checkpoint and holds its types. */
  private fromShared(shared: readonly SharedBatch[], projection: Projection, checkpoint: number): LogBatch | undefined {
    const wanted = this.typeSets.get(projection.name)!;
    for (const { after, batch, types } of shared) {
      const covers = after <= checkpoint && (checkpoint < batch.position || checkpoint === after);
      if (!covers || !projection.eventTypes.every((t) => types.has(t))) continue;
      return {
        events: batch.events.filter((e) => e.position > checkpoint && wanted.has(e.type)),
        position: batch.position,
        waitingOnGap: batch.waitingOnGap,
      };
    }
    return undefined;
  }

  private async stepOne(projection: Projection, shared: readonly SharedBatch[]): Promise<StepOutcome> {
    let reached: number | undefined;
    const outcome = await this.sql.begin(async (tx): Promise<StepOutcome> => {
      // Two statements on purpose: read in the statement that takes the lock, the checkpoint would come
      // from that statement's snapshot, which may predate the previous holder's commit (tried in
      // ab17202, double-applied a batch, reverted in 9a4d492).
      const [locked] = await tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext(${lockKey(projection.name)})) AS ok`;
      if (!locked?.ok) return 'busy';
      const [checkpoint] = await tx<Checkpoint[]>`
        SELECT position, status, rebuild_target FROM projection_checkpoints WHERE name = ${projection.name}`;
      if (!checkpoint) return 'idle';
      if (projection.kind === 'inline' && checkpoint.status !== 'rebuilding') return 'dormant';
      let batch = this.fromShared(shared, projection, checkpoint.position);
      if (!batch) {
        const reader = this.readers.get(projection.name)!;
        batch = await reader.read(tx, checkpoint.position, this.batchSize, { types: projection.eventTypes });
        this.reads.own++;
      }
      if (batch.position === checkpoint.position) {
        if (checkpoint.status === 'rebuilding' && !batch.waitingOnGap) await this.finishRebuild(tx, projection);
        reached = checkpoint.position;
        return batch.waitingOnGap ? 'gap' : 'idle';
      }
      if (batch.events.length > 0) await projection.apply(tx, batch.events);
      await tx`UPDATE projection_checkpoints SET position = ${batch.position}, last_error = NULL, updated_at = now()
               WHERE name = ${projection.name}`;
      reached = batch.position;
      return 'progressed';
    });
    if (reached === undefined || (projection.kind === 'inline' && outcome === 'idle')) this.positions.delete(projection.name);
    else this.positions.set(projection.name, reached);
    return outcome;
  }

  /**
   * The rebuild has read everything committed. An inline projection hands back to the appends
   * under a table lock, so no append that found its row missing can slip between the two.
   */
  private async finishRebuild(tx: TransactionSql, projection: Projection): Promise<void> {
    if (projection.kind === 'inline') {
      for (const table of projection.tables) await tx`LOCK TABLE ${tx(table)} IN SHARE ROW EXCLUSIVE MODE`;
      // Under the lock every committed event is visible; one held back by a hole belongs to an
      // append waiting on this lock, which applies itself afterwards. Inline handlers are guarded
      // by stream version, so reading past holes here cannot apply a stream out of order.
      const rows = await tx<StoredEventRow[]>`
        SELECT ${tx.unsafe(EVENT_COLUMNS)} FROM events
        WHERE position > (SELECT position FROM projection_checkpoints WHERE name = ${projection.name})
          AND type = ANY(${projection.eventTypes as string[]}::text[])
        ORDER BY position`;
      if (rows.length > 0) {
        await projection.apply(tx, rows.map((row) => toRecordedEvent(this.registry, row)));
        await tx`UPDATE projection_checkpoints SET position = ${rows[rows.length - 1]!.position} WHERE name = ${projection.name}`;
      }
    }
    await tx`UPDATE projection_checkpoints SET status = ${projection.kind === 'inline' ? 'inline' : 'running'},
             rebuild_target = NULL, updated_at = now() WHERE name = ${projection.name}`;
  }

  /** Empties the projection's tables and replays it from position 0, while the app keeps running. */
  async requestRebuild(name: string): Promise<void> {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`Unknown projection ${name}`);
    await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${lockKey(name)}))`;
      for (const table of projection.tables) await tx`TRUNCATE ${tx(table)}`;
      await tx`
        UPDATE projection_checkpoints
        SET position = 0, status = 'rebuilding', rebuild_started_at = now(), last_error = NULL, updated_at = now(),
            rebuild_target = (SELECT coalesce(max(position), 0) FROM events)
        WHERE name = ${name}`;
    });
    // Projections rebuilt together from here share their reads from the first batch on.
    this.positions.set(name, 0);
    this.wakeAll();
  }
}
