import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRegistry } from '@/server/event-definitions';
import { EventStore } from '@/server/event-store/event-store';
import { StoredEventInvalidError } from '@/server/event-store/event-registry';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
let store: EventStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new EventStore(db.sql, createEventRegistry());
});
afterAll(() => db.drop());

const insertStored = (streamId: string, type: string, schemaVersion: number, data: unknown) => db.sql`
  INSERT INTO streams (stream_id, stream_type, version) VALUES (${streamId}, 'order', 1);
  `.then(() => db.sql`
  INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
  VALUES (gen_random_uuid(), ${streamId}, 1, ${type}, ${schemaVersion}, ${db.sql.json(data as never)},
          ${db.sql.json({ eventId: 'e', correlationId: 'o-1', causationId: null, occurredAt: '2024-01-02T03:04:05.000Z', schemaVersion, actor: { kind: 'system', id: 'legacy' } })},
          'o-1', '2024-01-02T03:04:05Z')`);

describe('Stored events', () => {
  describe('When an OrderPlaced written at schema version 1 is read', () => {
    it('should come back in today’s shape, with prices in cents', async () => {
      await insertStored('order-legacy-1', 'OrderPlaced', 1, {
        orderId: 'legacy-1',
        customerId: 'cus_ada',
        lines: [{ sku: 'SKU-KB-01', name: 'Keyboard', quantity: 2, unitPrice: 12.5 }],
        shippingAddress: { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'N1', country: 'GB' },
        paymentToken: 'tok_visa',
        placedAt: '2024-01-02T03:04:05.000Z',
      });
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
