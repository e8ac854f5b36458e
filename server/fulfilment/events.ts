import { z } from 'zod';
import { defineEvent, type EventOf } from '../event-store/event-definitions';
import { countryCodeSchema, isoDateTimeSchema } from '../shared/domain-guards';
import { compensationSteps, sagaSteps } from './steps';

const text = z.string().min(1);
const attempt = z.int().positive();
const step = z.enum(sagaSteps);

/** What a succeeded step produced: a readable summary plus the references later steps need. */
export const stepResultSchema = z.object({
  summary: text,
  paymentId: text.optional(),
  amountCents: z.int().nonnegative().optional(),
  shipmentId: text.optional(),
  carrier: text.optional(),
  trackingNumber: text.optional(),
});
export type StepResult = z.output<typeof stepResultSchema>;

/** Begun for every placed order; holds what the steps need so the saga never reads the order. */
export const fulfilmentStarted = defineEvent(
  'FulfilmentStarted',
  z.object({
    orderId: text,
    lines: z.array(z.object({ sku: text, quantity: z.int().positive() })).min(1),
    amountCents: z.int().nonnegative(),
    paymentToken: text,
    country: countryCodeSchema,
    startedAt: isoDateTimeSchema,
  }),
);

/**
 * One attempt of one step begins; `worker` is the process that runs it. Its outcome event names
 * the process that ended it: another one when it took the attempt over from a process that died.
 */
export const fulfilmentStepStarted = defineEvent(
  'FulfilmentStepStarted',
  z.object({ orderId: text, step, attempt, idempotencyKey: text, worker: text, startedAt: isoDateTimeSchema }),
);

export const fulfilmentStepSucceeded = defineEvent(
  'FulfilmentStepSucceeded',
  z.object({ orderId: text, step, attempt, result: stepResultSchema, worker: text, endedAt: isoDateTimeSchema }),
);

/** A business refusal (out of stock, declined, unsupported country): never retried. */
export const fulfilmentStepRejected = defineEvent(
  'FulfilmentStepRejected',
  z.object({ orderId: text, step, attempt, reason: text, worker: text, endedAt: isoDateTimeSchema }),
);

/** A transient failure; `retryAt` is when the next attempt is due, null when none will follow. */
export const fulfilmentStepFailed = defineEvent(
  'FulfilmentStepFailed',
  z.object({
    orderId: text,
    step,
    attempt,
    outcome: z.enum(['error', 'timeout']),
    error: text,
    worker: text,
    endedAt: isoDateTimeSchema,
    retryAt: isoDateTimeSchema.nullable(),
  }),
);

export const fulfilmentCancellationRequested = defineEvent(
  'FulfilmentCancellationRequested',
  z.object({ orderId: text, reason: text, requestedAt: isoDateTimeSchema }),
);

/** The saga turns back; `plan` lists the compensations it will run, in order, ending with cancelOrder. */
export const fulfilmentCompensationStarted = defineEvent(
  'FulfilmentCompensationStarted',
  z.object({
    orderId: text,
    reason: text,
    cancelledBy: z.enum(['customer', 'system']),
    plan: z.array(z.enum(compensationSteps)).min(1),
    startedAt: isoDateTimeSchema,
  }),
);

export const fulfilmentCompleted = defineEvent(
  'FulfilmentCompleted',
  z.object({ orderId: text, completedAt: isoDateTimeSchema }),
);

export const fulfilmentCompensated = defineEvent(
  'FulfilmentCompensated',
  z.object({ orderId: text, reason: text, compensatedAt: isoDateTimeSchema }),
);

/** Retries ran out where nothing can be undone any more (a compensation, or after the pivot). */
export const fulfilmentFailed = defineEvent(
  'FulfilmentFailed',
  z.object({ orderId: text, step, reason: text, failedAt: isoDateTimeSchema }),
);

export const fulfilmentEventDefinitions = [
  fulfilmentStarted,
  fulfilmentStepStarted,
  fulfilmentStepSucceeded,
  fulfilmentStepRejected,
  fulfilmentStepFailed,
  fulfilmentCancellationRequested,
  fulfilmentCompensationStarted,
  fulfilmentCompleted,
  fulfilmentCompensated,
  fulfilmentFailed,
] as const;

export type FulfilmentEvent = EventOf<(typeof fulfilmentEventDefinitions)[number]>;
export type FulfilmentEventType = FulfilmentEvent['type'];

export const fulfilmentEventTypes: readonly FulfilmentEventType[] = fulfilmentEventDefinitions.map((d) => d.type);
