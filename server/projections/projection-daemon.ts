import type { Sql, TransactionSql } from '@/db/client';
import type { EventRegistry } from '../event-store/event-registry';
import type { LogBatch } from '../event-store/global-log-reader';
import { ProjectionLogReader } from '../event-store/projection-log-reader';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from '../event-store/stored-event-row';
import type { ProjectedEvent } from '../event-store/types';
import { pauseUntilCoalesced } from '../shared/coalesce';
import { WakeableSleep } from '../shared/wakeable-sleep';
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
type SharedBatch = { readonly after: number; readonly batch: LogBatch<ProjectedEvent>; readonly types: ReadonlySet<string> };

const lockKey = (name: string) => `orderflow:projection:${name}`;

/**
 * Log events per read (and so per transaction of each projection) when a projection is behind: a
 * rebuild, or a catch-up after downtime; a caught-up projection reads what is new, far fewer. The
 * read's round trip, each projection's transaction and its checkpoint write are paid per batch:
 * rebuilding five projections from 300,000 events went at ~30,000 events/s with 1,000 and ~53,000
 * to 66,000 with 5,000 (2026-12-04, 2-core VM).
 */
export const DEFAULT_PROJECTION_BATCH_SIZE = 5000;

/**
 * Feeds async projections from their checkpoints, and inline ones while they are rebuilt.
 * Each batch runs in one transaction with the checkpoint, under a transaction-scoped advisory
 * lock: any number of processes may run a daemon, exactly one applies a given batch.
 *
 * Each projection is stepped on its own schedule: again once coalesceMs after a step that applied
 * something, not before the log grows after one that found nothing. When two or more stand at
 * similar positions (rebuilding together, or async ones following the head), they are stepped
 * together and the log is read and decoded once for all of them (`stepAll` does one such round);
 * each still applies its part in its own transaction, under its own lock, from the checkpoint it
 * reads there.
 */
export class ProjectionDaemon {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  /** When each projection is due for a step; none: when the log next grows (`wake`). */
  private readonly dueAt = new Map<string, number>();
  /** Caught-up async projections: due at their next look (idleMs), or at once when the log grows. */
  private readonly caughtUp = new Set<string>();
  /** Steps under way (with their coalescing pause), by projection. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Rebuilds requested here: a dormant projection's step that overlapped one goes again at once. */
  private rebuildRequests = 0;
  private nudged = false;
  private readonly sleeper = new WakeableSleep();
  private readonly readers = new Map<string, ProjectionLogReader>();
  /** One reader per group leader for shared reads (a reader remembers the hole it waits on). */
  private readonly sharedReaders = new Map<string, ProjectionLogReader>();
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
  private readAhead: { readonly after: number; readonly types: ReadonlySet<string>; readonly batch: Promise<LogBatch<ProjectedEvent> | undefined> } | undefined;
  /** Batches read for one projection and for several (shared); for tests and diagnostics. */
  readonly reads = { own: 0, shared: 0 };

  constructor(
    private readonly sql: Sql,
    private readonly registry: EventRegistry,
    readonly projections: readonly Projection[],
    private readonly options: { batchSize?: number; idleMs?: number; coalesceMs?: number; onError?: (error: unknown) => void } = {},
  ) {
    for (const p of projections) {
      this.readers.set(p.name, new ProjectionLogReader(registry, sql));
      this.typeSets.set(p.name, new Set(p.eventTypes));
    }
  }

  get isRunning(): boolean {
    return this.running;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? DEFAULT_PROJECTION_BATCH_SIZE;
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
    const now = performance.now();
    for (const p of this.projections) this.dueAt.set(p.name, now);
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loopDone;
  }

  /**
   * The log grew: every projection not waiting for a time of its own is due (dormant inline ones,
   * failed ones and coalescing ones keep theirs), or with `types` (an append here) only those that
   * read one of them.
   */
  wake(types?: ReadonlySet<string>): void {
    const now = performance.now();
    for (const p of this.projections) {
      if (this.dueAt.has(p.name) && !this.caughtUp.has(p.name)) continue;
      if (types && !p.eventTypes.some((type) => types.has(type))) continue;
      this.dueAt.set(p.name, now);
    }
    this.poke();
  }

  private wakeAll(): void {
    this.rebuildRequests++;
    const now = performance.now();
    for (const p of this.projections) this.dueAt.set(p.name, now);
    this.poke();
  }

  /** The schedule changed: the loop looks again. */
  private poke(): void {
    this.nudged = true;
    this.sleeper.wake();
  }

  private sleepUntil(at: number): Promise<void> {
    if (this.nudged) return Promise.resolve();
    return this.sleeper.sleep(at - performance.now());
  }

  /** Starts the steps that are due, never waiting for one to finish: a long batch holds no other back. */
  private async loop(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      const now = performance.now();
      const due = this.projections.filter((p) => !this.inFlight.has(p.name) && (this.dueAt.get(p.name) ?? Infinity) <= now);
      const ready = due.filter((p) => !this.waitsForLaggard(p, due));
      if (ready.length > 0) {
        this.launch(ready);
        continue;
      }
      const later = this.projections.filter((p) => !this.inFlight.has(p.name)).map((p) => this.dueAt.get(p.name) ?? Infinity);
      await this.sleepUntil(Math.min(Infinity, ...later.filter((at) => at > now)));
    }
    await Promise.all(this.inFlight.values());
  }

  /**
   * Projections within two batches of each other close up to step together and share reads: a due
   * one waits while another stands behind it within that distance, due or stepping (or level with
   * it and stepping). The one furthest behind never waits for a due one, so someone always goes.
   */
  private waitsForLaggard(projection: Projection, due: readonly Projection[]): boolean {
    const at = this.positions.get(projection.name);
    if (at === undefined) return false;
    const behind = (name: string, orLevel: boolean) => {
      const other = this.positions.get(name);
      return other !== undefined && at - other <= 2 * this.batchSize && (other < at || (orLevel && other === at));
    };
    for (const name of this.inFlight.keys()) if (behind(name, true)) return true;
    return due.some((p) => p !== projection && behind(p.name, false));
  }

  private launch(projections: readonly Projection[]): void {
    const group = this.sharedGroup(projections);
    const shared = this.readShared(group);
    for (const p of projections) {
      this.dueAt.delete(p.name);
      this.caughtUp.delete(p.name);
      const run = this.run(p, group.includes(p) ? shared : Promise.resolve([])).finally(() => {
        this.inFlight.delete(p.name);
        this.poke();
      });
      this.inFlight.set(p.name, run);
    }
  }

  /**
   * One step, then when the projection is due next. Inline projections that are not rebuilding are
   * dormant (appends keep them current): they are looked at every idleMs (a rebuild asked for by
   * another process) or at once after `requestRebuild` here.
   */
  private async run(projection: Projection, shared: Promise<readonly SharedBatch[]>): Promise<void> {
    const { name } = projection;
    const idleMs = this.options.idleMs ?? 1000;
    const startedAt = performance.now();
    const rebuildRequests = this.rebuildRequests;
    let outcome: StepOutcome;
    try {
      outcome = await this.stepOne(projection, await shared);
    } catch (error) {
      this.dueAt.set(name, performance.now() + 1000);
      this.options.onError?.(error);
      await this.sql`UPDATE projection_checkpoints SET last_error = ${String(error)}, updated_at = now() WHERE name = ${name}`.catch(() => {});
      return;
    }
    const now = performance.now();
    // A wake that came during the step (dueAt set meanwhile) is kept, but for a dormant projection.
    const woken = this.dueAt.get(name) ?? Infinity;
    if (outcome === 'progressed') {
      await pauseUntilCoalesced(startedAt, this.coalesceMs);
      this.dueAt.set(name, performance.now());
    } else if (outcome === 'gap') {
      this.dueAt.set(name, Math.min(woken, now + 5));
    } else if (outcome === 'busy') {
      this.dueAt.set(name, Math.min(woken, now + idleMs));
    } else if (outcome === 'dormant' || projection.kind === 'inline') {
      this.dueAt.set(name, rebuildRequests === this.rebuildRequests ? now + idleMs : now);
    } else {
      // Caught up: the next wake (a local append or a NOTIFY) makes it due. A NOTIFY can be lost
      // (the sender's pg_notify failed, the LISTEN connection was down), so it also looks every idleMs.
      this.dueAt.set(name, Math.min(woken, now + idleMs));
      this.caughtUp.add(name);
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
    const shared = await this.readShared(this.sharedGroup(projections));
    const settled = await Promise.allSettled(projections.map((p) => this.stepOne(p, shared)));
    return new Map(
      settled.map((s, i) => [projections[i]!.name, s.status === 'fulfilled' ? { outcome: s.value } : { error: s.reason as unknown }]),
    );
  }

  /**
   * The largest group of two or more of these projections whose positions lie within one batch of
   * the group's lowest; empty when there is none.
   */
  private sharedGroup(projections: readonly Projection[]): Projection[] {
    const placed = projections
      .filter((p) => this.positions.has(p.name))
      .map((p) => ({ p, at: this.positions.get(p.name)! }))
      .sort((a, b) => a.at - b.at);
    let best: typeof placed = [];
    for (let i = 0; i < placed.length; i++) {
      const group = placed.slice(i).filter((x) => x.at < placed[i]!.at + this.batchSize);
      if (group.length > best.length) best = group;
    }
    return best.length < 2 ? [] : best.map((x) => x.p);
  }

  /**
   * Reads once for the group, from its lowest position. Outside any transaction: the batch is only
   * events in log order, and each projection takes from it what lies after its locked checkpoint.
   */
  private async readShared(group: readonly Projection[]): Promise<SharedBatch[]> {
    if (group.length === 0) return [];
    const leader = { p: group[0]!, at: this.positions.get(group[0]!.name)! };
    const types = new Set(group.flatMap((p) => p.eventTypes));
    let reader = this.sharedReaders.get(leader.p.name);
    if (!reader) this.sharedReaders.set(leader.p.name, (reader = new ProjectionLogReader(this.registry, this.sql)));
    const read = (after: number) =>
      reader.read(this.sql, after, this.batchSize, [...types]).then(
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
  private fromShared(shared: readonly SharedBatch[], projection: Projection, checkpoint: number): LogBatch<ProjectedEvent> | undefined {
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
      // A rebuild fills tables that were just emptied: a prepared statement's generic plan, made
      // while a table looked empty, can stay a sequential scan as it grows to millions of rows (its
      // statistics lag, or never come when autovacuum is off). Each statement of a rebuilding step
      // is planned for the rows it has at that moment instead, set in the same round trip.
      const [checkpoint] = await tx<Checkpoint[]>`
        SELECT position, status, rebuild_target,
               CASE WHEN status = 'rebuilding' THEN set_config('plan_cache_mode', 'force_custom_plan', true) END AS plan_cache_mode
        FROM projection_checkpoints WHERE name = ${projection.name}`;
      if (!checkpoint) return 'idle';
      if (projection.kind === 'inline' && checkpoint.status !== 'rebuilding') return 'dormant';
      let batch = this.fromShared(shared, projection, checkpoint.position);
      if (!batch) {
        const reader = this.readers.get(projection.name)!;
        batch = await reader.read(tx, checkpoint.position, this.batchSize, projection.eventTypes);
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
