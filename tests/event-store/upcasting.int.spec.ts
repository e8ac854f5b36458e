import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRegistry } from '@/server/event-definitions';
import { EventStore } from '@/server/event-store/event-store';
import { StoredEventInvalidError } from '@/server/event-store/event-registry';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertStoredEvent, legacyMetadata, orderPlacedV1 } from './stored-event-fixtures';

let db: TestDatabase;
let store: EventStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new EventStore(db.sql, createEventRegistry());
});
afterAll(() => db.drop());

const insertStored = (streamId: string, type: string, schemaVersion: number, data: unknown) =>
  insertStoredEvent(db.sql, { streamId, type, schemaVersion, data, metadata: { ...legacyMetadata(schemaVersion), occurredAt: '2024-01-02T03:04:05.000Z' } });

describe('Stored events', () => {
  describe('When an OrderPlaced written at schema version 1 is read', () => {
    it('should come back in today’s shape, with prices in cents', async () => {
      await insertStored('order-legacy-1', 'OrderPlaced', 1, orderPlacedV1('legacy-1'));
      const [event] = await store.readStream('order-legacy-1');
      expect(event!.data).toMatchObject({
        customerName: 'cus_ada',
        itemCount: 2,
        totalCents: 2500,
        lines: [{ sku: 'SKU-KB-01', quantity: 2, unitPriceCents: 1250, lineTotalCents: 2500 }],
      });
    });
  });

  describe('When a stored payload no longer matches its schema', () => {
    it('should fail loudly rather than hand a bad event to a projection', async () => {
      await insertStored('order-broken-1', 'OrderConfirmed', 1, { orderId: 'broken-1', confirmedAt: 'yesterday' });
      await expect(store.readStream('order-broken-1')).rejects.toBeInstanceOf(StoredEventInvalidError);
    });
  });
});
