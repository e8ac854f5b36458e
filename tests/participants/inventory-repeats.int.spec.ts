import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand, loadAggregate } from '@/server/command-handler';
import { createEventRegistry } from '@/server/event-definitions';
import { EventStore } from '@/server/event-store/event-store';
import { inventoryDecider } from '@/server/inventory/decider';
import { inventorySnapshotPolicy } from '@/server/inventory/snapshot-policy';
import { evolve, initialState, openReservations } from '@/server/inventory/state';
import type { InventoryEvent } from '@/server/inventory/events';
import { inventoryStreamId } from '@/server/inventory/stream';
import { createOrderflow, type Orderflow } from '@/server/orderflow';
import { inlineProjections } from '@/server/projections/all-projections';
import { setFaults } from '@/server/participants/faults';
import { createInventoryService, type InventoryService } from '@/server/participants/inventory-service';
import { sagaCall } from './saga-call';
import { recordingSql } from '../support/statement-recorder';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
/** The process that runs a step first, and the one that runs it again after the first died. */
let first: Orderflow;
let restarted: Orderflow;
let inventory: InventoryService;
let inventoryAfterRestart: InventoryService;
/** A pool only the counted calls use: no follower or projection reads in between. */
let quiet: Awaited<ReturnType<typeof recordingSql>>;

const serviceOf = (app: Orderflow) => createInventoryService({ sql: app.sql, store: app.store, random: () => 0.99 });

const receive = (app: Orderflow, sku: string, quantity: number) =>
  handleCommand(app.store, {
    streamId: inventoryStreamId(sku),
    decider: inventoryDecider,
    command: { type: 'ReceiveStock', data: { sku, quantity, now: new Date().toISOString() } },
    correlationId: 'stock',
    actor: { kind: 'system', id: 'test' },
    now: new Date().toISOString(),
    snapshot: inventorySnapshotPolicy,
  });

const stockOf = async (app: Orderflow, sku: string) =>
  (await loadAggregate(app.store, inventoryStreamId(sku), inventoryDecider, inventorySnapshotPolicy)).state;

const eventsOf = async (sku: string, orderId: string) =>
  (await first.store.readStream(inventoryStreamId(sku)))
    .filter((event) => (event.data as { orderId?: string }).orderId === orderId)
    .map((event) => event.type);

/**
 * Runs a call in a freshly started process (its own store, nothing cached) on the quiet pool and
 * returns the statements it sent.
 */
const statementsAfterRestart = (run: (service: InventoryService) => Promise<unknown>) => {
  const store = new EventStore(quiet.sql, createEventRegistry(), inlineProjections);
  return quiet.record(() => run(createInventoryService({ sql: quiet.sql, store, random: () => 0.99 })));
};

beforeAll(async () => {
  db = await createTestDatabase();
  first = await createOrderflow({ databaseUrl: db.url, poolSize: 10, onError: () => {} });
  restarted = await createOrderflow({ databaseUrl: db.url, poolSize: 10, onError: () => {} });
  await setFaults(first.sql, 'inventory', { latencyMs: 0, transientErrorRate: 0 });
  inventory = serviceOf(first);
  inventoryAfterRestart = serviceOf(restarted);
  quiet = await recordingSql(db.url);
});
afterAll(async () => {
  await quiet?.sql.end();
  await restarted?.close();
  await first?.close();
  await db?.drop();
});

describe('Inventory service', () => {
  describe('When the same attempt runs again after its process died', () => {
    it('should write nothing twice and answer as the first run did, also once the order’s units have left', async () => {
      await receive(first, 'SKU-CRASH', 10);
      const lines = [{ sku: 'SKU-CRASH', quantity: 3 }];
      expect(await inventory.reserve(sagaCall('o-crash', 'reserve'), lines)).toEqual({ kind: 'reserved', lines });
      const version = await first.store.streamVersion(inventoryStreamId('SKU-CRASH'));

      // Another process (its own aggregate cache, loading from the database) re-runs the attempt.
      expect(await inventoryAfterRestart.reserve(sagaCall('o-crash', 'reserve'), lines)).toEqual({ kind: 'reserved', lines });
      expect(await first.store.streamVersion(inventoryStreamId('SKU-CRASH'))).toBe(version);

      await inventoryAfterRestart.commit(sagaCall('o-crash', 'confirm'), ['SKU-CRASH']);
      // The reserve attempt once more, now that the stock keeps nothing of the order: its key stops it.
      expect(await inventory.reserve(sagaCall('o-crash', 'reserve'), lines)).toEqual({ kind: 'reserved', lines });
      await inventory.commit(sagaCall('o-crash', 'confirm'), ['SKU-CRASH']);

      expect(await eventsOf('SKU-CRASH', 'o-crash')).toEqual(['StockReserved', 'ReservationCommitted']);
      expect(await stockOf(restarted, 'SKU-CRASH')).toEqual({ sku: 'SKU-CRASH', onHand: 7, reserved: 0, reservations: {} });
    });

    it('should answer a rejection again as the rejection it was, even once stock has arrived', async () => {
      await receive(first, 'SKU-SHORT', 1);
      const lines = [{ sku: 'SKU-SHORT', quantity: 5 }];
      const rejected = { kind: 'rejected', sku: 'SKU-SHORT', reason: 'Out of stock: SKU-SHORT' };
      expect(await inventory.reserve(sagaCall('o-short', 'reserve'), lines)).toEqual(rejected);
      await receive(first, 'SKU-SHORT', 10);
      expect(await inventoryAfterRestart.reserve(sagaCall('o-short', 'reserve'), lines)).toEqual(rejected);
      expect(await eventsOf('SKU-SHORT', 'o-short')).toEqual(['StockReservationRejected']);
    });
  });

  describe('When a repeat meets its key', () => {
    it('should answer from the events the key hands back, without reading them again or searching the log', async () => {
      await receive(first, 'SKU-KEY', 5);
      const lines = [{ sku: 'SKU-KEY', quantity: 2 }];
      await inventory.reserve(sagaCall('o-key', 'reserve'), lines);
      const reserve = await statementsAfterRestart((service) => service.reserve(sagaCall('o-key', 'reserve'), lines));
      expect(reserve.answer).toEqual({ kind: 'reserved', lines });
      // Snapshot and stream, read to decide (the state the repeat answers with); the key with its events.
      expect(reserve.statements, reserve.statements.join('\n')).toHaveLength(3);

      await inventory.release(sagaCall('o-key', 'release'), ['SKU-KEY'], 'Payment declined');
      const release = await statementsAfterRestart((service) => service.release(sagaCall('o-key', 'release'), ['SKU-KEY'], 'Payment declined'));
      expect(release.answer).toEqual({ releasedUnits: 2 });
      expect(release.statements, release.statements.join('\n')).toHaveLength(3);
    });
  });

  describe('When a later attempt repeats a commit that an earlier attempt made', () => {
    it('should succeed without committing again', async () => {
      await receive(first, 'SKU-C-1', 5);
      await receive(first, 'SKU-C-2', 5);
      const lines = [{ sku: 'SKU-C-1', quantity: 2 }, { sku: 'SKU-C-2', quantity: 1 }];
      await inventory.reserve(sagaCall('o-commit', 'reserve'), lines);
      // Attempt 1 committed the first sku and then failed (its deadline passed, say).
      await inventory.commit(sagaCall('o-commit', 'confirm', 1), ['SKU-C-1']);
      await inventoryAfterRestart.commit(sagaCall('o-commit', 'confirm', 2), ['SKU-C-1', 'SKU-C-2']);
      await inventory.commit(sagaCall('o-commit', 'confirm', 3), ['SKU-C-1', 'SKU-C-2']);

      expect(await eventsOf('SKU-C-1', 'o-commit')).toEqual(['StockReserved', 'ReservationCommitted']);
      expect(await eventsOf('SKU-C-2', 'o-commit')).toEqual(['StockReserved', 'ReservationCommitted']);
      expect((await stockOf(first, 'SKU-C-1')).onHand).toBe(3);
      expect((await stockOf(first, 'SKU-C-2')).onHand).toBe(4);
    });

    it('should still refuse to commit what the order never held or gave back', async () => {
      await receive(first, 'SKU-C-3', 5);
      await expect(inventory.commit(sagaCall('o-never', 'confirm'), ['SKU-C-3'])).rejects.toMatchObject({ code: 'INVALID_STATE' });
      await inventory.reserve(sagaCall('o-gave-back', 'reserve'), [{ sku: 'SKU-C-3', quantity: 1 }]);
      await inventory.release(sagaCall('o-gave-back', 'release'), ['SKU-C-3'], 'Payment declined');
      await expect(inventory.commit(sagaCall('o-gave-back', 'confirm'), ['SKU-C-3'])).rejects.toMatchObject({ code: 'INVALID_STATE' });
      expect((await stockOf(first, 'SKU-C-3')).onHand).toBe(5);
    });
  });

  describe('When a release is repeated', () => {
    it('should release once and answer every repeat with the units released', async () => {
      await receive(first, 'SKU-R-1', 5);
      await receive(first, 'SKU-R-2', 5);
      await inventory.reserve(sagaCall('o-release', 'reserve'), [{ sku: 'SKU-R-1', quantity: 2 }, { sku: 'SKU-R-2', quantity: 3 }]);
      const skus = ['SKU-R-1', 'SKU-R-2'];
      expect(await inventory.release(sagaCall('o-release', 'release', 1), skus, 'Payment declined')).toEqual({ releasedUnits: 5 });
      expect(await inventoryAfterRestart.release(sagaCall('o-release', 'release', 1), skus, 'Payment declined')).toEqual({ releasedUnits: 5 });
      expect(await inventory.release(sagaCall('o-release', 'release', 2), skus, 'Payment declined')).toEqual({ releasedUnits: 5 });
      expect(await inventory.release(sagaCall('o-nothing', 'release'), skus, 'Payment declined')).toEqual({ releasedUnits: 0 });
      expect(await eventsOf('SKU-R-1', 'o-release')).toEqual(['StockReserved', 'ReservationReleased']);
      expect(await stockOf(first, 'SKU-R-2')).toMatchObject({ onHand: 5, reserved: 0, reservations: {} });
    });
  });

  describe('When a sku has had many orders', () => {
    it('should keep nothing of the closed orders in its snapshot, which loads as folding every event does', async () => {
      const sku = 'SKU-MANY';
      // Two deliveries, so the snapshot at version 300 falls between orders.
      await receive(first, sku, 500);
      await receive(first, sku, 500);
      for (let i = 0; i < 150; i++) {
        const orderId = `o-many-${i}`;
        await inventory.reserve(sagaCall(orderId, 'reserve'), [{ sku, quantity: 2 }]);
        if (i % 5 === 0) await inventory.release(sagaCall(orderId, 'release'), [sku], 'Out of stock elsewhere');
        else await inventory.commit(sagaCall(orderId, 'confirm'), [sku]);
      }
      // At version 300, 149 orders are done (119 committed, 30 released): nothing of them is kept.
      const [row] = await first.sql<{ version: number; snapshot_schema: number; state: unknown }[]>`
        SELECT version, snapshot_schema, state FROM snapshots WHERE stream_id = ${inventoryStreamId(sku)}`;
      expect(row).toEqual({
        version: 300,
        snapshot_schema: 2,
        state: { schemaVersion: 2, state: { sku, onHand: 1000 - 119 * 2, reserved: 0, reservations: {} } },
      });

      const fromSnapshot = await loadAggregate(restarted.store, inventoryStreamId(sku), inventoryDecider, inventorySnapshotPolicy);
      const fromEvents = await loadAggregate(restarted.store, inventoryStreamId(sku), inventoryDecider);
      expect(fromSnapshot).toEqual(fromEvents);
      expect(fromEvents.state).toEqual({ sku, onHand: 1000 - 120 * 2, reserved: 0, reservations: {} });
    });
  });

  describe('When the snapshot stored is in the version 1 shape', () => {
    it('should load it, go on from it as from the events, and store version 2 at the next snapshot', async () => {
      const sku = 'SKU-OLD';
      const streamId = inventoryStreamId(sku);
      await receive(first, sku, 100);
      for (let i = 0; i < 30; i++) {
        await inventory.reserve(sagaCall(`o-old-${i}`, 'reserve'), [{ sku, quantity: 1 }]);
        if (i % 2 === 0) await inventory.commit(sagaCall(`o-old-${i}`, 'confirm'), [sku]);
      }
      // What version 1 stored at this version: flat open reservations and every committed order.
      const events = await first.store.readStream(streamId);
      const state = events.reduce((s, e) => evolve(s, e as unknown as InventoryEvent), initialState());
      const committed = Object.fromEntries(
        events.filter((e) => e.type === 'ReservationCommitted').map((e) => [(e.data as { orderId: string }).orderId, 1]),
      );
      const v1 = { schemaVersion: 1, state: { sku, onHand: state.onHand, reservations: openReservations(state), committed } };
      const version = events.length;
      await first.sql`
        INSERT INTO snapshots (stream_id, version, snapshot_schema, state) VALUES (${streamId}, ${version}, 1, ${first.sql.json(v1)})
        ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, snapshot_schema = 1, state = EXCLUDED.state`;

      const fromV1 = await loadAggregate(restarted.store, streamId, inventoryDecider, inventorySnapshotPolicy);
      expect(fromV1).toEqual(await loadAggregate(restarted.store, streamId, inventoryDecider));
      expect(Object.keys(openReservations(fromV1.state))).toHaveLength(15);

      // Commands go on from the upcast state (in a process that kept it) until the next snapshot.
      for (let i = 1; i < 30 && (await first.store.streamVersion(streamId)) < 50; i += 2) {
        await inventoryAfterRestart.commit(sagaCall(`o-old-${i}`, 'confirm'), [sku]);
      }
      const [row] = await first.sql<{ version: number; snapshot_schema: number }[]>`
        SELECT version, snapshot_schema FROM snapshots WHERE stream_id = ${streamId}`;
      expect(row).toMatchObject({ version: 50, snapshot_schema: 2 });
      const after = await loadAggregate(first.store, streamId, inventoryDecider, inventorySnapshotPolicy);
      expect(after).toEqual(await loadAggregate(first.store, streamId, inventoryDecider));
    });
  });
});
