import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../event-store/types';
import type { FulfilmentEvent } from './events';
import {
  at,
  cancellationRequested,
  compensationStarted,
  historyUntil,
  orderId,
  sampleSagas,
  ran,
  stepFailed,
  stepRejected,
  stepStarted,
  stepSucceeded,
} from './fulfilment-test-fixtures';
import { applySagaEvent, foldSagaProgress, type SagaProgress } from './progress';

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
};

const objectsIn = (value: unknown, found = new Set<object>()): Set<object> => {
  if (value !== null && typeof value === 'object' && !found.has(value)) {
    found.add(value);
    for (const nested of Object.values(value)) objectsIn(nested, found);
  }
  return found;
};

const statuses = (events: FulfilmentEvent[]) => {
  const progress = foldSagaProgress(events)!;
  return {
    status: progress.status,
    steps: Object.fromEntries(progress.steps.map((s) => [s.step, s.status])),
    compensations: Object.fromEntries(progress.compensations.map((s) => [s.step, s.status])),
  };
};

describe('Saga progress', () => {
  describe('When a saga completes', () => {
    it('should show every step succeeded once, with its result', () => {
      const progress = foldSagaProgress([
        ...historyUntil.shipped(),
        ...ran('confirmOrder'),
        { type: 'FulfilmentCompleted', data: { orderId, completedAt: at(9) } },
      ])!;
      expect(progress.status).toBe('completed');
      expect(progress.finishedAt).toBe(at(9));
      expect(progress.steps.map((s) => [s.step, s.status, s.attempts.length])).toEqual([
        ['reserveInventory', 'succeeded', 1],
        ['chargePayment', 'succeeded', 1],
        ['createShipment', 'succeeded', 1],
        ['confirmOrder', 'succeeded', 1],
      ]);
      expect(progress.steps[1]!.result).toBe('Charged 44.99 as pay-1');
      expect(progress.steps[0]!.attempts[0]).toEqual({
        attempt: 1,
        startedAt: at(1),
        endedAt: at(2),
        outcome: 'succeeded',
        error: null,
        worker: 'worker-a',
      });
      expect(progress.compensations).toEqual([]);
      expect(progress.retries).toBe(0);
    });
  });

  describe('When a step is retried', () => {
    it('should keep every attempt with its outcome and error, and count the retries', () => {
      const events = [
        ...historyUntil.reserved(),
        stepStarted('chargePayment', 1, 3),
        stepFailed('chargePayment', 1, at(5), 4),
        stepStarted('chargePayment', 2, 5),
      ];
      const waiting = foldSagaProgress(events.slice(0, -1))!;
      expect(waiting.steps[1]).toMatchObject({ status: 'running', nextAttemptAt: at(5), lastError: 'The payment gateway is temporarily unavailable' });
      const progress = foldSagaProgress([...events, stepSucceeded('chargePayment', 2, 6)])!;
      expect(progress.steps[1]!.attempts.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
        [1, 'error', 'The payment gateway is temporarily unavailable'],
        [2, 'succeeded', null],
      ]);
      expect(progress.steps[1]!.status).toBe('succeeded');
      expect(progress.retries).toBe(1);
    });
  });

  describe('When the saga turns back', () => {
    it('should skip what never ran and mark undone steps compensating, then compensated', () => {
      const turning = [
        ...historyUntil.charged(),
        stepStarted('createShipment'),
        stepRejected('createShipment', 'Carrier cannot ship to XX'),
        compensationStarted('Carrier cannot ship to XX', 'system', ['refundPayment', 'releaseInventory', 'cancelOrder']),
        stepStarted('refundPayment'),
      ];
      expect(statuses(turning)).toEqual({
        status: 'compensating',
        steps: { reserveInventory: 'succeeded', chargePayment: 'compensating', createShipment: 'failed', confirmOrder: 'skipped' },
        compensations: { refundPayment: 'running', releaseInventory: 'pending', cancelOrder: 'pending' },
      });
      const done = [
        ...turning,
        stepSucceeded('refundPayment'),
        ...ran('releaseInventory'),
        ...ran('cancelOrder'),
        { type: 'FulfilmentCompensated', data: { orderId, reason: 'Carrier cannot ship to XX', compensatedAt: at(9) } } as FulfilmentEvent,
      ];
      expect(statuses(done)).toEqual({
        status: 'compensated',
        steps: { reserveInventory: 'compensated', chargePayment: 'compensated', createShipment: 'failed', confirmOrder: 'skipped' },
        compensations: { refundPayment: 'succeeded', releaseInventory: 'succeeded', cancelOrder: 'succeeded' },
      });
      expect(foldSagaProgress(done)).toMatchObject({ reason: 'Carrier cannot ship to XX', cancelledBy: 'system', lastError: 'Carrier cannot ship to XX' });
    });

    it('should keep the customer’s own words apart from the cancellation reason', () => {
      const progress = foldSagaProgress([
        ...historyUntil.reserved(),
        cancellationRequested(3, 'Ordered twice'),
        compensationStarted('Cancelled by customer', 'customer', ['releaseInventory', 'cancelOrder'], 3),
      ])!;
      expect(progress).toMatchObject({
        status: 'compensating',
        reason: 'Cancelled by customer',
        cancelledBy: 'customer',
        cancellationRequest: { reason: 'Ordered twice', requestedAt: at(3) },
      });
    });
  });

  describe('When folded from an order’s timeline', () => {
    it('should ignore events of other streams and take versions and positions from the log', () => {
      const recorded = (event: { type: string; data: unknown }, streamId: string, version: number, position: number): RecordedEvent => ({
        ...event,
        streamId,
        version,
        position,
        metadata: { eventId: `e${position}`, correlationId: orderId, causationId: null, occurredAt: at(0), schemaVersion: 1, actor: { kind: 'saga', id: 'x' } },
        recordedAt: at(0),
      });
      const saga = historyUntil.reserved();
      const timeline = [
        recorded({ type: 'OrderPlaced', data: {} }, `order-${orderId}`, 1, 10),
        recorded(saga[0]!, `fulfilment-${orderId}`, 1, 11),
        recorded({ type: 'StockReserved', data: {} }, 'inventory-SKU-A', 7, 12),
        recorded(saga[1]!, `fulfilment-${orderId}`, 2, 13),
        recorded(saga[2]!, `fulfilment-${orderId}`, 3, 15),
      ];
      const progress = foldSagaProgress(timeline)!;
      expect(progress).toMatchObject({ version: 3, lastPosition: 15, startedPosition: 11, status: 'running' });
      expect(foldSagaProgress(timeline.slice(0, 1))).toBeNull();
    });

    it('should fold in place, as the projection applies each event, writing into no event and keeping no object of one', () => {
      const histories = Object.values(sampleSagas());
      for (const history of histories) {
        // Frozen: a fold that wrote into an event's data would throw.
        const events = deepFreeze(structuredClone(history));
        let progress: SagaProgress | null = null;
        events.forEach((event, i) => {
          progress = applySagaEvent(progress, event, { version: i + 1, position: 100 + i });
        });
        expect(progress).toMatchObject({ version: events.length, lastPosition: 99 + events.length });
        // Shared objects would let a later in-place fold change an event another fold reads.
        const ofEvents = objectsIn(events);
        expect([...objectsIn(progress)].filter((object) => ofEvents.has(object))).toEqual([]);
      }
    });
  });
});
