import type { Sql, TransactionSql } from '@/db/client';
import type { EventRegistry } from '../event-store/event-registry';
import { GlobalLogReader } from '../event-store/global-log-reader';
import { EVENT_COLUMNS, toRecordedEvent, type StoredEventRow } from '../event-store/stored-event-row';
import type { Projection } from './projection';

type Checkpoint = { position: number; status: string; rebuild_target: number | null };

const lockKey = (name: string) => `orderflow:projection:${name}`;

/**
 * Feeds async projections from their checkpoints, and inline ones while they are rebuilt.
 * Each batch runs in one transaction with the checkpoint, under a transaction-scoped advisory
 * lock: any number of processes may run a daemon, exactly one applies a given batch.
 */
export class ProjectionDaemon {
  private running = false;
  private wakers = new Set<() => void>();
  /** Inline projections that are not rebuilding: appends keep them current, so appends do not wake them. */
  private dormantWakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private readonly readers = new Map<string, GlobalLogReader>();

  constructor(
    private readonly sql: Sql,
    private readonly registry: EventRegistry,
    readonly projections: readonly Projection[],
    private readonly options: { batchSize?: number; idleMs?: number; onError?: (error: unknown) => void } = {},
  ) {
    for (const p of projections) this.readers.set(p.name, new GlobalLogReader(registry, sql));
  }

  get isRunning(): boolean {
    return this.running;
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
    this.loops = this.projections.map((p) => this.loop(p));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeAll();
    await Promise.all(this.loops);
  }

  /** The log grew: async projections (and rebuilds) have work. */
  wake(): void {
    for (const waker of this.wakers) waker();
    this.wakers.clear();
  }

  private wakeAll(): void {
    this.wake();
    for (const waker of this.dormantWakers) waker();
    this.dormantWakers.clear();
  }

  private sleep(ms: number, wakers = this.wakers): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      wakers.add(done);
    });
  }

  private async loop(projection: Projection): Promise<void> {
    while (this.running) {
      try {
        const outcome = await this.step(projection);
        if (outcome === 'progressed') continue;
        // A rebuild asked for by another process is noticed within idleMs.
        if (outcome === 'dormant') await this.sleep(this.options.idleMs ?? 1000, this.dormantWakers);
        else await this.sleep(outcome === 'gap' ? 5 : (this.options.idleMs ?? 1000));
      } catch (error) {
        this.options.onError?.(error);
        await this.sql`UPDATE projection_checkpoints SET last_error = ${String(error)}, updated_at = now() WHERE name = ${projection.name}`.catch(() => {});
        await this.sleep(1000);
      }
    }
  }

  /** Applies one batch; returns what happened so the loop knows whether to wait. */
  async step(projection: Projection): Promise<'progressed' | 'idle' | 'gap' | 'busy' | 'dormant'> {
    return this.sql.begin(async (tx) => {
      const [locked] = await tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext(${lockKey(projection.name)})) AS ok`;
      if (!locked?.ok) return 'busy';
      const [checkpoint] = await tx<Checkpoint[]>`
        SELECT position, status, rebuild_target FROM projection_checkpoints WHERE name = ${projection.name}`;
      if (!checkpoint) return 'idle';
      if (projection.kind === 'inline' && checkpoint.status !== 'rebuilding') return 'dormant';
      const reader = this.readers.get(projection.name)!;
      const batch = await reader.read(tx, checkpoint.position, this.options.batchSize ?? 1000, { types: projection.eventTypes });
      if (batch.position === checkpoint.position) {
        if (checkpoint.status === 'rebuilding' && !batch.waitingOnGap) await this.finishRebuild(tx, projection);
        return batch.waitingOnGap ? 'gap' : 'idle';
      }
      if (batch.events.length > 0) await projection.apply(tx, batch.events);
      await tx`UPDATE projection_checkpoints SET position = ${batch.position}, last_error = NULL, updated_at = now()
               WHERE name = ${projection.name}`;
      return 'progressed';
    });
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
    this.wakeAll();
  }
}
