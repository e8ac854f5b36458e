import { describe, expect, it } from 'vitest';
import { compensationPlan, nextWork } from './decider';
import {
  at,
  cancellationRequested,
  compensationStarted,
  given,
  historyUntil,
  orderId,
  ran,
  record,
  resultOf,
  sale,
  startAttempt,
  started,
  stepFailed,
  stepRejected,
  stepStarted,
  stepSucceeded,
  succeeded,
  transient,
} from './fulfilment-test-fixtures';
import { evolve, initialState, type ActiveFulfilment } from './state';
import type { FulfilmentEvent } from './events';
import type { RecordStepOutcome } from './commands';

const stateOf = (events: FulfilmentEvent[]) => events.reduce(evolve, initialState());

describe('Fulfilment saga', () => {
  describe('When an order is placed', () => {
    it('should start the saga with what its steps need', () => {
      given([])
        .when({ type: 'StartFulfilment', data: { ...sale, now: at(0) } })
        .then([started()]);
    });

    it('should change nothing when the saga already started', () => {
      given([started()])
        .when({ type: 'StartFulfilment', data: { orderId, lines: [{ sku: 'SKU-A', quantity: 1 }], amountCents: 1, paymentToken: 't', country: 'GB', now: at(1) } })
        .thenNothingHappens();
    });
  });

  describe('When a step attempt begins', () => {
    it('should begin the first step with a key derived from saga, step and attempt', () => {
      given(historyUntil.started()).when(startAttempt('reserveInventory')).then([stepStarted('reserveInventory')]);
      expect((stepStarted('chargePayment').data as { idempotencyKey: string }).idempotencyKey).toBe(`saga:${orderId}:charge:1`);
    });

    it('should refuse a step that is not next', () => {
      given(historyUntil.started()).when(startAttempt('chargePayment')).thenThrows('CONFLICT', { step: 'chargePayment' });
    });

    it('should change nothing when the same attempt is already in flight', () => {
      given([started(), stepStarted('reserveInventory')]).when(startAttempt('reserveInventory')).thenNothingHappens();
    });

    it('should refuse a retry before it is due and begin it once due', () => {
      const history = [...historyUntil.reserved(), stepStarted('chargePayment'), stepFailed('chargePayment', 1, at(10))];
      given(history).when(startAttempt('chargePayment', 2, 5)).thenThrows('CONFLICT');
      given(history).when(startAttempt('chargePayment', 2, 10)).then([stepStarted('chargePayment', 2, 10)]);
    });
  });

  describe('When a forward step succeeds', () => {
    it('should record the result and move on', () => {
      given([started(), stepStarted('reserveInventory')])
        .when(record('reserveInventory', succeeded('reserveInventory')))
        .then([stepSucceeded('reserveInventory')]);
    });

    it('should complete the saga when the order is confirmed', () => {
      given([...historyUntil.shipped(), stepStarted('confirmOrder')])
        .when(record('confirmOrder', succeeded('confirmOrder')))
        .then([stepSucceeded('confirmOrder'), { type: 'FulfilmentCompleted', data: { orderId, completedAt: at(2) } }]);
    });

    it('should ignore an outcome of an attempt that is not in flight (recorded already)', () => {
      given(historyUntil.reserved()).when(record('reserveInventory', succeeded('reserveInventory'))).thenNothingHappens();
    });
  });

  describe('When a step is refused for a business reason', () => {
    it('should release a partial reservation when stock runs out, then cancel the order', () => {
      given([started(), stepStarted('reserveInventory')])
        .when(record('reserveInventory', { kind: 'rejected', reason: 'Out of stock: SKU-B' }))
        .then([
          stepRejected('reserveInventory', 'Out of stock: SKU-B'),
          compensationStarted('Out of stock: SKU-B', 'system', ['releaseInventory', 'cancelOrder']),
        ]);
    });

    it('should release the stock but refund nothing when the payment is declined', () => {
      given([...historyUntil.reserved(), stepStarted('chargePayment')])
        .when(record('chargePayment', { kind: 'rejected', reason: 'Payment declined: insufficient funds' }))
        .then([
          stepRejected('chargePayment', 'Payment declined: insufficient funds'),
          compensationStarted('Payment declined: insufficient funds', 'system', ['releaseInventory', 'cancelOrder']),
        ]);
    });

    it('should refund and release when the carrier cannot ship', () => {
      given([...historyUntil.charged(), stepStarted('createShipment')])
        .when(record('createShipment', { kind: 'rejected', reason: 'Carrier cannot ship to XX' }))
        .then([
          stepRejected('createShipment', 'Carrier cannot ship to XX'),
          compensationStarted('Carrier cannot ship to XX', 'system', ['refundPayment', 'releaseInventory', 'cancelOrder']),
        ]);
    });
  });

  describe('When a step fails transiently', () => {
    it('should schedule a retry with exponential backoff and jitter', () => {
      const history = [...historyUntil.reserved(), stepStarted('chargePayment', 2, 5)];
      // attempt 2 failed: 2000 ms exponential, half fixed plus half scaled by the jitter 0.5 = 1500 ms
      given(history)
        .when(record('chargePayment', transient(), 2, 6, 0.5))
        .then([stepFailed('chargePayment', 2, new Date(Date.parse(at(6)) + 1500).toISOString(), 6)]);
    });

    it('should compensate what it may have done once retries run out', () => {
      given([...historyUntil.reserved(), stepStarted('chargePayment', 3, 9)])
        .when(record('chargePayment', { kind: 'failed', outcome: 'timeout', error: 'The payment gateway did not answer within 100 ms' }, 3, 10))
        .then([
          {
            type: 'FulfilmentStepFailed',
            data: {
              orderId,
              step: 'chargePayment',
              attempt: 3,
              outcome: 'timeout',
              error: 'The payment gateway did not answer within 100 ms',
              worker: 'worker-a',
              endedAt: at(10),
              retryAt: null,
            },
          },
          compensationStarted(
            'Payment failed: The payment gateway did not answer within 100 ms',
            'system',
            ['refundPayment', 'releaseInventory', 'cancelOrder'],
            10,
          ),
        ]);
    });

    it('should keep retrying the confirmation longer, and fail the saga when that runs out too (nothing can be undone)', () => {
      given([...historyUntil.shipped(), stepStarted('confirmOrder', 3)])
        .when(record('confirmOrder', transient('db down'), 3))
        .then([stepFailed('confirmOrder', 3, new Date(Date.parse(at(2)) + 2000).toISOString(), 2, 'db down')]);
      given([...historyUntil.shipped(), stepStarted('confirmOrder', 5)])
        .when(record('confirmOrder', transient('db down'), 5))
        .then([
          stepFailed('confirmOrder', 5, null, 2, 'db down'),
          { type: 'FulfilmentFailed', data: { orderId, step: 'confirmOrder', reason: 'Order could not be confirmed: db down', failedAt: at(2) } },
        ]);
    });
  });

  describe('When the customer cancels', () => {
    const cancel = (second = 3) => ({
      type: 'RequestFulfilmentCancellation' as const,
      data: { orderId, reason: 'Changed my mind', now: at(second) },
    });

    it('should turn back at once when no step is in flight', () => {
      given(historyUntil.charged())
        .when(cancel())
        .then([
          cancellationRequested(),
          compensationStarted('Cancelled by customer', 'customer', ['refundPayment', 'releaseInventory', 'cancelOrder'], 3),
        ]);
    });

    it('should let the step in flight finish and turn back with its outcome', () => {
      const history = [...historyUntil.charged(), stepStarted('createShipment')];
      given(history).when(cancel()).then([cancellationRequested()]);
      given([...history, cancellationRequested()])
        .when(record('createShipment', succeeded('createShipment'), 1, 4))
        .then([
          stepSucceeded('createShipment', 1, 4),
          compensationStarted('Cancelled by customer', 'customer', ['cancelShipment', 'refundPayment', 'releaseInventory', 'cancelOrder'], 4),
        ]);
    });

    it('should drop a pending retry and compensate', () => {
      given([...historyUntil.reserved(), stepStarted('chargePayment'), stepFailed('chargePayment', 1, at(30))])
        .when(cancel())
        .then([
          cancellationRequested(),
          compensationStarted('Cancelled by customer', 'customer', ['refundPayment', 'releaseInventory', 'cancelOrder'], 3),
        ]);
    });

    it('should turn back when the order refused a step because the customer is cancelling', () => {
      given([...historyUntil.reserved(), stepStarted('chargePayment')])
        .when(
          record('chargePayment', {
            kind: 'succeeded',
            result: resultOf.chargePayment,
            cancellationRequested: { reason: 'Changed my mind', requestedAt: at(3) },
          }),
        )
        .then([
          stepSucceeded('chargePayment'),
          cancellationRequested(),
          compensationStarted('Cancelled by customer', 'customer', ['refundPayment', 'releaseInventory', 'cancelOrder']),
        ]);
    });

    it('should change nothing once the shipment exists, or when already turning back', () => {
      given(historyUntil.shipped()).when(cancel()).thenNothingHappens();
      given([...historyUntil.reserved(), compensationStarted('Payment declined', 'system', ['releaseInventory', 'cancelOrder'])])
        .when(cancel())
        .thenNothingHappens();
    });

    it('should compensate nothing but the order when nothing was attempted yet', () => {
      given(historyUntil.started())
        .when(cancel())
        .then([cancellationRequested(), compensationStarted('Cancelled by customer', 'customer', ['cancelOrder'], 3)]);
    });
  });

  describe('When the worker records an outcome and goes straight on', () => {
    const andStartNext = (command: RecordStepOutcome): RecordStepOutcome => ({ ...command, data: { ...command.data, startNext: true } });

    it('should start the next step in the same append', () => {
      given([started(), stepStarted('reserveInventory')])
        .when(andStartNext(record('reserveInventory', succeeded('reserveInventory'))))
        .then([stepSucceeded('reserveInventory'), stepStarted('chargePayment', 1, 2)]);
    });

    it('should start the first compensation when a step is refused', () => {
      given([...historyUntil.reserved(), stepStarted('chargePayment')])
        .when(andStartNext(record('chargePayment', { kind: 'rejected', reason: 'Payment declined: insufficient funds' })))
        .then([
          stepRejected('chargePayment', 'Payment declined: insufficient funds'),
          compensationStarted('Payment declined: insufficient funds', 'system', ['releaseInventory', 'cancelOrder']),
          stepStarted('releaseInventory', 1, 2),
        ]);
    });

    it('should start nothing while a retry waits for its backoff', () => {
      given([...historyUntil.reserved(), stepStarted('chargePayment')])
        .when(andStartNext(record('chargePayment', transient())))
        .then([stepFailed('chargePayment', 1, new Date(Date.parse(at(2)) + 500).toISOString())]);
    });

    it('should start nothing once the saga is complete', () => {
      given([...historyUntil.shipped(), stepStarted('confirmOrder')])
        .when(andStartNext(record('confirmOrder', succeeded('confirmOrder'))))
        .then([stepSucceeded('confirmOrder'), { type: 'FulfilmentCompleted', data: { orderId, completedAt: at(2) } }]);
    });
  });

  describe('When compensating', () => {
    const compensating = () => [
      ...historyUntil.charged(),
      stepStarted('createShipment'),
      stepRejected('createShipment', 'Carrier cannot ship to XX'),
      compensationStarted('Carrier cannot ship to XX', 'system', ['refundPayment', 'releaseInventory', 'cancelOrder']),
    ];

    it('should run the plan in order and finish with the order cancelled', () => {
      const history = [...compensating(), ...ran('refundPayment'), ...ran('releaseInventory'), stepStarted('cancelOrder')];
      given(history)
        .when(record('cancelOrder', succeeded('cancelOrder')))
        .then([
          stepSucceeded('cancelOrder'),
          { type: 'FulfilmentCompensated', data: { orderId, reason: 'Carrier cannot ship to XX', compensatedAt: at(2) } },
        ]);
    });

    it('should retry a compensation and fail the saga when it runs out of attempts', () => {
      given([...compensating(), stepStarted('refundPayment', 5)])
        .when(record('refundPayment', transient(), 5))
        .then([
          stepFailed('refundPayment', 5, null),
          {
            type: 'FulfilmentFailed',
            data: { orderId, step: 'refundPayment', reason: 'Refund payment failed: The payment gateway is temporarily unavailable', failedAt: at(2) },
          },
        ]);
    });
  });

  describe('When asked what is due', () => {
    it('should name the next step, a pending retry, a resumed attempt, or nothing', () => {
      expect(nextWork(initialState(), at(0))).toEqual({ kind: 'none' });
      expect(nextWork(stateOf(historyUntil.reserved()), at(3))).toMatchObject({ kind: 'run', step: 'chargePayment', attempt: 1, resumed: false });
      const waiting = stateOf([...historyUntil.reserved(), stepStarted('chargePayment'), stepFailed('chargePayment', 1, at(20))]);
      expect(nextWork(waiting, at(10))).toEqual({ kind: 'wait', until: at(20) });
      expect(nextWork(waiting, at(20))).toEqual({
        kind: 'run',
        step: 'chargePayment',
        attempt: 2,
        idempotencyKey: `saga:${orderId}:charge:2`,
        resumed: false,
      });
      const crashed = stateOf([...historyUntil.reserved(), stepStarted('chargePayment')]);
      expect(nextWork(crashed, at(10))).toMatchObject({ kind: 'run', step: 'chargePayment', attempt: 1, resumed: true });
      const done = stateOf([...historyUntil.shipped(), ...ran('confirmOrder'), { type: 'FulfilmentCompleted', data: { orderId, completedAt: at(5) } }]);
      expect(nextWork(done, at(10))).toEqual({ kind: 'done' });
    });

    it('should plan to undo a step that failed transiently, since it may have acted', () => {
      const saga = stateOf([...historyUntil.charged(), stepStarted('createShipment'), stepFailed('createShipment', 1, null)]) as ActiveFulfilment;
      expect(compensationPlan(saga)).toEqual(['cancelShipment', 'refundPayment', 'releaseInventory', 'cancelOrder']);
    });
  });
});
