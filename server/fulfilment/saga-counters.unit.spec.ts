import { describe, expect, it } from 'vitest';
import type { FulfilmentEvent } from './events';
import {
  at,
  compensationStarted,
  historyUntil,
  orderId,
  ran,
  started,
  stepFailed,
  stepRejected,
  stepStarted,
  stepSucceeded,
} from './fulfilment-test-fixtures';
import { foldSagaProgress } from './progress';
import { sagaCounterEventTypes, sagaCounterMoves, sagaCounters, type SagaCounter } from './saga-counters';
import type { SagaStep } from './steps';

const completed = (): FulfilmentEvent => ({ type: 'FulfilmentCompleted', data: { orderId, completedAt: at(20) } });
const compensated = (reason: string): FulfilmentEvent => ({ type: 'FulfilmentCompensated', data: { orderId, reason, compensatedAt: at(20) } });
const failed = (step: SagaStep, reason: string): FulfilmentEvent => ({
  type: 'FulfilmentFailed',
  data: { orderId, step, reason, failedAt: at(20) },
});

const stories: Record<string, FulfilmentEvent[]> = {
  'completed after a retried shipment': [
    ...historyUntil.charged(),
    stepStarted('createShipment', 1),
    stepFailed('createShipment', 1, at(5)),
    stepStarted('createShipment', 2, 6),
    stepSucceeded('createShipment', 2, 7),
    ...ran('confirmOrder'),
    completed(),
  ],
  'compensated after a declined payment, its cancellation retried': [
    ...historyUntil.reserved(),
    stepStarted('chargePayment'),
    stepRejected('chargePayment', 'Payment declined'),
    compensationStarted('Payment declined', 'system', ['releaseInventory', 'cancelOrder']),
    ...ran('releaseInventory'),
    stepStarted('cancelOrder', 1),
    stepFailed('cancelOrder', 1, at(9)),
    stepStarted('cancelOrder', 2, 10),
    stepSucceeded('cancelOrder', 2, 11),
    compensated('Payment declined'),
  ],
  'failed after the pivot': [
    ...historyUntil.shipped(),
    stepStarted('confirmOrder', 1),
    stepFailed('confirmOrder', 1, at(5)),
    stepStarted('confirmOrder', 2, 6),
    stepFailed('confirmOrder', 2, null, 7),
    failed('confirmOrder', 'Order could not be confirmed'),
  ],
  'failed while compensating': [
    started(),
    stepStarted('reserveInventory'),
    stepRejected('reserveInventory', 'Out of stock: SKU-A'),
    compensationStarted('Out of stock: SKU-A', 'system', ['cancelOrder']),
    stepStarted('cancelOrder', 1),
    stepFailed('cancelOrder', 1, null),
    failed('cancelOrder', 'Cancel order failed'),
  ],
};

/** The counters as the old query read them from saga_progress: one per saga status, plus retries. */
const countedFromProgress = (sagas: FulfilmentEvent[][]): Record<SagaCounter, number> => {
  const counts = Object.fromEntries(sagaCounters.map((counter) => [counter, 0])) as Record<SagaCounter, number>;
  for (const events of sagas) {
    const progress = foldSagaProgress(events.map((event, i) => ({ ...event, version: i + 1, position: i + 1 })) as never);
    if (!progress) continue;
    counts[progress.status as SagaCounter] += 1;
    counts.retries += progress.retries;
  }
  return counts;
};

const countedFromMoves = (events: FulfilmentEvent[]): Record<SagaCounter, number> => {
  const counts = Object.fromEntries(sagaCounters.map((counter) => [counter, 0])) as Record<SagaCounter, number>;
  for (const event of events) for (const [counter, by] of sagaCounterMoves(event)) counts[counter] += by;
  return counts;
};

describe('Saga counters', () => {
  describe('When a saga’s events are counted one by one', () => {
    it.each(Object.entries(stories))('should agree with its progress after every event: %s', (_, story) => {
      for (let end = 0; end <= story.length; end++) {
        expect(countedFromMoves(story.slice(0, end)), `after ${end} events`).toEqual(countedFromProgress([story.slice(0, end)]));
      }
    });
  });

  describe('When many sagas’ events are interleaved', () => {
    it('should give the same counts in any order of the sagas', () => {
      const sagas = Object.values(stories);
      const interleaved = sagas.flatMap((story, s) => story.map((event, i) => ({ event, key: i * 10 + s })));
      const inLogOrder = interleaved.sort((a, b) => a.key - b.key).map(({ event }) => event);
      expect(countedFromMoves(inLogOrder)).toEqual(countedFromProgress(sagas));
      expect(countedFromMoves([...inLogOrder].reverse())).toEqual(countedFromProgress(sagas));
      expect(countedFromProgress(sagas)).toEqual({ running: 0, compensating: 0, completed: 1, compensated: 1, failed: 2, retries: 3 });
    });
  });

  describe('When the projection asks which events to read', () => {
    it('should name every event type that moves a counter and no other', () => {
      const moving = new Set(Object.values(stories).flat().filter((e) => sagaCounterMoves(e).length > 0).map((e) => e.type));
      expect([...moving].sort()).toEqual([...sagaCounterEventTypes].sort());
    });
  });
});
