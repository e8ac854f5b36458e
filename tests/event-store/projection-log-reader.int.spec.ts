import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRegistry } from '@/server/event-definitions';
import { StoredEventInvalidError } from '@/server/event-store/event-registry';
import { EventStore } from '@/server/event-store/event-store';
import { GlobalLogReader } from '@/server/event-store/global-log-reader';
import { ProjectionLogReader } from '@/server/event-store/projection-log-reader';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertStoredEvent, legacyMetadata, orderPlacedV1 } from './stored-event-fixtures';
import { appendOptions } from './test-events';

let db: TestDatabase;
let store: EventStore;
const registry = createEventRegistry();

beforeAll(async () => {
  db = await createTestDatabase();
  store = new EventStore(db.sql, registry);
});
afterAll(() => db?.drop());

const head = async () => (await db.sql<{ head: number }[]>`SELECT coalesce(max(position), 0) AS head FROM events`)[0]!.head;

const insertStored = (streamId: string, type: string, data: unknown, metadata: Record<string, unknown>) =>
  insertStoredEvent(db.sql, { streamId, type, schemaVersion: 1, data, metadata });
const at2024 = { ...legacyMetadata(), occurredAt: '2024-01-02T03:04:05.000Z' };

describe('ProjectionLogReader', () => {
  describe('When orders are placed, confirmed and stocked', () => {
    it('should read the events GlobalLogReader reads, with only occurredAt of their metadata', async () => {
      const after = await head();
      await store.append(
        'order-plr-1',
        [
          {
            type: 'OrderPlaced',
            data: {
              orderId: 'plr-1',
              customerId: 'cus_ada',
              customerName: 'Ada',
              lines: [{ sku: 'SKU-KB-01', name: 'Keyboard', quantity: 2, unitPriceCents: 1250, lineTotalCents: 2500 }],
              itemCount: 2,
              totalCents: 2500,
              shippingAddress: { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'N1', country: 'GB' },
              paymentToken: 'tok_visa',
              placedAt: '2026-11-25T10:00:00.000Z',
            },
          },
        ],
        appendOptions({ now: '2026-11-25T10:00:00.000Z' }),
      );
      await store.append('inventory-SKU-KB-01', [{ type: 'StockReceived', data: { sku: 'SKU-KB-01', quantity: 5, receivedAt: '2026-11-25T10:00:01.000Z' } }], appendOptions({ now: '2026-11-25T10:00:01.500Z' }));
      await store.append('order-plr-1', [{ type: 'OrderConfirmed', data: { orderId: 'plr-1', confirmedAt: '2026-11-25T10:00:02.000Z' } }], appendOptions({ now: '2026-11-25T10:00:02.000Z' }));
      const types = ['OrderPlaced', 'OrderConfirmed'];

      const full = await new GlobalLogReader(registry, db.sql).read(db.sql, after, 100, { types });
      const projected = await new ProjectionLogReader(registry, db.sql).read(db.sql, after, 100, types);

      expect(full.events.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
      expect(projected.position).toBe(full.position);
      expect(projected.position).toBe(after + 3);
      expect(projected.waitingOnGap).toBe(false);
      expect(projected.events).toEqual(
        full.events.map(({ position, streamId, version, type, data, metadata }) => ({ position, streamId, version, type, data, metadata: { occurredAt: metadata.occurredAt } })),
      );
      expect(projected.events.map((e) => e.metadata.occurredAt)).toEqual(['2026-11-25T10:00:00.000Z', '2026-11-25T10:00:02.000Z']);
    });
  });

  describe('When an event was stored at an older schema version', () => {
    it('should upcast its payload as every other read does', async () => {
      const after = await head();
      await insertStored('order-plr-legacy', 'OrderPlaced', orderPlacedV1('plr-legacy'), at2024);
      const { events } = await new ProjectionLogReader(registry, db.sql).read(db.sql, after, 100, ['OrderPlaced']);
      expect(events).toHaveLength(1);
      expect(events[0]!.data).toMatchObject({ totalCents: 2500, lines: [{ unitPriceCents: 1250 }] });
      expect(events[0]!.metadata).toEqual({ occurredAt: '2024-01-02T03:04:05.000Z' });
    });
  });

  describe('When a stored event is broken', () => {
    it('should refuse a payload that no longer matches its schema', async () => {
      const after = await head();
      await insertStored('order-plr-broken', 'OrderConfirmed', { orderId: 'plr-broken', confirmedAt: 'yesterday' }, at2024);
      await expect(new ProjectionLogReader(registry, db.sql).read(db.sql, after, 100, ['OrderConfirmed'])).rejects.toBeInstanceOf(StoredEventInvalidError);
    });

    it('should refuse metadata without the time the event occurred', async () => {
      const after = await head();
      await insertStored('order-plr-no-time', 'OrderConfirmed', { orderId: 'plr-no-time', confirmedAt: '2024-01-02T03:04:05.000Z' }, legacyMetadata());
      await expect(new ProjectionLogReader(registry, db.sql).read(db.sql, after, 100, ['OrderConfirmed'])).rejects.toBeInstanceOf(StoredEventInvalidError);
      // A type the reader does not want is passed over without its payload being read.
      await expect(new ProjectionLogReader(registry, db.sql).read(db.sql, after, 100, ['OrderPlaced'])).resolves.toMatchObject({ events: [], position: after + 1 });
    });
  });
});
