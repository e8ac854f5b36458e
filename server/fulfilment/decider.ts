import { DomainError, NotFoundError } from '../shared/errors';
import { requireIsoDateTime, requireText } from '../shared/domain-guards';
import { assertNever, type Decider } from '../shared/messages';
import type {
  FulfilmentCommand,
  RecordStepOutcome,
  RequestFulfilmentCancellation,
  StartFulfilment,
  StartStepAttempt,
} from './commands';
import type { FulfilmentEvent } from './events';
import { addMs, backoffDelayMs, type RetryPolicy } from './retry-policy';
import { evolve, initialState, isFinalLifecycle, type ActiveFulfilment, type FulfilmentState } from './state';
import {
  cancelledByCustomerReason,
  compensationOf,
  exhaustedReasonPrefix,
  forwardSteps,
  isForwardStep,
  stepIdempotencyKey,
  stepLabels,
  type CompensationStep,
  type ForwardStep,
  type SagaStep,
} from './steps';

/** What the processor should do next for a saga: pure, from the state and the clock. */
export type FulfilmentWork =
  | { readonly kind: 'none' }
  | { readonly kind: 'done' }
  | { readonly kind: 'wait'; readonly until: string }
  | {
      readonly kind: 'run';
      readonly step: SagaStep;
      readonly attempt: number;
      readonly idempotencyKey: string;
      /** True when the attempt was begun before (a crash or lost lease): run it again with the same key. */
      readonly resumed: boolean;
    };

const existing = (state: FulfilmentState, orderId: string): ActiveFulfilment => {
  if (state.status === 'none') throw new NotFoundError('Fulfilment of order', orderId);
  return state;
};

/** The steps the saga walks now: forward, or the compensation plan once it turned back. */
const currentQueue = (saga: ActiveFulfilment): readonly SagaStep[] =>
  saga.status === 'compensating' ? (saga.compensation?.plan ?? []) : forwardSteps;

export const nextWork = (state: FulfilmentState, now: string): FulfilmentWork => {
  if (state.status === 'none') return { kind: 'none' };
  if (isFinalLifecycle(state.status)) return { kind: 'done' };
  if (state.inFlight) {
    const { step, attempt, idempotencyKey } = state.inFlight;
    return { kind: 'run', step, attempt, idempotencyKey, resumed: true };
  }
  for (const step of currentQueue(state)) {
    const record = state.steps[step];
    if (record.status === 'succeeded') continue;
    if (record.status === 'pending') {
      return { kind: 'run', step, attempt: 1, idempotencyKey: stepIdempotencyKey(state.orderId, step, 1), resumed: false };
    }
    if (record.status === 'failed' && record.retryAt !== null) {
      if (Date.parse(record.retryAt) > Date.parse(now)) return { kind: 'wait', until: record.retryAt };
      const attempt = record.attempts + 1;
      return { kind: 'run', step, attempt, idempotencyKey: stepIdempotencyKey(state.orderId, step, attempt), resumed: false };
    }
    // A step that ended for good always moves the saga on in the same append, so this is a bug.
    throw new Error(`Fulfilment of order ${state.orderId} is stuck at ${step} (${record.status})`);
  }
  throw new Error(`Fulfilment of order ${state.orderId} has no step left but is still ${state.status}`);
};

/**
 * What has to be undone, newest first. A step refused for a business reason changed nothing,
 * except the reservation, which may have held some lines before one was refused. A step that
 * failed transiently may or may not have acted, so it is compensated too (a no-op if it did not).
 */
export const compensationPlan = (saga: ActiveFulfilment): CompensationStep[] => {
  const needsUndo = (step: Exclude<ForwardStep, 'confirmOrder'>): boolean => {
    const record = saga.steps[step];
    if (record.attempts === 0) return false;
    return record.status !== 'rejected' || step === 'reserveInventory';
  };
  const plan: CompensationStep[] = [];
  for (const step of ['createShipment', 'chargePayment', 'reserveInventory'] as const) {
    if (needsUndo(step)) plan.push(compensationOf[step]);
  }
  plan.push('cancelOrder');
  return plan;
};

const fold = (state: ActiveFulfilment, events: readonly FulfilmentEvent[]): ActiveFulfilment =>
  events.reduce<FulfilmentState>(evolve, state) as ActiveFulfilment;

const startCompensation = (
  saga: ActiveFulfilment,
  reason: string,
  cancelledBy: 'customer' | 'system',
  now: string,
): FulfilmentEvent => ({
  type: 'FulfilmentCompensationStarted',
  data: { orderId: saga.orderId, reason, cancelledBy, plan: compensationPlan(saga), startedAt: now },
});

const maxAttemptsFor = (step: SagaStep, policy: RetryPolicy): number =>
  isForwardStep(step) && step !== 'confirmOrder' ? policy.maxAttempts : policy.persistentMaxAttempts;

const startFulfilment = ({ data }: StartFulfilment, state: FulfilmentState): FulfilmentEvent[] => {
  if (state.status !== 'none') return [];
  requireText(data.orderId, ['orderId'], 'Order id');
  requireText(data.paymentToken, ['paymentToken'], 'Payment token');
  if (data.lines.length === 0) throw new DomainError('VALIDATION', 'A fulfilment needs at least one line', { path: ['lines'] });
  return [
    {
      type: 'FulfilmentStarted',
      data: {
        orderId: data.orderId,
        lines: data.lines.map(({ sku, quantity }) => ({ sku, quantity })),
        amountCents: data.amountCents,
        paymentToken: data.paymentToken,
        country: data.country,
        startedAt: data.now,
      },
    },
  ];
};

const requestCancellation = ({ data }: RequestFulfilmentCancellation, state: FulfilmentState): FulfilmentEvent[] => {
  const saga = existing(state, data.orderId);
  requireText(data.reason, ['reason'], 'Cancellation reason');
  // Already going back or finished, asked before, or past the pivot (the order refuses then anyway).
  if (saga.status !== 'running' || saga.cancellation || saga.steps.createShipment.status === 'succeeded') return [];
  const requested: FulfilmentEvent = {
    type: 'FulfilmentCancellationRequested',
    data: { orderId: saga.orderId, reason: data.reason, requestedAt: data.now },
  };
  // An attempt in flight is never cut short: the saga turns back once its outcome is known.
  if (saga.inFlight) return [requested];
  return [requested, startCompensation(fold(saga, [requested]), cancelledByCustomerReason, 'customer', data.now)];
};

const startStepAttempt = ({ data }: StartStepAttempt, state: FulfilmentState): FulfilmentEvent[] => {
  const saga = existing(state, data.orderId);
  requireText(data.worker, ['worker'], 'Worker');
  if (saga.inFlight?.step === data.step && saga.inFlight.attempt === data.attempt) return [];
  const work = nextWork(saga, data.now);
  if (work.kind !== 'run' || work.resumed || work.step !== data.step || work.attempt !== data.attempt) {
    throw new DomainError(
      'CONFLICT',
      `Attempt ${data.attempt} of ${stepLabels[data.step].toLowerCase()} is not due for order ${data.orderId}`,
      { orderId: data.orderId, step: data.step, attempt: data.attempt, status: saga.status },
    );
  }
  return [stepStarted(saga, work, data.worker, data.now)];
};

const stepStarted = (
  saga: ActiveFulfilment,
  work: FulfilmentWork & { kind: 'run' },
  worker: string,
  now: string,
): FulfilmentEvent => ({
  type: 'FulfilmentStepStarted',
  data: {
    orderId: saga.orderId,
    step: work.step,
    attempt: work.attempt,
    idempotencyKey: work.idempotencyKey,
    worker,
    startedAt: now,
  },
});

/** After an outcome: the attempt due at once (the next step, or a retry without backoff), if any. */
const startNextDue = (saga: ActiveFulfilment, worker: string, now: string): FulfilmentEvent[] => {
  const work = nextWork(saga, now);
  return work.kind === 'run' && !work.resumed ? [stepStarted(saga, work, worker, now)] : [];
};

const recordForwardOutcome = (saga: ActiveFulfilment, command: RecordStepOutcome, step: ForwardStep): FulfilmentEvent[] => {
  const { orderId, attempt, outcome, worker, now } = command.data;
  const events: FulfilmentEvent[] = [];
  const then = (...more: FulfilmentEvent[]) => events.push(...more);
  const compensate = (reason: string, cancelledBy: 'customer' | 'system') =>
    then(startCompensation(fold(saga, events), reason, cancelledBy, now));

  switch (outcome.kind) {
    case 'succeeded': {
      then({ type: 'FulfilmentStepSucceeded', data: { orderId, step, attempt, result: outcome.result, worker, endedAt: now } });
      let cancelling = saga.cancellation !== null;
      if (!cancelling && outcome.cancellationRequested && step !== 'confirmOrder') {
        const { reason, requestedAt } = outcome.cancellationRequested;
        then({ type: 'FulfilmentCancellationRequested', data: { orderId, reason, requestedAt } });
        cancelling = true;
      }
      if (step === 'confirmOrder') then({ type: 'FulfilmentCompleted', data: { orderId, completedAt: now } });
      else if (cancelling) compensate(cancelledByCustomerReason, 'customer');
      return events;
    }
    case 'rejected': {
      then({ type: 'FulfilmentStepRejected', data: { orderId, step, attempt, reason: outcome.reason, worker, endedAt: now } });
      if (step === 'confirmOrder') {
        then({ type: 'FulfilmentFailed', data: { orderId, step, reason: outcome.reason, failedAt: now } });
      } else if (saga.cancellation) {
        compensate(cancelledByCustomerReason, 'customer');
      } else {
        compensate(outcome.reason, 'system');
      }
      return events;
    }
    case 'failed': {
      const { retryPolicy, jitter } = command.data;
      const failed = (retryAt: string | null): FulfilmentEvent => ({
        type: 'FulfilmentStepFailed',
        data: { orderId, step, attempt, outcome: outcome.outcome, error: outcome.error, worker, endedAt: now, retryAt },
      });
      const exhaustedReason = `${exhaustedReasonPrefix[step]}: ${outcome.error}`;
      if (saga.cancellation && step !== 'confirmOrder') {
        then(failed(null));
        compensate(cancelledByCustomerReason, 'customer');
      } else if (attempt < maxAttemptsFor(step, retryPolicy)) {
        then(failed(addMs(now, backoffDelayMs(retryPolicy, attempt, jitter))));
      } else if (step === 'confirmOrder') {
        then(failed(null), { type: 'FulfilmentFailed', data: { orderId, step, reason: exhaustedReason, failedAt: now } });
      } else {
        then(failed(null));
        compensate(exhaustedReason, 'system');
      }
      return events;
    }
    default:
      return assertNever(outcome);
  }
};

const recordCompensationOutcome = (saga: ActiveFulfilment, command: RecordStepOutcome): FulfilmentEvent[] => {
  const { orderId, step, attempt, outcome, worker, now, retryPolicy, jitter } = command.data;
  const label = stepLabels[step];
  switch (outcome.kind) {
    case 'succeeded': {
      const succeeded: FulfilmentEvent = {
        type: 'FulfilmentStepSucceeded',
        data: { orderId, step, attempt, result: outcome.result, worker, endedAt: now },
      };
      if (step !== 'cancelOrder') return [succeeded];
      const reason = saga.compensation?.reason ?? cancelledByCustomerReason;
      return [succeeded, { type: 'FulfilmentCompensated', data: { orderId, reason, compensatedAt: now } }];
    }
    case 'rejected':
      return [
        { type: 'FulfilmentStepRejected', data: { orderId, step, attempt, reason: outcome.reason, worker, endedAt: now } },
        { type: 'FulfilmentFailed', data: { orderId, step, reason: `${label} failed: ${outcome.reason}`, failedAt: now } },
      ];
    case 'failed': {
      const retrying = attempt < maxAttemptsFor(step, retryPolicy);
      const failed: FulfilmentEvent = {
        type: 'FulfilmentStepFailed',
        data: {
          orderId,
          step,
          attempt,
          outcome: outcome.outcome,
          error: outcome.error,
          worker,
          endedAt: now,
          retryAt: retrying ? addMs(now, backoffDelayMs(retryPolicy, attempt, jitter)) : null,
        },
      };
      if (retrying) return [failed];
      return [failed, { type: 'FulfilmentFailed', data: { orderId, step, reason: `${label} failed: ${outcome.error}`, failedAt: now } }];
    }
    default:
      return assertNever(outcome);
  }
};

const recordStepOutcome = (command: RecordStepOutcome, state: FulfilmentState): FulfilmentEvent[] => {
  const { data } = command;
  const saga = existing(state, data.orderId);
  // Recorded already (a twin process or a retried append got there first): nothing to add.
  if (saga.inFlight?.step !== data.step || saga.inFlight.attempt !== data.attempt) return [];
  if (data.outcome.kind === 'rejected') requireText(data.outcome.reason, ['outcome', 'reason'], 'Rejection reason');
  if (data.outcome.kind === 'failed') requireText(data.outcome.error, ['outcome', 'error'], 'Error');
  const recorded = isForwardStep(data.step) ? recordForwardOutcome(saga, command, data.step) : recordCompensationOutcome(saga, command);
  if (!data.startNext) return recorded;
  return [...recorded, ...startNextDue(fold(saga, recorded), data.worker, data.now)];
};

export const decide = (command: FulfilmentCommand, state: FulfilmentState): FulfilmentEvent[] => {
  requireIsoDateTime(command.data.now, ['now'], 'The current time');
  switch (command.type) {
    case 'StartFulfilment':
      return startFulfilment(command, state);
    case 'RequestFulfilmentCancellation':
      return requestCancellation(command, state);
    case 'StartStepAttempt':
      return startStepAttempt(command, state);
    case 'RecordStepOutcome':
      return recordStepOutcome(command, state);
    default:
      return assertNever(command);
  }
};

export const fulfilmentDecider: Decider<FulfilmentCommand, FulfilmentEvent, FulfilmentState> = {
  initialState,
  evolve,
  decide,
};
