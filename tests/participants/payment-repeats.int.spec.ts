import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRegistry } from '@/server/event-definitions';
import { EventStore } from '@/server/event-store/event-store';
import { paymentStreamId } from '@/server/payments/stream';
import { setFaults } from '@/server/participants/faults';
import { createPaymentGateway } from '@/server/participants/payment-gateway';
import { inlineProjections } from '@/server/projections/all-projections';
import { sagaCall } from './saga-call';
import { recordingSql } from '../support/statement-recorder';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// No app on this database: the pool carries only the calls below.
let db: TestDatabase;
let store: EventStore;
let recorder: Awaited<ReturnType<typeof recordingSql>>;

/** The gateway on a pool of its own, whose statements a spec can record. */
const gateway = () => createPaymentGateway({ sql: recorder.sql, store, random: () => 0.99 });

beforeAll(async () => {
  db = await createTestDatabase();
  recorder = await recordingSql(db.url, 2);
  store = new EventStore(recorder.sql, createEventRegistry(), inlineProjections);
  await setFaults(db.sql, 'payment', { latencyMs: 0, transientErrorRate: 0 });
});
afterAll(async () => {
  await recorder?.sql.end();
  await db?.drop();
});

describe('Payment gateway', () => {
  describe('When a refund is repeated with its key', () => {
    it('should refund once and answer the repeat from the refund its key recorded, in one statement', async () => {
      await gateway().charge(sagaCall('o-refund', 'charge'), { amountCents: 4200, token: 'tok_visa' });
      expect(await gateway().refund(sagaCall('o-refund', 'refund'), 'Out of stock')).toEqual({ refundedCents: 4200 });

      const repeat = await recorder.record(() => gateway().refund(sagaCall('o-refund', 'refund'), 'Out of stock'));
      expect(repeat.answer).toEqual({ refundedCents: 4200 });
      // The key with its events: the payment stream is not read.
      expect(repeat.statements, repeat.statements.join('\n')).toHaveLength(1);
      const types = (await store.readStream(paymentStreamId('o-refund'))).map((event) => event.type);
      expect(types).toEqual(['PaymentCharged', 'PaymentRefunded']);
    });
  });

  describe('When a later attempt refunds under a new key what an earlier attempt already refunded', () => {
    it('should refund nothing more and answer with what was refunded', async () => {
      await gateway().charge(sagaCall('o-refund-2', 'charge'), { amountCents: 1500, token: 'tok_visa' });
      expect(await gateway().refund(sagaCall('o-refund-2', 'refund', 1), 'Out of stock')).toEqual({ refundedCents: 1500 });
      expect(await gateway().refund(sagaCall('o-refund-2', 'refund', 2), 'Out of stock')).toEqual({ refundedCents: 1500 });
      const types = (await store.readStream(paymentStreamId('o-refund-2'))).map((event) => event.type);
      expect(types).toEqual(['PaymentCharged', 'PaymentRefunded']);
    });
  });

  describe('When nothing was charged', () => {
    it('should refund nothing and say so', async () => {
      expect(await gateway().refund(sagaCall('o-refund-none', 'refund'), 'Out of stock')).toEqual({ refundedCents: 0 });
    });
  });
});
