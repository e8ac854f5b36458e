import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '@/server/command-handler';
import { inventoryDecider } from '@/server/inventory/decider';
import { inventorySnapshotPolicy } from '@/server/inventory/snapshot-policy';
import { inventoryStreamId } from '@/server/inventory/stream';
import { loadAggregate } from '@/server/command-handler';
import { createOrderflow, type Orderflow } from '@/server/orderflow';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
let app: Orderflow;
const now = '2026-11-25T10:00:00.000Z';
const actor = { kind: 'system', id: 'test' } as const;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await createOrderflow({ databaseUrl: db.url, poolSize: 30, onError: () => {} });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const inventory = (sku: string, command: Parameters<typeof inventoryDecider.decide>[0], snapshot = true) =>
  handleCommand(app.store, {
    streamId: inventoryStreamId(sku),
    decider: inventoryDecider,
    command,
    correlationId: 'test',
    actor,
    now,
    maxAttempts: 200,
    snapshot: snapshot ? inventorySnapshotPolicy : undefined,
  });

describe('Inventory', () => {
  describe('When 100 orders race for a sku with 10 in stock', () => {
    it('should reserve exactly 10 and reject the rest', async () => {
      await inventory('SKU-RACE', { type: 'ReceiveStock', data: { sku: 'SKU-RACE', quantity: 10, now } });
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          inventory('SKU-RACE', { type: 'ReserveStock', data: { sku: 'SKU-RACE', orderId: `order-${i}`, quantity: 1, now } }),
        ),
      );
      const events = await app.store.readStream(inventoryStreamId('SKU-RACE'));
      expect(events.filter((e) => e.type === 'StockReserved')).toHaveLength(10);
      expect(events.filter((e) => e.type === 'StockReservationRejected')).toHaveLength(90);
    });
  });

  describe('When a long stream is loaded from its snapshot', () => {
    it('should give the same state as folding every event', async () => {
      await inventory('SKU-LONG', { type: 'ReceiveStock', data: { sku: 'SKU-LONG', quantity: 500, now } });
      for (let i = 0; i < 120; i++) {
        await inventory('SKU-LONG', { type: 'ReserveStock', data: { sku: 'SKU-LONG', orderId: `o-${i}`, quantity: 2, now } });
        if (i % 3 === 0) await inventory('SKU-LONG', { type: 'ReleaseReservation', data: { sku: 'SKU-LONG', orderId: `o-${i}`, reason: 'test', now } });
      }
      const [snapshot] = await app.sql<{ version: number }[]>`SELECT version FROM snapshots WHERE stream_id = ${inventoryStreamId('SKU-LONG')}`;
      expect(snapshot?.version).toBeGreaterThanOrEqual(100);
      const withSnapshot = await loadAggregate(app.store, inventoryStreamId('SKU-LONG'), inventoryDecider, inventorySnapshotPolicy);
      const fromEvents = await loadAggregate(app.store, inventoryStreamId('SKU-LONG'), inventoryDecider);
      expect(withSnapshot).toEqual(fromEvents);
      expect(fromEvents.version).toBe(1 + 120 + 40);
    });
  });
});
