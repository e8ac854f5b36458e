import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '@/db/client';
import { seedDemoData } from '@/server/catalog/seed';
import { placeOrder } from '@/server/handlers/place-order';
import { createOrderflow, type Orderflow } from '@/server/orderflow';
import { allProjections } from '@/server/projections/all-projections';
import { dashboardStatsProjection } from '@/server/projections/dashboard-stats';
import { inventoryLevelsProjection } from '@/server/projections/inventory-levels';
import { defineProjection } from '@/server/projections/projection';
import { ProjectionDaemon } from '@/server/projections/projection-daemon';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { validOrder } from '../support/test-server';
import { runDaemonUntilIdle } from './projection-helpers';

/**
 * The daemon's loop steps each projection on its own schedule: one with nothing to apply costs no
 * statement until the log grows, and one busy with a long rebuild holds no other back.
 */
let db: TestDatabase;
let app: Orderflow;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await createOrderflow({ databaseUrl: db.url, onError: () => {} });
  await seedDemoData(app);
  for (let i = 0; i < 40; i++) await placeOrder(app, validOrder({ customerId: i % 2 ? 'cus_ada' : 'cus_grace' }));
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const checkpoint = async (name: string) => {
  const [row] = await app.sql<{ position: number; status: string }[]>`SELECT position, status FROM projection_checkpoints WHERE name = ${name}`;
  return row!;
};
const head = async () => {
  const [row] = await app.sql<{ head: number }[]>`SELECT max(position) AS head FROM events`;
  return row!.head;
};

describe('Projection daemon loop', () => {
  describe('When one projection rebuilds and the async ones have nothing to apply', () => {
    it('should step each idle one once, at start, and again only when woken', async () => {
      const steps = new Map<unknown, number>();
      // Every step is one transaction opening with the projection's advisory lock.
      const counted = createSql(db.url, {
        max: 6,
        debug: (_connection, query, parameters) => {
          if (query.includes('pg_try_advisory_xact_lock')) steps.set(parameters[0], (steps.get(parameters[0]) ?? 0) + 1);
        },
      });
      const stepsOf = (name: string) => steps.get(`orderflow:projection:${name}`) ?? 0;
      // idleMs: the once-a-second look of an idle projection stays out of the count.
      const daemon = new ProjectionDaemon(counted, app.registry, allProjections, { batchSize: 3, idleMs: 60_000 });
      try {
        await runDaemonUntilIdle(daemon);
        await daemon.requestRebuild('order-summaries');
        steps.clear();
        daemon.start();
        await expect.poll(async () => (await checkpoint('order-summaries')).status, { timeout: 30_000 }).toBe('inline');
        expect(stepsOf('order-summaries')).toBeGreaterThan(10);
        expect(stepsOf('dashboard-stats')).toBe(1);
        expect(stepsOf('inventory-levels')).toBe(1);

        await placeOrder(app, validOrder());
        const target = await head();
        daemon.wake();
        await expect.poll(async () => (await checkpoint('dashboard-stats')).position, { timeout: 10_000 }).toBe(target);
        expect(stepsOf('dashboard-stats')).toBeGreaterThan(1);
      } finally {
        await daemon.stop();
        await counted.end();
      }
    });
  });

  describe('When a rebuild is stuck in a batch and an order arrives', () => {
    it('should let dashboard-stats apply the order meanwhile', async () => {
      let enter!: () => void;
      const entered = new Promise<void>((resolve) => (enter = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const stuck = defineProjection({
        name: 'test-stuck-rebuild',
        kind: 'async',
        description: 'holds its first batch until released',
        eventTypes: ['OrderPlaced'],
        tables: [],
        apply: async () => {
          enter();
          await released;
        },
      });
      const daemon = new ProjectionDaemon(app.sql, app.registry, [dashboardStatsProjection, stuck], { batchSize: 5 });
      await daemon.ensureCheckpoints();
      while (['progressed', 'gap'].includes(await daemon.step(dashboardStatsProjection)));
      await daemon.requestRebuild(stuck.name);
      daemon.start();
      try {
        await entered;
        await placeOrder(app, validOrder());
        const target = await head();
        daemon.wake();
        await expect.poll(async () => (await checkpoint('dashboard-stats')).position, { timeout: 10_000 }).toBe(target);
        const held = await checkpoint(stuck.name);
        expect(held.status).toBe('rebuilding');
        expect(held.position).toBeLessThan(target);
      } finally {
        release();
        await daemon.stop();
      }
    });
  });

  describe('When a projection rebuilds into tables that were just emptied', () => {
    it('should plan each statement of a rebuilding step for the rows at hand, and leave caught-up steps to the plan cache', async () => {
      // What a statement in the step's transaction sees: a generic plan made while the tables were
      // empty (a sequential scan) would otherwise stay as they grow, until statistics come.
      const seen: { status: string; mode: string }[] = [];
      const probe = defineProjection({
        name: 'test-plan-cache-mode',
        kind: 'async',
        description: 'records the plan cache mode its statements run under',
        eventTypes: ['OrderPlaced'],
        tables: [],
        apply: async (tx) => {
          const [row] = await tx<{ status: string; mode: string }[]>`
            SELECT status, current_setting('plan_cache_mode') AS mode FROM projection_checkpoints WHERE name = 'test-plan-cache-mode'`;
          seen.push(row!);
        },
      });
      const daemon = new ProjectionDaemon(app.sql, app.registry, [probe], { batchSize: 10 });
      await daemon.ensureCheckpoints();
      await daemon.requestRebuild(probe.name);
      while (['progressed', 'gap'].includes(await daemon.step(probe)));
      expect((await checkpoint(probe.name)).status).toBe('running');
      const rebuilt = seen.length;
      expect(rebuilt).toBeGreaterThan(1);
      expect(seen.every((s) => s.status === 'rebuilding' && s.mode === 'force_custom_plan')).toBe(true);

      await placeOrder(app, validOrder());
      while (['progressed', 'gap'].includes(await daemon.step(probe)));
      expect(seen.slice(rebuilt)).toEqual([{ status: 'running', mode: 'auto' }]);
      // The setting was the transaction's own: the pool's sessions keep theirs.
      const modes = await Promise.all(Array.from({ length: 4 }, () => app.sql<{ mode: string }[]>`SELECT current_setting('plan_cache_mode') AS mode`));
      expect(modes.map(([row]) => row!.mode)).toEqual(['auto', 'auto', 'auto', 'auto']);
    });
  });

  describe('When an append reaches the database but its wake-up never reaches this daemon (a lost NOTIFY)', () => {
    it('should still apply it, looking again every idleMs', async () => {
      const daemon = new ProjectionDaemon(app.sql, app.registry, [dashboardStatsProjection], { idleMs: 200 });
      await daemon.ensureCheckpoints();
      daemon.start();
      try {
        const before = await head();
        await expect.poll(async () => (await checkpoint('dashboard-stats')).position, { timeout: 10_000 }).toBe(before);
        // Placed through the app, whose own wake-ups go to its follower, never to this daemon.
        await placeOrder(app, validOrder());
        const target = await head();
        await expect.poll(async () => (await checkpoint('dashboard-stats')).position, { timeout: 10_000 }).toBe(target);
      } finally {
        await daemon.stop();
      }
    });
  });

  describe('When this process appends events a caught-up projection does not read', () => {
    it('should leave it asleep, and wake it for a type it reads', async () => {
      const steps: string[] = [];
      const counted = createSql(db.url, {
        max: 2,
        debug: (_connection, query, parameters) => {
          if (query.includes('pg_try_advisory_xact_lock')) steps.push(String(parameters[0]));
        },
      });
      const daemon = new ProjectionDaemon(counted, app.registry, [inventoryLevelsProjection], { idleMs: 60_000 });
      await daemon.ensureCheckpoints();
      daemon.start();
      try {
        const target = await head();
        await expect.poll(async () => (await checkpoint('inventory-levels')).position, { timeout: 10_000 }).toBe(target);
        await expect.poll(() => steps.length).toBeGreaterThan(0);
        const before = steps.length;
        // An order placed: no inventory event. The step a wake would start is one statement away,
        // so a wake that should not happen would show within a few loop turns.
        daemon.wake(new Set(['OrderPlaced', 'FulfilmentStepStarted']));
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
        await counted`SELECT 1`;
        expect(steps.length).toBe(before);
        daemon.wake(new Set(['StockReserved']));
        await expect.poll(() => steps.length).toBeGreaterThan(before);
      } finally {
        await daemon.stop();
        await counted.end();
      }
    });
  });
});
