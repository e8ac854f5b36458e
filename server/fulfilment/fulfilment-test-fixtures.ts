import { deciderSpec } from '../shared/decider-spec';
import type { RecordStepOutcome, StepOutcome } from './commands';
import { fulfilmentDecider } from './decider';
import { fulfilmentEventDefinitions, type FulfilmentEvent, type StepResult } from './events';
import type { RetryPolicy } from './retry-policy';
import { stepIdempotencyKey, type CompensationStep, type SagaStep } from './steps';

export const given = deciderSpec(fulfilmentDecider, fulfilmentEventDefinitions);

export const orderId = 'ord-1001';
export const worker = 'worker-a';

/** Seconds after a fixed morning, so every event of a story gets its own time. */
export const at = (second: number): string => new Date(Date.UTC(2025, 2, 1, 10, 0, second)).toISOString();

export const policy: RetryPolicy = { maxAttempts: 3, persistentMaxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 8000 };

/** What the saga of the story's order needs from it: in StartFulfilment and FulfilmentStarted alike. */
export const sale = {
  orderId,
  lines: [
    { sku: 'SKU-A', quantity: 2 },
    { sku: 'SKU-B', quantity: 1 },
  ],
  amountCents: 4499,
  paymentToken: 'tok_visa',
  country: 'GB',
};

export const started = (): FulfilmentEvent => ({ type: 'FulfilmentStarted', data: { ...sale, startedAt: at(0) } });

export const stepStarted = (step: SagaStep, attempt = 1, second = 1): FulfilmentEvent => ({
  type: 'FulfilmentStepStarted',
  data: { orderId, step, attempt, idempotencyKey: stepIdempotencyKey(orderId, step, attempt), worker, startedAt: at(second) },
});

export const resultOf: Record<SagaStep, StepResult> = {
  reserveInventory: { summary: 'Reserved 2 × SKU-A, 1 × SKU-B' },
  chargePayment: { summary: 'Charged 44.99 as pay-1', paymentId: 'pay-1', amountCents: 4499 },
  createShipment: { summary: 'Booked', shipmentId: 'shp-1', carrier: 'Orderflow Express', trackingNumber: 'OX1' },
  confirmOrder: { summary: 'Confirmed' },
  cancelShipment: { summary: 'Shipment cancelled' },
  refundPayment: { summary: 'Refunded 44.99', amountCents: 4499 },
  releaseInventory: { summary: 'Released 3 units' },
  cancelOrder: { summary: 'Order cancelled' },
};

export const stepSucceeded = (step: SagaStep, attempt = 1, second = 2): FulfilmentEvent => ({
  type: 'FulfilmentStepSucceeded',
  data: { orderId, step, attempt, result: resultOf[step], worker, endedAt: at(second) },
});

export const stepRejected = (step: SagaStep, reason: string, attempt = 1, second = 2): FulfilmentEvent => ({
  type: 'FulfilmentStepRejected',
  data: { orderId, step, attempt, reason, worker, endedAt: at(second) },
});

export const stepFailed = (
  step: SagaStep,
  attempt: number,
  retryAt: string | null,
  second = 2,
  error = 'The payment gateway is temporarily unavailable',
): FulfilmentEvent => ({
  type: 'FulfilmentStepFailed',
  data: { orderId, step, attempt, outcome: 'error', error, worker, endedAt: at(second), retryAt },
});

export const cancellationRequested = (second = 3, reason = 'Changed my mind'): FulfilmentEvent => ({
  type: 'FulfilmentCancellationRequested',
  data: { orderId, reason, requestedAt: at(second) },
});

export const compensationStarted = (
  reason: string,
  cancelledBy: 'customer' | 'system',
  plan: CompensationStep[],
  second = 2,
): FulfilmentEvent => ({
  type: 'FulfilmentCompensationStarted',
  data: { orderId, reason, cancelledBy, plan, startedAt: at(second) },
});

/** A step that ran once and succeeded. */
export const ran = (step: SagaStep): FulfilmentEvent[] => [stepStarted(step), stepSucceeded(step)];

export const historyUntil = {
  started: () => [started()],
  reserved: () => [started(), ...ran('reserveInventory')],
  charged: () => [...historyUntil.reserved(), ...ran('chargePayment')],
  shipped: () => [...historyUntil.charged(), ...ran('createShipment')],
};

/**
 * One saga of each shape a saga_progress row takes: completed, retrying a step (with an error),
 * and compensating (a rejection whose text needs escaping, a cancellation request, compensations).
 */
export const sampleSagas = (): Record<'completed' | 'retrying' | 'compensating', FulfilmentEvent[]> => ({
  completed: [...historyUntil.shipped(), ...ran('confirmOrder'), { type: 'FulfilmentCompleted', data: { orderId, completedAt: at(9) } }],
  retrying: [...historyUntil.reserved(), stepStarted('chargePayment', 1, 3), stepFailed('chargePayment', 1, at(5), 4), stepStarted('chargePayment', 2, 5)],
  compensating: [
    ...historyUntil.charged(),
    stepStarted('createShipment'),
    stepRejected('createShipment', 'Carrier cannot ship to "XX" \\ \u00e9 \u2603\n\t\u0001'),
    cancellationRequested(3, 'Ordered twice'),
    compensationStarted('Carrier cannot ship to XX', 'system', ['refundPayment', 'releaseInventory', 'cancelOrder']),
    ...ran('refundPayment'),
    ...ran('releaseInventory'),
  ],
});

export const startAttempt = (step: SagaStep, attempt = 1, second = 1) => ({
  type: 'StartStepAttempt' as const,
  data: { orderId, step, attempt, worker, now: at(second) },
});

export const record = (step: SagaStep, outcome: StepOutcome, attempt = 1, second = 2, jitter = 0): RecordStepOutcome => ({
  type: 'RecordStepOutcome',
  data: { orderId, step, attempt, outcome, worker, retryPolicy: policy, jitter, now: at(second) },
});

export const succeeded = (step: SagaStep): StepOutcome => ({ kind: 'succeeded', result: resultOf[step] });
export const transient = (error = 'The payment gateway is temporarily unavailable'): StepOutcome => ({
  kind: 'failed',
  outcome: 'error',
  error,
});
